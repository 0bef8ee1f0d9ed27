import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Job events as Server-Sent Events: what happened since `Last-Event-ID` first (from the
/// database), then live changes. A single job's stream ends at its terminal state.
enum EventStream {
    static func response(_ request: Request, jobs: JobService, ownerID: String, job: Job?) async throws -> Response {
        guard request.headers[.accept]?.contains("text/event-stream") == true else {
            throw AtelierError(status: 406, code: "NOT_ACCEPTABLE", message: "Ask for text/event-stream (Server-Sent Events) here.")
        }
        // Subscribe before reading the backlog, so nothing falls between the two.
        let live = await jobs.events.subscribe(ownerID: ownerID, jobID: job?.id)
        let resumeAfter = request.headers[.lastEventID].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        let lastSeen = resumeAfter ?? 0
        // A fresh subscriber to one job first learns where it stands now.
        let backlog = if let resumeAfter { try await jobs.events(ownerID: ownerID, jobID: job?.id, after: resumeAfter) }
            else { job.map { [JobEvent(sequence: 0, job: $0)] } ?? [] }
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var sent = lastSeen
            func send(_ event: JobEvent) async throws -> Bool {
                if event.sequence > 0 {
                    guard event.sequence > sent else { return false }
                    sent = event.sequence
                }
                let data = try JSONCoding.encoder.encode(JobEventJSON(event))
                var text = event.sequence > 0 ? "id: \(event.sequence)\n" : ""
                text += "event: job\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
                try await writer.write(ByteBuffer(string: text))
                return job != nil && event.state.isTerminal
            }
            for event in backlog where try await send(event) {
                try await writer.finish(nil)
                return
            }
            for await event in live where try await send(event) { break }
            try await writer.finish(nil)
        })
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
