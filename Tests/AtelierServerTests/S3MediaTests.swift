import AsyncHTTPClient
import AtelierCore
import AtelierStore
import Foundation
import NIOCore
import Testing
@testable import AtelierServer

/// The media pipeline with its blobs in a real S3 server (started by scripts/test).
@Suite("Media on S3")
struct S3MediaTests {
    static let blobURL = ProcessInfo.processInfo.environment["ATELIER_BLOB_URL"].flatMap { $0.hasPrefix("s3://") ? $0 : nil }

    /// The test bucket under a prefix of its own: blob keys are content hashes, shared by every
    /// test using the bucket.
    static func ownBlobURL() throws -> String {
        try #require(blobURL) + "&prefix=test-\(UUID().uuidString.lowercased())/"
    }

    /// The store at `url`, to look into the bucket beside the server.
    static func bucket(_ url: String) throws -> S3BlobStore {
        S3BlobStore(location: try S3Location(url: url), credentials: try S3Credentials.fromEnvironment(), httpClient: S3BlobStore.sharedClient)
    }

    @Test("uploads, variants, downloads and deletes go through S3", .enabled(if: blobURL != nil, "no S3 server: scripts/test starts one"))
    func roundTrip() async throws {
        let url = try Self.ownBlobURL()
        try await TestServer.run({ $0.blobURL = url }) { api in
            let bucket = try Self.bucket(url)
            let owner = try await api.register()
            let image = try TestImages.make(.jpeg)
            let upload = try await api.upload(image, token: owner.accessToken)
            #expect(upload.status == 201)
            let id = try #require(upload.data["id"] as? String)
            let content = try await api.request(.get, "/api/v1/media/\(id)/content", token: owner.accessToken)
            #expect(content.status == 200 && content.body == image)
            let display = try await api.request(.get, "/api/v1/media/\(id)/content?variant=display", token: owner.accessToken)
            #expect(display.status == 200 && display.header("Content-Type") == "image/jpeg")

            let asset = try await api.services.media.asset(id: id, ownerID: owner.id)
            for variant in asset.variants { #expect(try await bucket.head(key: variant.blobKey) != nil, "\(variant.kind)") }
            #expect(try await api.request(.delete, "/api/v1/media/\(id)", token: owner.accessToken).status == 204)
            for variant in asset.variants { #expect(try await bucket.head(key: variant.blobKey) == nil, "\(variant.kind)") }
        }
    }

    @Test("a direct upload goes to S3 by presigned PUT and is then checked like any upload; only its owner completes it",
          .enabled(if: blobURL != nil, "no S3 server: scripts/test starts one"))
    func directUpload() async throws {
        let url = try Self.ownBlobURL()
        try await TestServer.run({ $0.blobURL = url }) { api in
            let owner = try await api.register()
            let stranger = try await api.register()
            func put(_ bytes: Data) async throws -> (id: String, status: Int) {
                let started = try await api.request(.post, "/api/v1/media/uploads", token: owner.accessToken)
                #expect(started.status == 201 && started.data["method"] as? String == "PUT")
                var request = HTTPClientRequest(url: try #require(started.data["url"] as? String))
                request.method = .PUT
                request.body = .bytes(ByteBuffer(bytes: bytes))
                let response = try await api.http.execute(request, timeout: .seconds(30))
                return (try #require(started.data["id"] as? String), Int(response.status.code))
            }
            let image = try TestImages.make(.png)
            let upload = try await put(image)
            #expect(upload.status == 200)
            let complete = "/api/v1/media/uploads/\(upload.id)/complete"
            #expect(try await api.request(.post, complete, token: stranger.accessToken).errorCode == "UPLOAD_NOT_FOUND")
            let done = try await api.request(.post, complete, token: owner.accessToken)
            #expect(done.status == 201 && done.data["format"] as? String == "png")
            let id = try #require(done.data["id"] as? String)
            #expect(try await api.request(.get, "/api/v1/media/\(id)/content", token: owner.accessToken).body == image)
            // The staged object is gone once taken in, and so is a bad one after its refusal.
            #expect(try await api.request(.post, complete, token: owner.accessToken).errorCode == "UPLOAD_NOT_FOUND")
            let bad = try await put(Data("not an image".utf8))
            let refused = try await api.request(.post, "/api/v1/media/uploads/\(bad.id)/complete", token: owner.accessToken)
            #expect(refused.status == 415)
            #expect(try await api.request(.post, "/api/v1/media/uploads/\(bad.id)/complete", token: owner.accessToken).errorCode == "UPLOAD_NOT_FOUND")
            #expect(try await api.request(.post, "/api/v1/media/uploads/nonsense/complete", token: owner.accessToken).errorCode == "UPLOAD_NOT_FOUND")
        }
    }

    @Test("with blobs in a folder, direct uploads answer 409 DIRECT_UPLOADS_UNAVAILABLE")
    func directUploadNeedsS3() async throws {
        try await TestServer.run({ $0.blobURL = nil }) { api in
            let account = try await api.register()
            let response = try await api.request(.post, "/api/v1/media/uploads", token: account.accessToken)
            #expect(response.status == 409 && response.errorCode == "DIRECT_UPLOADS_UNAVAILABLE")
        }
    }
}
