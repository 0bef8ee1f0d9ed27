import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/v1/media`: upload, list, metadata, content and delete.
struct MediaRoutes {
    let media: MediaService
    let signer: URLSigner
    let authenticator: Authenticator
    let publicURL: String?

    static func contentPath(_ id: String) -> String { "/api/v1/media/\(id)/content" }

    func add(to api: RouterGroup<AtelierContext>) {
        // Content answers signed URLs without a token, so it checks credentials itself.
        api.get("media/{id}/content") { request, context in try await content(request, context) }

        let group = api.group("media").add(middleware: authenticator)
        group.post { request, context in
            let data = try await UploadBody.read(request, maxFileBytes: media.limits.maxUploadBytes)
            let (asset, duplicate) = try await media.upload(data, ownerID: try context.requireUser())
            return try Reply.json(MediaJSON(asset, duplicate: duplicate, links: links(request)), context, status: duplicate ? .ok : .created)
        }
        group.post("uploads") { _, context in
            let upload = try media.startDirectUpload(ownerID: try context.requireUser())
            return try Reply.json(DirectUploadJSON(upload), context, status: .created)
        }
        group.post("uploads/{id}/complete") { request, context in
            let (asset, duplicate) = try await media.completeDirectUpload(id: try context.parameters.require("id"), ownerID: try context.requireUser())
            return try Reply.json(MediaJSON(asset, duplicate: duplicate, links: links(request)), context, status: duplicate ? .ok : .created)
        }
        group.get { request, context in
            let page = try PageRequest(limit: try request.uri.queryParameters.int("limit"), cursor: try request.uri.queryParameters.one("cursor"))
            let result = try await media.list(ownerID: try context.requireUser(), page: page)
            let links = links(request)
            return try Reply.json(result.items.map { MediaJSON($0, links: links) }, context, nextCursor: .some(result.nextCursor))
        }
        group.get("{id}") { request, context in
            let asset = try await media.asset(id: try context.parameters.require("id"), ownerID: try context.requireUser())
            return try Reply.cacheable(MediaJSON(asset, links: links(request)), request, context, cacheControl: "private, max-age=60")
        }
        group.delete("{id}") { _, context in
            try await media.delete(id: try context.parameters.require("id"), ownerID: try context.requireUser())
            return Response(status: .noContent)
        }
    }

    private func content(_ request: Request, _ context: AtelierContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let query = request.uri.queryParameters
        let variantName = try query.one("variant") ?? VariantKind.original.rawValue
        guard let variant = VariantKind(rawValue: variantName) else {
            throw AtelierError.validation("variant must be original, display or thumb.", field: "variant")
        }
        let ownerID: String?
        var cacheControl = "private, max-age=31536000, immutable"
        if request.headers[.authorization] != nil {
            guard let userID = try await authenticator.userID(request) else { throw AtelierError.unauthorized }
            ownerID = userID
        } else if let signature = try query.one("signature") {
            let expires = try query.one("expires")
            switch signer.verify(path: Self.contentPath(id), variant: variantName, expires: expires, signature: signature) {
            case .valid:
                ownerID = nil
                // A CDN may keep signed content, but not past the signature's expiry.
                let seconds = max(0, (Int(expires ?? "") ?? 0) - Int(Date().timeIntervalSince1970))
                cacheControl = "public, max-age=\(seconds)"
            case .expired: throw AtelierError(status: 403, code: "SIGNATURE_EXPIRED", message: "This signed URL has expired; fetch the media again for a fresh one.")
            case .invalid: throw AtelierError(status: 403, code: "INVALID_SIGNATURE", message: "This signed URL is not valid.")
            }
        } else {
            throw AtelierError.unauthorized
        }
        let asset = try await media.asset(id: id, ownerID: ownerID)
        let (chosen, data) = try await media.content(of: asset, variant: variant)
        return try ByteRange.response(
            data, request: request,
            headers: [
                .contentType: chosen.format.contentType,
                .eTag: "\"\(asset.sha256.prefix(32))-\(variant.rawValue)\"",
                // The bytes behind an asset id and variant never change.
                .cacheControl: cacheControl,
                .init("X-Content-Type-Options")!: "nosniff",
            ])
    }

    private func links(_ request: Request) -> MediaLinks {
        MediaLinkMaker(signer: signer, publicURL: publicURL).make(request)
    }
}
