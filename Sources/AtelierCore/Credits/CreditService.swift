/// A user's credits: balance, ledger and grants.
public struct CreditService: Sendable {
    let store: any JobStore

    public init(store: any JobStore) {
        self.store = store
    }

    public func balance(ownerID: String) async throws -> Int {
        try await store.balance(ownerID: ownerID)
    }

    public func ledger(ownerID: String, page: PageRequest) async throws -> Page<LedgerEntry> {
        let rows = try await store.ledger(ownerID: ownerID, afterID: page.afterID, limit: page.limit + 1)
        return page.page(from: rows, id: \.id)
    }

    @discardableResult
    public func grant(ownerID: String, amount: Int, reason: String) async throws -> LedgerEntry {
        guard amount > 0 else { throw AtelierError.validation("A grant must be positive.", field: "amount") }
        return try await store.grant(ownerID: ownerID, amount: amount, reason: reason)
    }
}
