import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Job events over WebSocket, on the same paths as their SSE streams: `/api/v1/jobs/{id}/events`
/// (current state first, closes after the terminal state) and `/api/v1/events` (all of the
/// caller's jobs). Authenticated by the bearer header or a `?ticket=` from `/api/v1/events/tickets`;
/// a request that is not allowed is not upgraded and gets the HTTP route's answer instead.
struct EventSocket {
    let jobs: JobService
    let authenticator: Authenticator
    let tickets: EventTickets

    func shouldUpgrade(_ head: HTTPRequest) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URLComponents(string: head.path ?? "/") ?? URLComponents()
        let parts = uri.path.split(separator: "/").map(String.init)
        let jobID: String?
        switch parts.count {
        case 3 where parts == ["api", "v1", "events"]: jobID = nil
        case 5 where parts[0...2] == ["api", "v1", "jobs"] && parts[4] == "events": jobID = parts[3]
        default: return .dontUpgrade
        }
        let ticket = uri.queryItems?.first { $0.name == "ticket" }?.value
        guard let userID = try await user(head, ticket: ticket) else { return .dontUpgrade }
        // Subscribe before reading the job, so no change falls between the two.
        let live = jobs.events.subscribe(ownerID: userID, jobID: jobID)
        let job: Job?
        if let jobID {
            guard let found = try? await jobs.job(id: jobID, ownerID: userID) else { return .dontUpgrade }
            job = found
        } else {
            job = nil
        }
        return .upgrade([:]) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Reading the client's frames answers pings and notices when it goes away.
                group.addTask { for try await _ in inbound {} }
                group.addTask {
                    if let job {
                        try await send(JobEvent(sequence: 0, job: job), outbound)
                        if job.state.isTerminal { return }
                    }
                    for await event in live {
                        try await send(event, outbound)
                        if jobID != nil && event.state.isTerminal { return }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func send(_ event: JobEvent, _ outbound: WebSocketOutboundWriter) async throws {
        let data = try JSONCoding.encoder.encode(JobEventJSON(event))
        try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }

    private func user(_ head: HTTPRequest, ticket: String?) async throws -> String? {
        if let ticket { return await tickets.redeem(ticket) }
        guard head.headerFields[.authorization] != nil else { return nil }
        return try await authenticator.userID(authorization: head.headerFields[.authorization])
    }
}
