import Foundation

/// The image formats Atelier accepts, as recognised from their first bytes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, heic, avif

    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .heic: "image/heic"
        case .avif: "image/avif"
        }
    }
}

public enum VariantKind: String, Sendable, CaseIterable {
    case original, display, thumb
}

/// One stored rendition of an asset.
public struct MediaVariant: Sendable, Equatable {
    public let kind: VariantKind
    public let blobKey: String
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    public let bytes: Int

    public init(kind: VariantKind, blobKey: String, format: ImageFormat, width: Int, height: Int, bytes: Int) {
        self.kind = kind
        self.blobKey = blobKey
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}

/// An uploaded image: the original as uploaded, plus `display` and `thumb` variants stripped of metadata.
public struct MediaAsset: Sendable, Equatable {
    public let id: String
    public let ownerID: String
    public let sha256: String
    public let createdAt: Date
    public let variants: [MediaVariant]

    public init(id: String, ownerID: String, sha256: String, createdAt: Date, variants: [MediaVariant]) {
        self.id = id
        self.ownerID = ownerID
        self.sha256 = sha256
        self.createdAt = createdAt
        self.variants = variants
    }

    /// Stores only hand out assets that have their original.
    public var original: MediaVariant { variants.first { $0.kind == .original }! }
    public func variant(_ kind: VariantKind) -> MediaVariant? { variants.first { $0.kind == kind } }
}
