import AtelierCore
import Foundation
import Hummingbird

struct MediaJSON: Encodable, Sendable {
    struct Variant: Encodable, Sendable {
        let url: String
        let width: Int
        let height: Int
        let contentType: String
        let bytes: Int
    }

    let id: String
    let width: Int
    let height: Int
    let format: String
    let bytes: Int
    let sha256: String
    let duplicate: Bool
    let createdAt: Date
    let variants: [String: Variant]

    init(_ asset: MediaAsset, duplicate: Bool = false, links: MediaLinks) {
        let original = asset.original
        id = asset.id
        width = original.width
        height = original.height
        format = original.format.rawValue
        bytes = original.bytes
        sha256 = asset.sha256
        self.duplicate = duplicate
        createdAt = asset.createdAt
        variants = Dictionary(uniqueKeysWithValues: asset.variants.map { variant in
            (variant.kind.rawValue, Variant(url: links.url(asset: asset.id, variant: variant.kind), width: variant.width,
                                            height: variant.height, contentType: variant.format.contentType, bytes: variant.bytes))
        })
    }
}

/// Signed, absolute content URLs for one response.
struct MediaLinks {
    let signer: URLSigner
    let baseURL: String

    func url(asset id: String, variant: VariantKind) -> String {
        baseURL + signer.sign(path: MediaRoutes.contentPath(id), variant: variant)
    }
}

/// Makes the links for a request: the configured public URL, else the host the request came to.
struct MediaLinkMaker: Sendable {
    let signer: URLSigner
    let publicURL: String?

    func make(_ request: Request) -> MediaLinks {
        let base = publicURL ?? "http://\(request.head.authority ?? "127.0.0.1")"
        return MediaLinks(signer: signer, baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base)
    }
}

struct DirectUploadJSON: Encodable, Sendable {
    let id: String
    let url: String
    let method = "PUT"
    let expiresAt: Date
    let maxBytes: Int

    init(_ upload: DirectUpload) {
        id = upload.id
        url = upload.url.absoluteString
        expiresAt = upload.expiresAt
        maxBytes = upload.maxBytes
    }
}
