import Crypto
import Foundation

/// Uploading, reading and deleting a user's images.
public struct MediaService: Sendable {
    public struct Limits: Sendable {
        public var maxUploadBytes: Int
        public var maxPixels: Int
        public var displaySide: Int
        public var thumbSide: Int

        public init(maxUploadBytes: Int = 15_000_000, maxPixels: Int = 50_000_000, displaySide: Int = 2048, thumbSide: Int = 320) {
            self.maxUploadBytes = maxUploadBytes
            self.maxPixels = maxPixels
            self.displaySide = displaySide
            self.thumbSide = thumbSide
        }
    }

    let store: any MediaStore
    let blobs: any BlobStore
    let images: any ImageProcessor
    public let limits: Limits
    /// Blobs are shared by content: one upload or delete of the same bytes at a time, so a delete
    /// never removes files that an upload in flight is about to point at.
    let contentLock = KeyedLock()

    public init(store: any MediaStore, blobs: any BlobStore, images: any ImageProcessor, limits: Limits) {
        self.store = store
        self.blobs = blobs
        self.images = images
        self.limits = limits
    }

    /// Stores a new image, or returns the owner's existing asset for the same bytes (`duplicate`).
    public func upload(_ data: Data, ownerID: String) async throws -> (asset: MediaAsset, duplicate: Bool) {
        guard data.count <= limits.maxUploadBytes else { throw AtelierError.payloadTooLarge(limit: limits.maxUploadBytes) }
        guard !data.isEmpty else { throw MediaError.unsupported("The upload is empty.") }
        guard let format = FormatSniffer.format(of: data) else { throw MediaError.unsupported("The file's content is not one of them.") }
        let sha256 = Hex.encode(SHA256.hash(data: data))
        return try await contentLock.withLock(sha256) { try await save(data, format: format, sha256: sha256, ownerID: ownerID) }
    }

    private func save(_ data: Data, format: ImageFormat, sha256: String, ownerID: String) async throws -> (asset: MediaAsset, duplicate: Bool) {
        if let existing = try await store.asset(ownerID: ownerID, sha256: sha256) { return (existing, true) }

        let header = try await images.header(of: data)
        guard header.format == format else { throw MediaError.invalidImage("the content does not match its \(format.rawValue) signature.") }
        // Checked from the header before any pixel is decoded: a tiny file can claim a billion pixels.
        guard header.width * header.height <= limits.maxPixels else {
            throw MediaError.tooManyPixels(width: header.width, height: header.height, limit: limits.maxPixels)
        }
        // Opaque pictures as JPEG; WebP keeps transparency (garment cut-outs) at a fraction of PNG's size.
        let variantFormat: ImageFormat = header.hasAlpha ? .webp : .jpeg
        let display = try await images.variant(of: data, maxSide: limits.displaySide, format: variantFormat)
        let thumb = try await images.variant(of: display.data, maxSide: limits.thumbSide, format: variantFormat)

        let original = MediaVariant(kind: .original, blobKey: Self.blobKey(sha256, .original, format), format: format,
                                    width: header.width, height: header.height, bytes: data.count)
        let variants = [original] + [(VariantKind.display, display), (.thumb, thumb)].map { kind, image in
            MediaVariant(kind: kind, blobKey: Self.blobKey(sha256, kind, image.format), format: image.format,
                         width: image.width, height: image.height, bytes: image.data.count)
        }
        try await blobs.put(data, key: original.blobKey)
        try await blobs.put(display.data, key: variants[1].blobKey)
        try await blobs.put(thumb.data, key: variants[2].blobKey)

        let asset = MediaAsset(id: Identifier.make(), ownerID: ownerID, sha256: sha256, createdAt: Date(), variants: variants)
        if try await store.insert(asset) { return (asset, false) }
        // The same bytes won a race from a concurrent request: theirs is the asset.
        guard let winner = try await store.asset(ownerID: ownerID, sha256: sha256) else { throw MediaError.notFound }
        return (winner, true)
    }

    /// `ownerID` nil only for requests that carry a valid signed URL.
    public func asset(id: String, ownerID: String?) async throws -> MediaAsset {
        guard Identifier.isWellFormed(id), let asset = try await store.asset(id: id, ownerID: ownerID) else { throw MediaError.notFound }
        return asset
    }

    public func list(ownerID: String, page: PageRequest) async throws -> Page<MediaAsset> {
        let rows = try await store.list(ownerID: ownerID, afterID: page.afterID, limit: page.limit + 1)
        return page.page(from: rows, id: \.id)
    }

    /// The original's bytes, for processors.
    public func original(of asset: MediaAsset) async throws -> Data {
        try await content(of: asset, variant: .original).1
    }

    public func content(of asset: MediaAsset, variant: VariantKind) async throws -> (MediaVariant, Data) {
        guard let chosen = asset.variant(variant), let data = try await blobs.get(key: chosen.blobKey) else { throw MediaError.notFound }
        return (chosen, data)
    }

    public func delete(id: String, ownerID: String) async throws {
        try await remove(try await asset(id: id, ownerID: ownerID))
    }

    /// Everything a user owns, for account deletion.
    public func deleteAll(ownerID: String) async throws {
        for asset in try await store.assets(ownerID: ownerID) { try await remove(asset) }
    }

    /// Deletes the row first, then each blob no other asset still uses.
    private func remove(_ asset: MediaAsset) async throws {
        try await contentLock.withLock(asset.sha256) {
            try await store.delete(id: asset.id)
            for variant in asset.variants where try await store.references(blobKey: variant.blobKey) == 0 {
                try await blobs.delete(key: variant.blobKey)
            }
        }
    }

    /// Content-derived and never built from user input: `original/ab/<sha256>.jpeg`.
    static func blobKey(_ sha256: String, _ kind: VariantKind, _ format: ImageFormat) -> String {
        "\(kind.rawValue)/\(sha256.prefix(2))/\(sha256).\(format.rawValue)"
    }
}
