import AtelierCore
import Foundation

struct UserJSON: Codable, Sendable {
    /// Nil fields as null: the document marks them required and nullable.
    func encode(to encoder: any Encoder) throws { try encodeWithNulls(to: encoder) }

    let id: String
    let email: String
    let displayName: String?
    let createdAt: Date

    init(_ user: User) {
        id = user.id
        email = user.email
        displayName = user.displayName
        createdAt = user.createdAt
    }
}

struct SessionJSON: Codable, Sendable {
    let user: UserJSON
    let accessToken: String
    let refreshToken: String
    let expiresIn: Int
    let tokenType: String

    init(_ session: Session) {
        user = UserJSON(session.user)
        accessToken = session.accessToken
        refreshToken = session.refreshToken
        expiresIn = session.expiresIn
        tokenType = "Bearer"
    }
}

struct CredentialsBody: Decodable {
    let email: String
    let password: String
}

struct RefreshBody: Decodable {
    let refreshToken: String
}

/// PATCH /users/me: a key that is absent is left alone; `display_name: null` clears the name.
struct ProfileBody: Decodable {
    let change: AccountService.ProfileChange

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var change = AccountService.ProfileChange()
        change.email = try container.decodeIfPresent(String.self, forKey: .email)
        if container.contains(.displayName) {
            change.displayName = .some(try container.decodeNil(forKey: .displayName) ? nil : try container.decode(String.self, forKey: .displayName))
        }
        change.password = try container.decodeIfPresent(String.self, forKey: .password)
        change.currentPassword = try container.decodeIfPresent(String.self, forKey: .currentPassword)
        self.change = change
    }

    private enum Keys: String, CodingKey { case email, displayName, password, currentPassword }
}
