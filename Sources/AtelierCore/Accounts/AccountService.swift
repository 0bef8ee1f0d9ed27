import Crypto
import Foundation

/// Sign-up, sign-in, token rotation and the user's own profile.
public struct AccountService: Sendable {
    let store: any AccountStore
    let hasher: any PasswordHasher
    let tokens: any AccessTokenIssuer
    let throttle: LoginThrottle
    let refreshLifetime: TimeInterval
    /// Called with a new user's id, to set up what they start with (free credits).
    let onRegister: @Sendable (String) async throws -> Void
    /// Called with a user id before their rows go, to remove what they own elsewhere (blobs).
    let onDelete: @Sendable (String) async throws -> Void
    private let dummyHash = DummyHash()

    public init(
        store: any AccountStore, hasher: any PasswordHasher, tokens: any AccessTokenIssuer, throttle: LoginThrottle,
        refreshLifetime: TimeInterval = 30 * 24 * 3600, onRegister: @escaping @Sendable (String) async throws -> Void = { _ in },
        onDelete: @escaping @Sendable (String) async throws -> Void
    ) {
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.throttle = throttle
        self.refreshLifetime = refreshLifetime
        self.onRegister = onRegister
        self.onDelete = onDelete
    }

    public func register(email rawEmail: String, password: String) async throws -> Session {
        let email = try Credentials.normalisedEmail(rawEmail)
        try Credentials.checkPassword(password)
        let user = User(id: Identifier.make(), email: email, displayName: nil, createdAt: Date())
        try await store.insert(user, passwordHash: try await hasher.hash(password))
        try await onRegister(user.id)
        return try await startSession(for: user, familyID: Identifier.make())
    }

    public func login(email rawEmail: String, password: String, ip: String) async throws -> Session {
        let email = try Credentials.normalisedEmail(rawEmail)
        // Counted as a failure up front, so a burst of parallel guesses can't slip past the limit.
        try await throttle.reserve(email: email, ip: ip)
        let found = try await store.credentials(email: email)
        // Unknown emails cost a bcrypt too: response time must not reveal who has an account.
        let hash = if let found { found.passwordHash } else { try await dummyHash.value(hasher) }
        let matches = try await hasher.verify(password, hash: hash)
        guard let found, matches else { throw AccountError.invalidCredentials }
        await throttle.succeeded(email: email, ip: ip)
        return try await startSession(for: found.user, familyID: Identifier.make())
    }

    public func refresh(token: String) async throws -> Session {
        let now = Date()
        guard let record = try await store.refreshToken(hash: Self.hash(token)), record.revokedAt == nil else {
            throw AccountError.invalidRefreshToken
        }
        if record.usedAt != nil {
            try await store.revoke(familyID: record.familyID, at: now)
            throw AccountError.tokenReused
        }
        guard record.expiresAt > now else { throw AccountError.refreshTokenExpired }
        guard let user = try await store.user(id: record.userID) else { throw AccountError.invalidRefreshToken }
        let (token, next) = newRefreshToken(userID: user.id, familyID: record.familyID)
        // Using up the old token and storing the next are one step: two requests racing with one
        // token cannot both win, and the loser is treated exactly like a replay.
        guard try await store.rotate(tokenID: record.id, to: next, at: now) else {
            try await store.revoke(familyID: record.familyID, at: now)
            throw AccountError.tokenReused
        }
        return Session(user: user, accessToken: try await tokens.issue(userID: user.id), refreshToken: token, expiresIn: tokens.lifetimeSeconds)
    }

    /// Revokes the family of the given token; unknown tokens are ignored so logout is idempotent.
    public func logout(token: String) async throws {
        if let record = try await store.refreshToken(hash: Self.hash(token)) {
            try await store.revoke(familyID: record.familyID, at: Date())
        }
    }

    /// nil for an account that was deleted.
    public func existing(userID: String) async throws -> User? {
        try await store.user(id: userID)
    }

    public func user(id: String) async throws -> User {
        guard let user = try await store.user(id: id) else { throw AtelierError.unauthorized }
        return user
    }

    public struct ProfileChange: Sendable {
        public var email: String?
        public var displayName: String??
        public var password: String?
        public var currentPassword: String?

        public init(email: String? = nil, displayName: String?? = nil, password: String? = nil, currentPassword: String? = nil) {
            self.email = email
            self.displayName = displayName
            self.password = password
            self.currentPassword = currentPassword
        }
    }

    public func update(userID: String, _ change: ProfileChange) async throws -> User {
        let original = try await user(id: userID)
        var user = original
        if let email = change.email { user.email = try Credentials.normalisedEmail(email) }
        if let displayName = change.displayName {
            if let name = displayName, name.count > 100 {
                throw AtelierError.validation("display_name must be at most 100 characters.", field: "display_name")
            }
            user.displayName = displayName
        }
        var newHash: String?
        if let password = change.password {
            try Credentials.checkPassword(password)
            guard let current = change.currentPassword, let found = try await store.credentials(email: original.email),
                  try await hasher.verify(current, hash: found.passwordHash)
            else { throw AtelierError.validation("current_password is required and must be right to change the password.", field: "current_password") }
            newHash = try await hasher.hash(password)
        }
        try await store.update(user, passwordHash: newHash)
        // A new password signs out every device: their refresh tokens stop working.
        if newHash != nil { try await store.revokeAll(userID: userID, at: Date()) }
        return user
    }

    public func delete(userID: String) async throws {
        try await onDelete(userID)
        try await store.delete(userID: userID)
    }

    private func startSession(for user: User, familyID: String) async throws -> Session {
        let (token, record) = newRefreshToken(userID: user.id, familyID: familyID)
        try await store.insert(record)
        return Session(user: user, accessToken: try await tokens.issue(userID: user.id), refreshToken: token, expiresIn: tokens.lifetimeSeconds)
    }

    private func newRefreshToken(userID: String, familyID: String) -> (String, RefreshTokenRecord) {
        let token = Base64URL.encode(SecureRandom.bytes(32))
        return (token, RefreshTokenRecord(id: Identifier.make(), userID: userID, familyID: familyID, tokenHash: Self.hash(token),
                                          expiresAt: Date().addingTimeInterval(refreshLifetime)))
    }

    /// Refresh tokens are stored only as SHA-256: a leaked database holds no usable token.
    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}

/// A real hash of a throwaway password at the configured cost, made once, to verify against.
private actor DummyHash {
    private var hash: String?

    func value(_ hasher: any PasswordHasher) async throws -> String {
        if let hash { return hash }
        let made = try await hasher.hash(Base64URL.encode(SecureRandom.bytes(16)))
        hash = made
        return made
    }
}
