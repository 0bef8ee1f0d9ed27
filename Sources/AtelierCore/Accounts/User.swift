import Foundation

public struct User: Sendable, Equatable {
    public let id: String
    public var email: String
    public var displayName: String?
    public let createdAt: Date
    /// May see the operator endpoints (`/admin/...`); set with `atelier user admin`.
    public var isAdmin = false
    /// May run premium processors and raise job priority; set with `atelier user premium`.
    public var isPremium = false

    public init(id: String, email: String, displayName: String?, createdAt: Date, isAdmin: Bool = false, isPremium: Bool = false) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.createdAt = createdAt
        self.isAdmin = isAdmin
        self.isPremium = isPremium
    }
}

/// What a successful register, login or refresh hands back to the app.
public struct Session: Sendable {
    public let user: User
    public let accessToken: String
    public let refreshToken: String
    public let expiresIn: Int
}

/// One link of a refresh-token family. Each refresh uses a token up and issues the next one in the
/// same family; presenting a used token again means it leaked, so the whole family is revoked.
public struct RefreshTokenRecord: Sendable {
    public let id: String
    public let userID: String
    public let familyID: String
    public let tokenHash: String
    public let expiresAt: Date
    public var usedAt: Date?
    public var revokedAt: Date?

    public init(id: String, userID: String, familyID: String, tokenHash: String, expiresAt: Date, usedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.userID = userID
        self.familyID = familyID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }
}
