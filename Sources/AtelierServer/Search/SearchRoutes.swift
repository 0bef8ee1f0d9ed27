import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// Find this fit over HTTP: search by photo or text, and a listing and its look-alikes.
/// Searching needs an account, like everything else in the API.
struct SearchRoutes {
    let catalog: CatalogServices
    let media: MediaService
    let links: MediaLinkMaker
    let authenticator: Authenticator

    struct PhotoSearchBody: Decodable {
        let mediaId: String?
        let filters: SearchQuery.FilterBody?
        let limit: Int?
    }

    func add(to api: RouterGroup<AtelierContext>) {
        let group = api.group().add(middleware: authenticator)
        group.post("search/image") { request, context in try await searchByPhoto(request, context) }
        group.get("search") { request, context in
            let started = ContinuousClock.now
            let query = try SearchQuery(request.uri.queryParameters)
            let results = try await catalog.search.matching(text: try request.uri.queryParameters.one("q") ?? "", filters: query.filters, limit: query.limit)
            return try reply(results, request, context, started)
        }
        group.get("listings/{id}") { request, context in
            guard let listing = try await catalog.listings.listing(id: try context.parameters.require("id")) else {
                throw AtelierError.notFound("LISTING_NOT_FOUND", "No such listing.")
            }
            return try Reply.cacheable(ListingJSON(listing, links: links.make(request)), request, context, cacheControl: "private, max-age=60")
        }
        group.get("listings/{id}/similar") { request, context in
            let started = ContinuousClock.now
            let query = try SearchQuery(request.uri.queryParameters)
            let results = try await catalog.search.similar(toListing: try context.parameters.require("id"), filters: query.filters, limit: query.limit)
            return try reply(results, request, context, started)
        }
    }

    /// A photo as multipart `file` or raw image body (filters in the query string), or JSON
    /// `{"media_id", "filters", "limit"}` for a photo already uploaded.
    private func searchByPhoto(_ request: Request, _ context: AtelierContext) async throws -> Response {
        let started = ContinuousClock.now
        let photo: Data
        let query: SearchQuery
        if request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true {
            let body = try await RequestBody.decode(PhotoSearchBody.self, from: request, context: context)
            guard let mediaID = body.mediaId else { throw AtelierError.validation("media_id or a photo is required.", field: "media_id") }
            let asset = try await media.asset(id: mediaID, ownerID: try context.requireUser())
            photo = try await media.original(of: asset)
            query = try SearchQuery(filters: body.filters, limit: body.limit)
        } else {
            query = try SearchQuery(request.uri.queryParameters)
            photo = try await UploadBody.read(request, maxFileBytes: media.limits.maxUploadBytes)
        }
        let results = try await catalog.search.similar(toPhoto: photo, filters: query.filters, limit: query.limit)
        return try reply(results, request, context, started)
    }

    private func reply(_ results: SearchResults, _ request: Request, _ context: AtelierContext, _ started: ContinuousClock.Instant) throws -> Response {
        let envelope = SearchEnvelope(results, links: links.make(request), requestID: context.requestID, total: ContinuousClock.now - started)
        return Reply.json(try JSONCoding.encoder.encode(envelope), status: .ok)
    }
}
