import AtelierCore
import Foundation

/// Single-use, short-lived tickets that stand in for the bearer token when opening a WebSocket
/// from a client that cannot set headers (browsers). Kept in this process's memory.
actor EventTickets {
    private var tickets: [String: (userID: String, expires: Date)] = [:]
    let lifetime: TimeInterval = 60

    func issue(userID: String) -> String {
        let now = Date()
        tickets = tickets.filter { $0.value.expires > now }
        let ticket = Base64URL.encode(SecureRandom.bytes(24))
        tickets[ticket] = (userID, now.addingTimeInterval(lifetime))
        return ticket
    }

    /// The ticket's user, once; nil when unknown, used or expired.
    func redeem(_ ticket: String) -> String? {
        guard let entry = tickets.removeValue(forKey: ticket), entry.expires > Date() else { return nil }
        return entry.userID
    }
}
