import Foundation

/// The processor catalogue.
public struct ProcessorsAPI: Sendable {
    let core: HTTPCore

    /// Every processor the caller may run (ETag-cached: an unchanged catalogue costs a 304).
    public func list() async throws -> [Processor] {
        var request = APIRequest("GET", "/processors", authenticated: false)
        request.cacheable = true
        return try await core.data(request)
    }
}

/// The credit balance and its ledger.
public struct CreditsAPI: Sendable {
    let core: HTTPCore

    /// The balance and a page of ledger entries, newest first.
    public func get(limit: Int? = nil, cursor: String? = nil) async throws -> Credits {
        try await core.data(APIRequest("GET", "/credits", query: pageQuery(limit: limit, cursor: cursor)))
    }

    /// Just the balance.
    public func balance() async throws -> Int { try await get(limit: 1).balance }
}

/// Marketplace search; results are listings with deep links, best first.
public struct SearchAPI: Sendable {
    let core: HTTPCore

    /// Listings that look like the photo.
    public func byPhoto(_ data: Data, filters: SearchFilters = SearchFilters()) async throws -> [SearchHit] {
        var request = APIRequest("POST", "/search/image", query: filters.queryItems)
        request.body = data
        request.contentType = "application/octet-stream"
        return try await core.data(request)
    }

    /// Listings that look like an uploaded media.
    public func byMedia(_ mediaID: String, filters: SearchFilters = SearchFilters()) async throws -> [SearchHit] {
        var body: [String: JSONValue] = ["media_id": .string(mediaID), "filters": filters.json]
        if let limit = filters.limit { body["limit"] = .number(Double(limit)) }
        var request = APIRequest("POST", "/search/image")
        try request.json(body)
        return try await core.data(request)
    }

    /// Listings matching words (keyword and meaning).
    public func byText(_ text: String, filters: SearchFilters = SearchFilters()) async throws -> [SearchHit] {
        try await core.data(APIRequest("GET", "/search", query: [URLQueryItem(name: "q", value: text)] + filters.queryItems))
    }
}
