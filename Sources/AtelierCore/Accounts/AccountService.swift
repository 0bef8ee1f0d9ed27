import Crypto
import Foundation

/// Sign-up, sign-in, token rotation and the user's own profile.
public struct AccountService: Sendable {
    let store: any AccountStore
    let hasher: any PasswordHasher
    let tokens: any AccessTokenIssuer
    let throttle: LoginThrottle
    let refreshLifetime: TimeInterval
    /// Called with a user id before their rows go, to remove what they own elsewhere (blobs).
    let onDelete: @Sendable (String) async throws -> Void

    public init(
        store: any AccountStore, hasher: any PasswordHasher, tokens: any AccessTokenIssuer, throttle: LoginThrottle,
        refreshLifetime: TimeInterval = 30 * 24 * 3600, onDelete: @escaping @Sendable (String) async throws -> Void
    ) {
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.throttle = throttle
        self.refreshLifetime = refreshLifetime
        self.onDelete = onDelete
    }

    public func register(email rawEmail: String, password: String) async throws -> Session {
        let email = try Credentials.normalisedEmail(rawEmail)
        try Credentials.checkPassword(password)
        let user = User(id: Identifier.make(), email: email, displayName: nil, createdAt: Date())
        try await store.insert(user, passwordHash: try await hasher.hash(password))
        return try await startSession(for: user, familyID: Identifier.make())
    }

    public func login(email rawEmail: String, password: String, ip: String) async throws -> Session {
        let email = try Credentials.normalisedEmail(rawEmail)
        try await throttle.check(email: email, ip: ip)
        guard let found = try await store.credentials(email: email),
              try await hasher.verify(password, hash: found.passwordHash)
        else {
            await throttle.recordFailure(email: email, ip: ip)
            throw AccountError.invalidCredentials
        }
        await throttle.recordSuccess(email: email)
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
        // Two requests racing with one token: the loser is treated exactly like a replay.
        guard try await store.markUsed(tokenID: record.id, at: now) else {
            try await store.revoke(familyID: record.familyID, at: now)
            throw AccountError.tokenReused
        }
        guard let user = try await store.user(id: record.userID) else { throw AccountError.invalidRefreshToken }
        return try await startSession(for: user, familyID: record.familyID)
    }

    /// Revokes the family of the given token; unknown tokens are ignored so logout is idempotent.
    public func logout(token: String) async throws {
        if let record = try await store.refreshToken(hash: Self.hash(token)) {
            try await store.revoke(familyID: record.familyID, at: Date())
        }
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
        return user
    }

    public func delete(userID: String) async throws {
        try await onDelete(userID)
        try await store.delete(userID: userID)
    }

    private func startSession(for user: User, familyID: String) async throws -> Session {
        let refresh = Self.newRefreshToken()
        try await store.insert(RefreshTokenRecord(
            id: Identifier.make(), userID: user.id, familyID: familyID, tokenHash: Self.hash(refresh),
            expiresAt: Date().addingTimeInterval(refreshLifetime)))
        return Session(user: user, accessToken: try await tokens.issue(userID: user.id), refreshToken: refresh, expiresIn: tokens.lifetimeSeconds)
    }

    static func newRefreshToken() -> String {
        Base64URL.encode(SecureRandom.bytes(32))
    }

    /// Refresh tokens are stored only as SHA-256: a leaked database holds no usable token.
    static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}
