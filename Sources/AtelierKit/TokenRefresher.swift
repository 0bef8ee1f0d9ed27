import Foundation

/// Makes sure only one refresh is in flight however many calls hit a 401 at once.
actor TokenRefresher {
    private let store: any TokenStore
    private let perform: @Sendable (String) async throws -> Tokens
    private var inFlight: Task<Tokens, any Error>?
    /// How many refreshes actually went to the server (a test hook).
    private(set) var refreshCount = 0

    init(store: any TokenStore, perform: @escaping @Sendable (String) async throws -> Tokens) {
        self.store = store
        self.perform = perform
    }

    /// Fresh tokens after `staleAccessToken` was refused. If another call already swapped the
    /// tokens, those are returned without asking the server again.
    func refresh(after staleAccessToken: String) async throws -> Tokens {
        if let inFlight { return try await inFlight.value }
        let loaded = await store.load()
        // Loading suspended us: another caller may have started the refresh meanwhile.
        if let inFlight { return try await inFlight.value }
        guard let current = loaded else { throw AtelierError.notSignedIn }
        if current.accessToken != staleAccessToken { return current }
        refreshCount += 1
        let store = self.store
        let perform = self.perform
        let task = Task<Tokens, any Error> {
            do {
                let tokens = try await perform(current.refreshToken)
                await store.save(tokens)
                return tokens
            } catch let error as AtelierError {
                // A refresh token the server no longer honours means the session is over.
                if ["TOKEN_REUSED", "INVALID_REFRESH_TOKEN", "TOKEN_EXPIRED"].contains(error.code ?? "") {
                    await store.clear()
                }
                throw error
            }
        }
        inFlight = task
        defer { inFlight = nil }
        return try await task.value
    }
}
