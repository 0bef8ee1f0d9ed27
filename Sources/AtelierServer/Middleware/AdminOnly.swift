import AtelierCore
import Hummingbird

/// Only for accounts made admin with `atelier user admin EMAIL`; after `Authenticator`.
struct AdminOnly: RouterMiddleware {
    typealias Context = AtelierContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let user = context.user else { throw AtelierError.unauthorized }
        guard user.isAdmin else {
            throw AtelierError(status: 403, code: "FORBIDDEN", message: "This needs an admin account.")
        }
        return try await next(request, context)
    }
}
