import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import AtelierKit

/// Checks the SDK against the server's own OpenAPI document.
@Suite struct OpenAPITests {
    /// Every (method, path template) AtelierKit calls.
    static let used: [(String, String)] = [
        ("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/login"), ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"), ("get", "/api/v1/users/me"),
        ("post", "/api/v1/media"), ("get", "/api/v1/media"), ("get", "/api/v1/media/{id}"), ("delete", "/api/v1/media/{id}"),
        ("get", "/api/v1/processors"), ("post", "/api/v1/jobs"), ("get", "/api/v1/jobs"), ("get", "/api/v1/jobs/{id}"),
        ("post", "/api/v1/jobs/{id}/cancel"), ("get", "/api/v1/jobs/{id}/events"), ("get", "/api/v1/events"),
        ("get", "/api/v1/credits"), ("get", "/api/v1/search"), ("post", "/api/v1/search/image"),
    ]

    /// Keys the models decode without a default, per schema.
    static let requiredKeys: [String: [String]] = [
        "Job": ["id", "processor", "state", "progress", "credits_charged", "created_at"],
        "Media": ["id", "width", "height", "format", "bytes", "sha256", "duplicate", "created_at", "variants"],
        "Processor": ["name", "title", "cost", "queue", "premium", "available", "featured", "inputs"],
        "Session": ["user", "access_token", "refresh_token", "expires_in"],
        "User": ["id", "email"],
        "Credits": ["balance", "ledger"],
        "Listing": ["id", "marketplace", "external_id", "title", "price", "currency"],
        "SearchHit": ["listing", "score"],
        "JobEvent": ["job_id", "state", "progress"],
    ]

    @Test func endpointsAndSchemasAgree() async throws {
        try await withServer { server in
            let url = server.baseURL.appendingPathComponent("api/v1/openapi.json")
            let (data, _) = try await URLSession.shared.data(from: url)
            let document = try JSONDecoder().decode(JSONValue.self, from: data)
            for (method, path) in Self.used {
                #expect(document["paths"]?[path]?[method] != nil, "\(method) \(path) is not in the OpenAPI document")
            }
            for (schema, keys) in Self.requiredKeys {
                guard case .array(let required)? = document["components"]?["schemas"]?[schema]?["required"] else {
                    Issue.record("schema \(schema) has no required list")
                    continue
                }
                let names = Set(required.compactMap { if case .string(let name) = $0 { name } else { nil } })
                for key in keys { #expect(names.contains(key), "\(schema).\(key) is not required by the server") }
            }
        }
    }
}
