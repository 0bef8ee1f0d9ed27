import Foundation
import Testing

@testable import AtelierStore

/// Presigned URLs used with a plain HTTP client, against a real S3 server.
@Suite(.enabled(if: S3TestServer.isConfigured, S3TestServer.skipReason))
struct PresignedURLTests {
    let store: S3BlobStore

    init() throws { store = try S3TestServer.store() }

    @Test func getWorksUntilItExpires() async throws {
        let key = S3TestServer.freshKey("shared.txt")
        try await store.put(Data("hello".utf8), key: key)

        let lasting = try store.presignedURL(method: .get, key: key, expires: .seconds(600))
        let answer = try await S3TestServer.fetch(lasting)
        #expect(answer.status == 200)
        #expect(answer.body == Data("hello".utf8))

        // A validity check, not a timing one: the URL is used once well inside its 2 s and once
        // well after them.
        let brief = try store.presignedURL(method: .get, key: key, expires: .seconds(2))
        #expect(try await S3TestServer.fetch(brief).status == 200)
        try await Task.sleep(for: .seconds(4))
        let late = try await S3TestServer.fetch(brief)
        #expect(late.status == 403)
        #expect(S3Error(status: late.status, body: String(decoding: late.body, as: UTF8.self)).code == "AccessDenied")
        try await store.delete(key: key)
    }

    @Test func aChangedSignatureIsRefused() async throws {
        let key = S3TestServer.freshKey("guarded.txt")
        try await store.put(Data("secret".utf8), key: key)
        let url = try store.presignedURL(method: .get, key: key, expires: .seconds(600))
        var text = url.absoluteString
        let last = text.removeLast()
        let forged = try #require(URL(string: text + (last == "0" ? "1" : "0")))

        let answer = try await S3TestServer.fetch(forged)
        #expect(answer.status == 403)
        #expect(S3Error(status: answer.status, body: String(decoding: answer.body, as: UTF8.self)).code
            == "SignatureDoesNotMatch")
        try await store.delete(key: key)
    }

    @Test func putUploadsWhatGetReturns() async throws {
        let key = S3TestServer.freshKey("uploaded.bin")
        let data = S3TestServer.randomBytes(50_000)
        let url = try store.presignedURL(method: .put, key: key, expires: .seconds(600))
        #expect(try await S3TestServer.fetch(url, method: .PUT, body: data).status == 200)
        #expect(try await store.get(key: key) == data)
        try await store.delete(key: key)
    }

    @Test func aGetURLCannotPut() async throws {
        let key = S3TestServer.freshKey("read-only.txt")
        let url = try store.presignedURL(method: .get, key: key, expires: .seconds(600))
        #expect(try await S3TestServer.fetch(url, method: .PUT, body: Data("x".utf8)).status == 403)
        #expect(try await store.get(key: key) == nil)
    }
}
