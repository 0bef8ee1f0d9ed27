import AtelierCore
import HTTPTypes
import Hummingbird

/// `/api/v1/auth/*` and `/api/v1/users/me`.
struct AccountRoutes {
    let accounts: AccountService
    let authenticator: Authenticator

    func add(to api: RouterGroup<AtelierContext>) {
        let auth = api.group("auth")
        auth.post("register") { request, context in
            let body = try await RequestBody.decode(CredentialsBody.self, from: request, context: context)
            let session = try await accounts.register(email: body.email, password: body.password)
            return try Reply.json(SessionJSON(session), context, status: .created)
        }
        auth.post("login") { request, context in
            let body = try await RequestBody.decode(CredentialsBody.self, from: request, context: context)
            return try Reply.json(SessionJSON(try await accounts.login(email: body.email, password: body.password, ip: context.clientIP)), context)
        }
        auth.post("refresh") { request, context in
            let body = try await RequestBody.decode(RefreshBody.self, from: request, context: context)
            return try Reply.json(SessionJSON(try await accounts.refresh(token: body.refreshToken)), context)
        }
        auth.post("logout") { request, context in
            let body = try await RequestBody.decode(RefreshBody.self, from: request, context: context)
            try await accounts.logout(token: body.refreshToken)
            return Response(status: .noContent)
        }

        let me = api.group("users/me").add(middleware: authenticator)
        me.get { _, context in
            try Reply.json(UserJSON(try await accounts.user(id: context.requireUser())), context)
        }
        me.patch { request, context in
            let body = try await RequestBody.decode(ProfileBody.self, from: request, context: context)
            return try Reply.json(UserJSON(try await accounts.update(userID: context.requireUser(), body.change)), context)
        }
        me.delete { _, context in
            try await accounts.delete(userID: context.requireUser())
            return Response(status: .noContent)
        }
    }
}
