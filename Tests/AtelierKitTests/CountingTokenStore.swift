import Foundation
@testable import AtelierKit

/// A memory store that counts how often tokens were replaced (= refreshes, after sign-in).
actor CountingTokenStore: TokenStore {
    private var tokens: Tokens?
    private(set) var saves = 0
    func load() -> Tokens? { tokens }
    func save(_ tokens: Tokens) { self.tokens = tokens; saves += 1 }
    func clear() { tokens = nil }
    /// Overwrites the tokens without counting (to plant a bad one).
    func plant(_ tokens: Tokens) { self.tokens = tokens }
}
