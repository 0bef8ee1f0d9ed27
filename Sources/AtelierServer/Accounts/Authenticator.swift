import AtelierCore
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <access token>` and puts the user id in the context.
struct Authenticator: RouterMiddleware {
    typealias Context = AtelierContext
    let tokens: AccessTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let userID = await Self.userID(request, tokens) else { throw AtelierError.unauthorized }
        var context = context
        context.userID = userID
        return try await next(request, context)
    }

    static func userID(_ request: Request, _ tokens: AccessTokens) async -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return await tokens.userID(fromToken: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }
}
