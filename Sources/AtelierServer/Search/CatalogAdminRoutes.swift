import AtelierCore
import Foundation
import Hummingbird

/// The catalogue's administration (admins only): import runs, sources imported on a schedule,
/// and the jobs the platform gives itself (imports, re-embedding).
struct CatalogAdminRoutes {
    let catalog: CatalogServices
    let jobs: JobService
    let upkeep: CatalogUpkeep
    let authenticator: Authenticator

    struct SourceBody: Decodable {
        let name: String
        let kind: String
        let urls: [String]
        let full: Bool?
        let everyMinutes: Int
    }

    func add(to api: RouterGroup<AtelierContext>) {
        let admin = api.group("admin").add(middleware: authenticator).add(middleware: AdminOnly())
        admin.get("ingestion/runs") { request, context in
            let page = try PageRequest(limit: try request.uri.queryParameters.int("limit"), cursor: try request.uri.queryParameters.one("cursor"))
            let runs = page.page(from: try await catalog.runs.runs(afterID: page.afterID, limit: page.limit + 1), id: \.id)
            return try Reply.json(runs.items.map(IngestionRunJSON.init), context, nextCursor: .some(runs.nextCursor))
        }
        admin.get("ingestion/sources") { _, context in
            try Reply.json(try await catalog.sources.sources().map(IngestionSourceJSON.init), context, nextCursor: .some(nil))
        }
        admin.post("ingestion/sources") { request, context in
            let body = try await RequestBody.decode(SourceBody.self, from: request, context: context)
            guard let kind = IngestionSource.Kind(rawValue: body.kind) else {
                throw AtelierError.validation("kind must be feed or crawl.", field: "kind")
            }
            let source = try IngestionSource.make(name: body.name, kind: kind, locations: body.urls, full: body.full ?? false,
                                                  everyMinutes: body.everyMinutes, allowFiles: false)
            try await catalog.sources.add(source)
            return try Reply.json(IngestionSourceJSON(source), context, status: .created)
        }
        admin.delete("ingestion/sources/{id}") { _, context in
            guard try await catalog.sources.remove(id: try context.parameters.require("id")) else { throw IngestionSourceError.notFound }
            return Response(status: .noContent)
        }
        admin.post("ingestion/sources/{id}/run") { _, context in
            guard let source = try await catalog.sources.source(id: try context.parameters.require("id")) else { throw IngestionSourceError.notFound }
            return try Reply.json(JobJSON(try await upkeep.importNow(source)), context, status: .accepted)
        }
        admin.get("jobs") { request, context in
            let query = request.uri.queryParameters
            let page = try PageRequest(limit: try query.int("limit"), cursor: try query.one("cursor"))
            let result = try await jobs.systemJobs(state: try JobRoutes.state(query), processor: try query.one("processor"), page: page)
            return try Reply.json(result.items.map(JobJSON.init), context, nextCursor: .some(result.nextCursor))
        }
        admin.get("jobs/{id}") { request, context in
            let job = try await jobs.job(id: try context.parameters.require("id"), ownerID: PlatformAccount.id)
            return try Reply.cacheable(JobJSON(job), request, context, cacheControl: "private, no-cache")
        }
    }
}

struct IngestionSourceJSON: Encodable, Sendable {
    let id: String
    let name: String
    let kind: String
    let urls: [String]
    let full: Bool
    let everyMinutes: Int
    let createdAt: Date

    init(_ source: IngestionSource) {
        id = source.id
        name = source.name
        kind = source.kind.rawValue
        urls = source.locations
        full = source.full
        everyMinutes = source.everyMinutes
        createdAt = source.createdAt
    }
}
