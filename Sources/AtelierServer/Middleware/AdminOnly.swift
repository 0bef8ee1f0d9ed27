import AtelierCore
import Hummingbird

/// Only for accounts made admin with `atelier user admin EMAIL`.
struct AdminOnly: RouterMiddleware {
    typealias Context = AtelierContext
    let accounts: AccountService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard try await accounts.user(id: try context.requireUser()).isAdmin else {
            throw AtelierError(status: 403, code: "FORBIDDEN", message: "This needs an admin account.")
        }
        return try await next(request, context)
    }
}
