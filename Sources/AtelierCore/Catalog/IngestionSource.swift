import Foundation

/// A feed, or a set of listing pages, registered to be imported again every `everyMinutes`
/// (by the `catalog.ingest` job; see `CatalogUpkeep`).
public struct IngestionSource: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case feed, crawl }

    public let id: String
    public let name: String
    public let kind: Kind
    /// The feed (one file or URL), or the listing pages of a crawl.
    public let locations: [String]
    /// The feed is complete: listings of its marketplaces that it lacks are marked removed.
    public let full: Bool
    public let everyMinutes: Int
    public let createdAt: Date

    public static let minutesRange = 1...43_200
    public static let maxPages = 1_000

    public init(id: String, name: String, kind: Kind, locations: [String], full: Bool, everyMinutes: Int, createdAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.locations = locations
        self.full = full
        self.everyMinutes = everyMinutes
        self.createdAt = createdAt
    }

    /// A checked new source. Local files are for the operator's CLI only (`allowFiles`): a source
    /// registered over the API must not read the server's disk.
    public static func make(name: String, kind: Kind, locations: [String], full: Bool, everyMinutes: Int,
                            allowFiles: Bool, now: Date = Date()) throws(AtelierError) -> IngestionSource {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw .validation("name must be 1–64 letters, digits, '-', '_' or '.'.", field: "name")
        }
        guard minutesRange.contains(everyMinutes) else {
            throw .validation("every_minutes must be between \(minutesRange.lowerBound) and \(minutesRange.upperBound).", field: "every_minutes")
        }
        switch kind {
        case .feed:
            guard locations.count == 1 else { throw .validation("A feed source has exactly one url.", field: "urls") }
        case .crawl:
            guard (1...maxPages).contains(locations.count) else { throw .validation("A crawl source has 1–\(maxPages) page urls.", field: "urls") }
            guard !full else { throw .validation("full applies to feeds only.", field: "full") }
        }
        for location in locations where !isWebURL(location) {
            guard allowFiles && kind == .feed && !location.isEmpty else {
                throw .validation("\(location.prefix(200)) is not an http(s) URL.", field: "urls")
            }
        }
        return IngestionSource(id: Identifier.make(now: now), name: name, kind: kind, locations: locations, full: full,
                               everyMinutes: everyMinutes, createdAt: now)
    }

    public static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false else { return false }
        return scheme == "http" || scheme == "https"
    }
}

public enum IngestionSourceError {
    public static let notFound = AtelierError.notFound("SOURCE_NOT_FOUND", "No ingestion source with this id.")
    public static let nameTaken = AtelierError(status: 409, code: "SOURCE_EXISTS", message: "An ingestion source with this name exists.")
}

public protocol IngestionSourceStore: Sendable {
    /// Throws `IngestionSourceError.nameTaken` when the name is in use.
    func add(_ source: IngestionSource) async throws
    /// Oldest first.
    func sources() async throws -> [IngestionSource]
    func source(id: String) async throws -> IngestionSource?
    /// Whether there was one to remove.
    func remove(id: String) async throws -> Bool
}
