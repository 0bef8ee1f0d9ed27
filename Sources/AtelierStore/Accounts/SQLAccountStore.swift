import AtelierCore
import Foundation
import SQLKit

public struct SQLAccountStore: AccountStore {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    public func insert(_ user: User, passwordHash: String) async throws {
        let inserted = try await database.transaction { db in
            try await db.raw("""
                INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)
                VALUES (\(bind: user.id), \(bind: user.email), \(bind: user.displayName), \(bind: passwordHash),
                        \(bind: user.createdAt.millis), \(bind: user.createdAt.millis))
                ON CONFLICT (email) DO NOTHING RETURNING id
                """).first() != nil
        }
        if !inserted { throw AccountError.emailTaken }
    }

    public func user(id: String) async throws -> User? {
        try await database.read { db in
            try await db.raw("SELECT * FROM users WHERE id = \(bind: id)").first().map(Self.user)
        }
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        let row = try await database.read { db in
            try await db.raw("SELECT * FROM users WHERE email = \(bind: email)").first().map { row in
                (try Self.user(row), try row.decode(column: "password_hash", as: String.self))
            }
        }
        return row.map { (user: $0.0, passwordHash: $0.1) }
    }

    public func update(_ user: User, passwordHash: String?) async throws {
        // The check and the update share the writer's transaction, so no other write slips between them.
        let changed = try await database.transaction { db in
            if try await db.raw("SELECT id FROM users WHERE email = \(bind: user.email) AND id <> \(bind: user.id)").first() != nil {
                return false
            }
            try await db.raw("""
                UPDATE users SET email = \(bind: user.email), display_name = \(bind: user.displayName),
                    password_hash = COALESCE(\(bind: passwordHash), password_hash), updated_at = \(bind: Date().millis)
                WHERE id = \(bind: user.id)
                """).run()
            return true
        }
        if !changed { throw AccountError.emailTaken }
    }

    public func delete(userID: String) async throws {
        // Owned rows go by ON DELETE CASCADE.
        try await database.transaction { db in
            try await db.raw("DELETE FROM users WHERE id = \(bind: userID)").run()
        }
    }

    public func setRoles(userID: String, admin: Bool?, premium: Bool?) async throws {
        try await database.transaction { db in
            try await db.raw("""
                UPDATE users SET is_admin = COALESCE(\(bind: admin.map { $0 ? 1 : 0 }), is_admin),
                    is_premium = COALESCE(\(bind: premium.map { $0 ? 1 : 0 }), is_premium), updated_at = \(bind: Date().millis)
                WHERE id = \(bind: userID)
                """).run()
        }
    }

    public func insert(_ token: RefreshTokenRecord) async throws {
        try await database.transaction { db in try await insert(token, db) }
    }

    private func insert(_ token: RefreshTokenRecord, _ db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
            VALUES (\(bind: token.id), \(bind: token.userID), \(bind: token.familyID), \(bind: token.tokenHash), \(bind: token.expiresAt.millis))
            """).run()
    }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM refresh_tokens WHERE token_hash = \(bind: hash)").first().map { row in
                RefreshTokenRecord(
                    id: try row.decode(column: "id", as: String.self),
                    userID: try row.decode(column: "user_id", as: String.self),
                    familyID: try row.decode(column: "family_id", as: String.self),
                    tokenHash: try row.decode(column: "token_hash", as: String.self),
                    expiresAt: Date(millis: try row.decode(column: "expires_at", as: Int64.self)),
                    usedAt: try row.decode(column: "used_at", as: Int64?.self).map(Date.init(millis:)),
                    revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)))
            }
        }
    }

    public func rotate(tokenID: String, to next: RefreshTokenRecord, at date: Date) async throws -> Bool {
        try await database.transaction { db in
            let used = try await db.raw("""
                UPDATE refresh_tokens SET used_at = \(bind: date.millis)
                WHERE id = \(bind: tokenID) AND used_at IS NULL AND revoked_at IS NULL RETURNING id
                """).first() != nil
            guard used else { return false }
            try await insert(next, db)
            return true
        }
    }

    public func revokeAll(userID: String, at date: Date) async throws {
        try await database.transaction { db in
            try await db.raw("""
                UPDATE refresh_tokens SET revoked_at = \(bind: date.millis) WHERE user_id = \(bind: userID) AND revoked_at IS NULL
                """).run()
        }
    }

    public func revoke(familyID: String, at date: Date) async throws {
        try await database.transaction { db in
            try await db.raw("""
                UPDATE refresh_tokens SET revoked_at = \(bind: date.millis)
                WHERE family_id = \(bind: familyID) AND revoked_at IS NULL
                """).run()
        }
    }

    static func user(_ row: any SQLRow) throws -> User {
        User(
            id: try row.decode(column: "id", as: String.self),
            email: try row.decode(column: "email", as: String.self),
            displayName: try row.decode(column: "display_name", as: String?.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            isAdmin: try row.decode(column: "is_admin", as: Int.self) != 0,
            isPremium: try row.decode(column: "is_premium", as: Int.self) != 0)
    }
}
