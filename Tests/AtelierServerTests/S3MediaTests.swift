import AtelierCore
import AtelierStore
import Foundation
import Testing
@testable import AtelierServer

/// The media pipeline with its blobs in a real S3 server (started by scripts/test).
@Suite("Media on S3")
struct S3MediaTests {
    static let blobURL = ProcessInfo.processInfo.environment["ATELIER_BLOB_URL"].flatMap { $0.hasPrefix("s3://") ? $0 : nil }

    @Test("uploads, variants, downloads and deletes go through S3", .enabled(if: blobURL != nil, "no S3 server: scripts/test starts one"))
    func roundTrip() async throws {
        // A prefix per test: blob keys are content hashes, shared by every test using the bucket.
        let url = try #require(Self.blobURL) + "&prefix=test-\(UUID().uuidString.lowercased())/"
        try await TestServer.run({ $0.blobURL = url }) { api in
            let bucket = S3BlobStore(location: try S3Location(url: url), credentials: try S3Credentials.fromEnvironment(),
                                     httpClient: S3BlobStore.sharedClient)
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
}
