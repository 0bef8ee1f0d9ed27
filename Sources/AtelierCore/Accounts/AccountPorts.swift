import Foundation

/// Where accounts and refresh tokens live (SQLite or PostgreSQL).
public protocol AccountStore: Sendable {
    /// Throws `AccountError.emailTaken` when the normalised email is already registered.
    func insert(_ user: User, passwordHash: String) async throws
    func user(id: String) async throws -> User?
    func credentials(email: String) async throws -> (user: User, passwordHash: String)?
    func update(_ user: User, passwordHash: String?) async throws
    /// Changes the roles given (nil leaves one as it is).
    func setRoles(userID: String, admin: Bool?, premium: Bool?) async throws
    /// Deletes the user and every row they own.
    func delete(userID: String) async throws

    func insert(_ token: RefreshTokenRecord) async throws
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// In one transaction: marks `tokenID` used and stores `next` in its family. False, storing
    /// nothing, when the token was already used or its family revoked.
    func rotate(tokenID: String, to next: RefreshTokenRecord, at: Date) async throws -> Bool
    func revoke(familyID: String, at: Date) async throws
    func revokeAll(userID: String, at: Date) async throws
}

/// Password hashing (bcrypt in the server); slow on purpose, so callers keep it off event loops.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async throws -> Bool
}

/// Signs short-lived access tokens (JWT in the server).
public protocol AccessTokenIssuer: Sendable {
    var lifetimeSeconds: Int { get }
    func issue(userID: String) async throws -> String
}

public enum AccountError {
    public static let emailTaken = AtelierError(status: 409, code: "EMAIL_TAKEN", message: "An account with this email already exists.")
    public static let invalidCredentials = AtelierError(status: 401, code: "INVALID_CREDENTIALS", message: "Email or password is wrong.")
    public static let invalidRefreshToken = AtelierError(status: 401, code: "INVALID_REFRESH_TOKEN", message: "The refresh token is not valid.")
    public static let refreshTokenExpired = AtelierError(status: 401, code: "TOKEN_EXPIRED", message: "The refresh token has expired; sign in again.")
    public static let tokenReused = AtelierError(status: 401, code: "TOKEN_REUSED", message: "This refresh token was already used; every session of its family has been signed out.")
}
