import Foundation

/// Sign-up, sign-in, token refresh, sign-out and the current user.
public struct AuthAPI: Sendable {
    let core: HTTPCore

    /// Creates an account (it starts with 10 credits) and signs in.
    @discardableResult
    public func register(email: String, password: String) async throws -> User {
        try await signIn("/auth/register", email: email, password: password)
    }

    /// Signs in; throws `INVALID_CREDENTIALS` (401) on a wrong email or password.
    @discardableResult
    public func login(email: String, password: String) async throws -> User {
        try await signIn("/auth/login", email: email, password: password)
    }

    /// Trades the stored refresh token for a new pair now (the client also does this by itself on 401).
    public func refresh() async throws {
        guard let tokens = await core.store.load() else { throw AtelierError.notSignedIn }
        _ = try await core.refresher.refresh(after: tokens.accessToken)
    }

    /// Revokes the refresh token on the server and forgets the tokens.
    public func logout() async throws {
        guard let tokens = await core.store.load() else { return }
        var request = APIRequest("POST", "/auth/logout", authenticated: false)
        try request.json(["refresh_token": tokens.refreshToken])
        // Forget the tokens (and cached bodies) even if the server could not be told.
        await core.cache.removeAll()
        do { _ = try await core.send(request) } catch { await core.store.clear(); throw error }
        await core.store.clear()
    }

    /// The signed-in user.
    public func me() async throws -> User {
        try await core.data(APIRequest("GET", "/users/me"))
    }

    /// Whether tokens are stored.
    public var isSignedIn: Bool { get async { await core.store.load() != nil } }

    private func signIn(_ path: String, email: String, password: String) async throws -> User {
        var request = APIRequest("POST", path, authenticated: false)
        try request.json(["email": email, "password": password])
        let session: Session = try await core.data(request)
        await core.store.save(Tokens(accessToken: session.accessToken, refreshToken: session.refreshToken))
        return session.user
    }
}
