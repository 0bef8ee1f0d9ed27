import Foundation

/// One movement of credits. The balance always equals the sum of the ledger.
public struct LedgerEntry: Sendable, Equatable {
    public let id: String
    public let ownerID: String
    public let delta: Int
    public let reason: String
    public let jobID: String?
    public let balanceAfter: Int
    public let createdAt: Date

    public init(id: String, ownerID: String, delta: Int, reason: String, jobID: String?, balanceAfter: Int, createdAt: Date) {
        self.id = id
        self.ownerID = ownerID
        self.delta = delta
        self.reason = reason
        self.jobID = jobID
        self.balanceAfter = balanceAfter
        self.createdAt = createdAt
    }
}
