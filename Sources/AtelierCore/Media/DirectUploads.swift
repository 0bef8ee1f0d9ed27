import Foundation

/// A blob store clients can upload to themselves (S3, with presigned PUT URLs), so large
/// originals skip the API server on the way in.
public protocol DirectUploadTarget: Sendable {
    /// A URL that accepts one PUT of the object's bytes until `expires` from now.
    func uploadURL(key: String, expires: Duration) throws -> URL
    /// The object's size in bytes, or nil when there is none.
    func size(key: String) async throws -> Int?
}

/// Where and until when a client may upload an original; `complete` then validates it.
public struct DirectUpload: Sendable {
    public let id: String
    public let url: URL
    public let expiresAt: Date
    public let maxBytes: Int
}

extension MediaService {
    static let directUploadLifetime = Duration.seconds(900)
    /// How long an uploaded object waits for its `complete` before the sweep deletes it.
    public static let stagedUploadLifetime = Duration.seconds(24 * 3600)
    static let stagingPrefix = "uploads/"

    /// Starts an upload straight to the blob store: 409 DIRECT_UPLOADS_UNAVAILABLE on a folder.
    public func startDirectUpload(ownerID: String, now: Date = Date()) throws -> DirectUpload {
        guard let target = blobs as? any DirectUploadTarget else { throw MediaError.directUploadsUnavailable }
        let id = Identifier.make(now: now)
        let url = try target.uploadURL(key: Self.stagingKey(ownerID: ownerID, uploadID: id), expires: Self.directUploadLifetime)
        return DirectUpload(id: id, url: url, expiresAt: now.addingTimeInterval(Self.directUploadLifetime.seconds),
                            maxBytes: limits.maxUploadBytes)
    }

    /// Takes the uploaded object in like any upload (same checks, variants and dedup), then
    /// removes it from the staging area whether or not it was a good image.
    public func completeDirectUpload(id: String, ownerID: String) async throws -> (asset: MediaAsset, duplicate: Bool) {
        guard let target = blobs as? any DirectUploadTarget else { throw MediaError.directUploadsUnavailable }
        guard Identifier.isWellFormed(id) else { throw MediaError.uploadNotFound }
        let key = Self.stagingKey(ownerID: ownerID, uploadID: id)
        guard let size = try await target.size(key: key) else { throw MediaError.uploadNotFound }
        do {
            // Checked before reading: a presigned PUT cannot limit its own size.
            guard size <= limits.maxUploadBytes else { throw AtelierError.payloadTooLarge(limit: limits.maxUploadBytes) }
            guard let data = try await blobs.get(key: key) else { throw MediaError.uploadNotFound }
            let result = try await upload(data, ownerID: ownerID)
            try? await blobs.delete(key: key)
            return result
        } catch {
            try? await blobs.delete(key: key)
            throw error
        }
    }

    /// Per owner, so one user can never complete another's upload.
    static func stagingKey(ownerID: String, uploadID: String) -> String {
        "\(stagingPrefix)\(ownerID)/\(uploadID)"
    }
}
