import AtelierCore
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <access token>` of a user who still exists, and puts the user
/// in the context.
struct Authenticator: RouterMiddleware {
    typealias Context = AtelierContext
    let tokens: AccessTokens
    let accounts: AccountService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let user = try await user(authorization: request.headers[.authorization]) else { throw AtelierError.unauthorized }
        var context = context
        context.user = user
        return try await next(request, context)
    }

    /// nil for a missing, invalid or expired token, and for a deleted account's token (which
    /// stays signed until it expires).
    func userID(_ request: Request) async throws -> String? {
        try await userID(authorization: request.headers[.authorization])
    }

    func userID(authorization header: String?) async throws -> String? {
        try await user(authorization: header)?.id
    }

    private func user(authorization header: String?) async throws -> User? {
        guard let header, header.lowercased().hasPrefix("bearer "),
              let userID = await tokens.userID(fromToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return try await accounts.existing(userID: userID)
    }
}
