import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import AtelierKit

@Suite struct RefreshTests {
    @Test func twentyConcurrentCallsAfterExpiryRefreshOnce() async throws {
        // Long enough that the refreshed token outlives the 20 calls even on a loaded machine
        // (10 s was not, in a full parallel run beside a build).
        try await withServer(environment: ["ATELIER_ACCESS_TOKEN_SECONDS": "30"]) { server in
            let store = CountingTokenStore()
            let client = try await server.client(store: store)
            let user = try await client.auth.me()
            // Wait until the server refuses the access token (polling the server, not the clock).
            let stale = try #require(await store.load())
            try await waitUntilRefused(stale.accessToken, server: server)
            // Counted from here: on a loaded machine the short-lived token may already have
            // been refreshed once before (a slow first call).
            let (savesBefore, refreshesBefore) = (await store.saves, await client.core.refresher.refreshCount)
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await client.auth.me().id } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(ids.count == 20)
            #expect(Set(ids) == [user.id])
            #expect(await store.saves == savesBefore + 1)  // exactly one refresh
            #expect(await client.core.refresher.refreshCount == refreshesBefore + 1)
        }
    }

    @Test func reusedRefreshTokenSignsOut() async throws {
        try await withServer { server in
            let store = CountingTokenStore()
            let client = try await server.client(store: store)
            let old = try #require(await store.load())
            try await client.auth.refresh()  // `old.refreshToken` is now used up
            // Plant the used refresh token with a broken access token so the next call must refresh.
            await store.plant(Tokens(accessToken: "broken", refreshToken: old.refreshToken))
            let error = await #expect(throws: AtelierError.self) { try await client.auth.me() }
            #expect(["TOKEN_REUSED", "INVALID_REFRESH_TOKEN"].contains(error?.code ?? ""))
            #expect(await store.load() == nil)
        }
    }
}

/// Polls `/users/me` with a raw request until the server answers 401 for `token`.
func waitUntilRefused(_ token: String, server: TestServer) async throws {
    var request = URLRequest(url: server.baseURL.appendingPathComponent("api/v1/users/me"))
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline {
        let (_, response) = try await URLSession.shared.data(for: request)
        if (response as? HTTPURLResponse)?.statusCode == 401 { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("the access token was still accepted after 2 minutes")
}
