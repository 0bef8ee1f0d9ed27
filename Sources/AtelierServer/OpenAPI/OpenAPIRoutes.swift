import Foundation
import HTTPTypes
import Hummingbird

/// Serves the OpenAPI 3.1 document that describes every route (kept true by a test).
struct OpenAPIRoutes {
    static let document: Data = OpenAPIDocument.json()

    func add(to api: RouterGroup<AtelierContext>) {
        api.get("openapi.json") { _, _ in
            Reply.json(Self.document, status: .ok, headers: [.cacheControl: "public, max-age=300"])
        }
    }
}
