import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Job events as Server-Sent Events: what happened since `Last-Event-ID` first (from the
/// database), then live changes, with a comment line after 15 s without any so a vanished client
/// is noticed.
/// A single job's stream ends at its terminal state.
enum EventStream {
    static func response(_ request: Request, jobs: JobService, ownerID: String, jobID: String?) async throws -> Response {
        guard request.headers[.accept]?.contains("text/event-stream") == true else {
            throw AtelierError(status: 406, code: "NOT_ACCEPTABLE", message: "Ask for text/event-stream (Server-Sent Events) here.")
        }
        // Subscribe before reading anything, so no change falls between the two.
        let live = jobs.events.subscribe(ownerID: ownerID, jobID: jobID)
        let job = try await jobID.asyncMap { try await jobs.job(id: $0, ownerID: ownerID) }
        let resumeAfter = request.headers[.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        var stored = try await resumeAfter.asyncMap { try await jobs.events(ownerID: ownerID, jobID: jobID, after: $0) } ?? []
        // A new subscriber to one job learns where it stands; so does one whose backlog does not
        // reach the job's end (the job ended, or more happened than one page of backlog holds).
        if let job, resumeAfter == nil || (job.state.isTerminal && stored.last?.state.isTerminal != true) {
            stored.append(JobEvent(sequence: 0, job: job))
        }
        let backlog = stored
        // Live events up to the backlog's last are duplicates; later ones may arrive out of order.
        let floor = max(resumeAfter ?? 0, backlog.map(\.sequence).max() ?? 0)
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            func send(_ event: JobEvent) async throws -> Bool {
                let data = try JSONCoding.encoder.encode(JobEventJSON(event))
                let id = event.sequence > 0 ? "id: \(event.sequence)\n" : ""
                try await writer.write(ByteBuffer(string: "\(id)event: job\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                return jobID != nil && event.state.isTerminal
            }
            for event in backlog where try await send(event) {
                try await writer.finish(nil)
                return
            }
            following: while true {
                switch await live.next(idleAfter: .seconds(15)) {
                case .event(let event):
                    if event.sequence > floor, try await send(event) { break following }
                case .idle:
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                case .ended:
                    break following
                }
            }
            try await writer.finish(nil)
        })
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
