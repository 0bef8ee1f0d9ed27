import Foundation

/// The pair of tokens that keeps a user signed in.
public struct Tokens: Sendable, Codable, Hashable {
    public var accessToken: String
    public var refreshToken: String
    public init(accessToken: String, refreshToken: String) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
    }
}

/// Where the client keeps its tokens between calls (and, for persistent stores, launches).
public protocol TokenStore: Sendable {
    /// The stored tokens, or nil when signed out.
    func load() async -> Tokens?
    /// Replaces the stored tokens.
    func save(_ tokens: Tokens) async
    /// Forgets the tokens (sign-out).
    func clear() async
}

/// Keeps tokens in memory only; the default.
public actor MemoryTokenStore: TokenStore {
    private var tokens: Tokens?
    public init(_ tokens: Tokens? = nil) { self.tokens = tokens }
    public func load() -> Tokens? { tokens }
    public func save(_ tokens: Tokens) { self.tokens = tokens }
    public func clear() { tokens = nil }
}

/// Keeps tokens in a JSON file (readable by the owner only on platforms that honour permissions).
public actor FileTokenStore: TokenStore {
    private let url: URL
    public init(url: URL) { self.url = url }

    public func load() -> Tokens? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Tokens.self, from: data)
    }

    public func save(_ tokens: Tokens) {
        guard let data = try? JSONEncoder().encode(tokens) else { return }
        try? data.write(to: url, options: .atomic)
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    public func clear() { try? FileManager.default.removeItem(at: url) }
}

#if canImport(Security)
import Security

/// Keeps tokens in the Keychain as one generic password item.
public actor KeychainTokenStore: TokenStore {
    private let service: String
    private let account: String
    public init(service: String = "AtelierKit", account: String = "tokens") {
        self.service = service
        self.account = account
    }

    private var query: [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: service,
         kSecAttrAccount as String: account]
    }

    public func load() -> Tokens? {
        var request = query
        request[kSecReturnData as String] = true
        request[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        guard SecItemCopyMatching(request as CFDictionary, &item) == errSecSuccess, let data = item as? Data else {
            return nil
        }
        return try? JSONDecoder().decode(Tokens.self, from: data)
    }

    public func save(_ tokens: Tokens) {
        guard let data = try? JSONEncoder().encode(tokens) else { return }
        SecItemDelete(query as CFDictionary)
        var item = query
        item[kSecValueData as String] = data
        item[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        SecItemAdd(item as CFDictionary, nil)
    }

    public func clear() { SecItemDelete(query as CFDictionary) }
}
#endif
