import Foundation
import Testing
@testable import AtelierKit

@Suite struct AuthTests {
    @Test func registerLoginMeRefreshLogout() async throws {
        try await withServer { server in
            let client = try await server.client(signUp: false)
            let email = "auth\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let registered = try await client.auth.register(email: email, password: "password123")
            #expect(registered.email == email)
            #expect(try await client.auth.me().id == registered.id)
            try await client.auth.logout()
            #expect(await client.auth.isSignedIn == false)
            let user = try await client.auth.login(email: email, password: "password123")
            #expect(user.id == registered.id)
            try await client.auth.refresh()
            #expect(try await client.auth.me().email == email)
        }
    }

    @Test func wrongPasswordIsInvalidCredentials() async throws {
        try await withServer { server in
            let client = try await server.client(signUp: false)
            try await client.auth.register(email: "wrong@example.com", password: "password123")
            let error = await #expect(throws: AtelierError.self) {
                try await client.auth.login(email: "wrong@example.com", password: "nope-nope-nope")
            }
            #expect(error?.code == "INVALID_CREDENTIALS")
            #expect(error?.status == 401)
            #expect(error?.requestID?.isEmpty == false)
        }
    }

    @Test func duplicateEmailIsTaken() async throws {
        try await withServer { server in
            let client = try await server.client(signUp: false)
            try await client.auth.register(email: "dup@example.com", password: "password123")
            let error = await #expect(throws: AtelierError.self) {
                try await client.auth.register(email: "DUP@example.com", password: "password123")
            }
            #expect(error?.code == "EMAIL_TAKEN")
            #expect(error?.status == 409)
        }
    }

    @Test func signedOutCallsThrowNotSignedIn() async throws {
        try await withServer { server in
            let client = try await server.client(signUp: false)
            await #expect(throws: AtelierError.self) { try await client.auth.me() }
        }
    }

    @Test func fileTokenStoreKeepsTheSession() async throws {
        try await withServer { server in
            let file = server.dataDir.appendingPathComponent("tokens-\(UUID().uuidString).json")
            let first = try await server.client(store: FileTokenStore(url: file))
            let me = try await first.auth.me()
            let second = try await server.client(store: FileTokenStore(url: file), signUp: false)
            #expect(try await second.auth.me().id == me.id)
            try await second.auth.logout()
            #expect(await FileTokenStore(url: file).load() == nil)
        }
    }
}
