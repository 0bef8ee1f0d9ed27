import AtelierCore
import Crypto
import Foundation
import Testing
@testable import AtelierServer

@Suite("Media access")
struct MediaAccessTests {
    @Test("another user's media is 404 everywhere, and deleting removes rows and blobs")
    func isolationAndDelete() async throws {
        // Blobs on disk: the test counts the files in the blob folder (S3MediaTests covers deletes on S3).
        try await TestServer.run({ $0.blobURL = nil }) { api in
            let owner = try await api.register()
            let stranger = try await api.register()
            let upload = try await api.upload(try TestImages.make(.jpeg), token: owner.accessToken)
            let id = try #require(upload.data["id"] as? String)

            for path in ["/api/v1/media/\(id)", "/api/v1/media/\(id)/content?variant=display"] {
                let response = try await api.request(.get, path, token: stranger.accessToken)
                #expect(response.status == 404, "\(path)")
                #expect(response.errorCode == "MEDIA_NOT_FOUND")
            }
            #expect(try await api.request(.delete, "/api/v1/media/\(id)", token: stranger.accessToken).status == 404)
            #expect(try await api.request(.get, "/api/v1/media", token: stranger.accessToken).list.isEmpty)
            #expect(try await api.request(.get, "/api/v1/media/not-an-id", token: owner.accessToken).status == 404)

            #expect(try await api.request(.delete, "/api/v1/media/\(id)", token: owner.accessToken).status == 204)
            #expect(try await api.request(.get, "/api/v1/media/\(id)", token: owner.accessToken).status == 404)
            #expect(try regularFiles(in: api.dataDir.appendingPathComponent("blobs")).isEmpty)
        }
    }

    @Test("a blob shared by two users' uploads stays until the last one is deleted")
    func sharedBlobs() async throws {
        // Blobs on disk: the test counts the files in the blob folder (S3MediaTests covers deletes on S3).
        try await TestServer.run({ $0.blobURL = nil }) { api in
            let image = try TestImages.make(.webp)
            let first = try await api.register()
            let second = try await api.register()
            let a = try await api.upload(image, token: first.accessToken)
            let b = try await api.upload(image, token: second.accessToken)
            let blobs = api.dataDir.appendingPathComponent("blobs")
            #expect(try await api.request(.delete, "/api/v1/media/\(a.data["id"] as? String ?? "")", token: first.accessToken).status == 204)
            #expect(try regularFiles(in: blobs).count == 3)
            let content = try await api.get(url: ((b.data["variants"] as? [String: [String: Any]])?["original"]?["url"] as? String) ?? "")
            #expect(content.body == image)
        }
    }

    @Test("list is newest first with cursor pagination")
    func pagination() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            var ids: [String] = []
            for size in 0..<5 {
                let upload = try await api.upload(try TestImages.make(.png, width: 40 + size, height: 30), token: account.accessToken)
                ids.append(try #require(upload.data["id"] as? String))
            }
            var seen: [String] = []
            var path = "/api/v1/media?limit=2"
            while true {
                let page = try await api.request(.get, path, token: account.accessToken)
                #expect(page.status == 200)
                seen += page.list.compactMap { $0["id"] as? String }
                guard let cursor = (page.json["meta"] as? [String: Any])?["next_cursor"] as? String else { break }
                path = "/api/v1/media?limit=2&cursor=\(cursor)"
            }
            #expect(seen == ids.reversed())
            #expect(try await api.request(.get, "/api/v1/media?limit=0", token: account.accessToken).status == 422)
            #expect(try await api.request(.get, "/api/v1/media?cursor=%%%", token: account.accessToken).status == 422)
            #expect(try await api.request(.get, "/api/v1/media?limit=2&limit=3", token: account.accessToken).status == 422)
            #expect(try await api.request(.get, "/api/v1/media?cursor=a&cursor=b", token: account.accessToken).status == 422)
        }
    }

    @Test("metadata and content answer If-None-Match with 304; the original serves byte ranges")
    func caching() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let image = try TestImages.make(.jpeg)
            let upload = try await api.upload(image, token: account.accessToken)
            let id = try #require(upload.data["id"] as? String)

            let metadata = try await api.request(.get, "/api/v1/media/\(id)", token: account.accessToken)
            let etag = try #require(metadata.header("ETag"))
            #expect(metadata.header("Cache-Control") != nil)
            let again = try await api.request(.get, "/api/v1/media/\(id)", token: account.accessToken, headers: ["If-None-Match": etag])
            #expect(again.status == 304)

            let content = try await api.request(.get, "/api/v1/media/\(id)/content", token: account.accessToken)
            #expect(content.status == 200)
            #expect(content.body == image)
            #expect(content.header("Cache-Control")?.contains("max-age") == true)
            let contentTag = try #require(content.header("ETag"))
            #expect(try await api.request(.get, "/api/v1/media/\(id)/content", token: account.accessToken, headers: ["If-None-Match": contentTag]).status == 304)

            let partial = try await api.request(.get, "/api/v1/media/\(id)/content", token: account.accessToken, headers: ["Range": "bytes=10-19"])
            #expect(partial.status == 206)
            #expect(partial.body == image[10..<20])
            #expect(partial.header("Content-Range") == "bytes 10-19/\(image.count)")
            let tail = try await api.request(.get, "/api/v1/media/\(id)/content", token: account.accessToken, headers: ["Range": "bytes=-5"])
            #expect(tail.body == image.suffix(5))
            let beyond = try await api.request(.get, "/api/v1/media/\(id)/content", token: account.accessToken, headers: ["Range": "bytes=\(image.count)-"])
            #expect(beyond.status == 416)
            #expect(beyond.errorCode == "RANGE_NOT_SATISFIABLE")
            let huge = try await api.request(.get, "/api/v1/media/\(id)/content", token: account.accessToken, headers: ["Range": "bytes=0-\(Int.max)"])
            #expect(huge.status == 206)
            #expect(huge.body == image)
        }
    }

    @Test("signed URLs work without a token; expired and tampered ones are refused")
    func signedURLs() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let upload = try await api.upload(try TestImages.make(.jpeg), token: account.accessToken)
            let id = try #require(upload.data["id"] as? String)
            let display = try #require((upload.data["variants"] as? [String: [String: Any]])?["display"]?["url"] as? String)

            let signed = try await api.get(url: display)
            #expect(signed.status == 200)
            #expect(signed.header("Cache-Control")?.hasPrefix("public, max-age=") == true)

            let tampered = display.replacingOccurrences(of: "variant=display", with: "variant=original")
            let refused = try await api.get(url: tampered)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "INVALID_SIGNATURE")
            var badSignature = Array(display)
            badSignature[badSignature.count - 1] = badSignature.last == "0" ? "1" : "0"
            #expect(try await api.get(url: String(badSignature)).errorCode == "INVALID_SIGNATURE")

            // A URL signed with the server's key in the past has expired.
            let keys = SecretKeys(master: SymmetricKey(data: Data(base64Encoded: TestServer.secretKey)!))
            let signer = URLSigner(key: keys.signedURLs, lifetime: 60)
            let old = signer.sign(path: MediaRoutes.contentPath(id), variant: .display, now: Date().addingTimeInterval(-3600))
            let expired = try await api.request(.get, old)
            #expect(expired.status == 403)
            #expect(expired.errorCode == "SIGNATURE_EXPIRED")
            let fresh = signer.sign(path: MediaRoutes.contentPath(id), variant: .display)
            #expect(try await api.request(.get, fresh).status == 200)

            #expect(try await api.request(.get, "/api/v1/media/\(id)/content").status == 401)
        }
    }
}
