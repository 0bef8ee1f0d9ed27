import Foundation

/// Media rows (SQLite or PostgreSQL).
public protocol MediaStore: Sendable {
    /// Inserts the asset; returns false, inserting nothing, if the owner already has these bytes.
    func insert(_ asset: MediaAsset) async throws -> Bool
    /// `ownerID` nil: whoever owns it (for signed URLs, which carry the owner's permission).
    func asset(id: String, ownerID: String?) async throws -> MediaAsset?
    func asset(ownerID: String, sha256: String) async throws -> MediaAsset?
    /// Newest first, strictly after `afterID` when given, at most `limit` rows.
    func list(ownerID: String, afterID: String?, limit: Int) async throws -> [MediaAsset]
    func assets(ownerID: String) async throws -> [MediaAsset]
    func delete(id: String) async throws
    /// How many variants of any asset point at this blob (blobs are shared by content).
    func references(blobKey: String) async throws -> Int
}

/// Where bytes live: a local folder or an S3 bucket. Keys are made by Atelier, never by users.
public protocol BlobStore: Sendable {
    func put(_ data: Data, key: String) async throws
    func get(key: String) async throws -> Data?
    func delete(key: String) async throws
}

/// A blob store that can say what it holds, so blobs left without a media row can be swept: a
/// process that dies between writing an upload's blobs and recording them leaves such blobs.
public protocol SweepableBlobStore: BlobStore {
    /// Keys under `prefix` of blobs last written before `date`.
    func keys(prefix: String, writtenBefore date: Date) async throws -> [String]
    /// Deletes scratch files of writes that never finished (their process died) and counts them.
    func removeAbandonedWrites(before date: Date) async throws -> Int
}

public struct ImageHeader: Sendable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    public let hasAlpha: Bool

    public init(format: ImageFormat, width: Int, height: Int, hasAlpha: Bool) {
        self.format = format
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
    }
}

public struct EncodedImage: Sendable {
    public let data: Data
    public let format: ImageFormat
    public let width: Int
    public let height: Int

    public init(data: Data, format: ImageFormat, width: Int, height: Int) {
        self.data = data
        self.format = format
        self.width = width
        self.height = height
    }
}

/// Image decoding and resizing (libvips). Both throw `MediaError.invalidImage` for bad files.
public protocol ImageProcessor: Sendable {
    /// Reads dimensions from the header only; never decodes pixels.
    func header(of data: Data) async throws -> ImageHeader
    /// Shrinks to fit `maxSide`, applies EXIF orientation and drops all metadata.
    func variant(of data: Data, maxSide: Int, format: ImageFormat) async throws -> EncodedImage
}

/// Photo enhancement (libvips): auto-levels, local contrast and sharpening.
public protocol ImageEnhancer: Sendable {
    /// A JPEG of the enhanced picture; `strength` 0…1 sets how much local contrast is added.
    func enhance(_ data: Data, strength: Double) async throws -> Data
}

public enum MediaError {
    public static let notFound = AtelierError.notFound("MEDIA_NOT_FOUND", "No media with this id.")
    public static func unsupported(_ detail: String) -> AtelierError {
        AtelierError(status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Only JPEG, PNG, WebP, HEIC and AVIF images are accepted. \(detail)")
    }
    public static func invalidImage(_ detail: String) -> AtelierError {
        AtelierError(status: 422, code: "INVALID_IMAGE", message: "The image could not be decoded: \(detail)")
    }
    public static let directUploadsUnavailable = AtelierError(
        status: 409, code: "DIRECT_UPLOADS_UNAVAILABLE", message: "Direct uploads need S3 blob storage; POST the image to /api/v1/media instead.")
    public static let uploadNotFound = AtelierError.notFound("UPLOAD_NOT_FOUND", "No uploaded object for this upload id (expired, or never PUT).")
    public static func tooManyPixels(width: Int, height: Int, limit: Int) -> AtelierError {
        AtelierError(status: 422, code: "IMAGE_TOO_LARGE", message: "The image is \(width)×\(height) pixels; at most \(limit) pixels are accepted.",
                     details: ["width": String(width), "height": String(height), "max_pixels": String(limit)])
    }
}
