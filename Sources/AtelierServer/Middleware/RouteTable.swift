import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// The routes the router knows, kept to answer 405 (a known path, another method) instead of 404,
/// and for the test that checks the OpenAPI document against the router. Filled once, after every
/// route is added and before the server takes a request.
final class RouteTable: Sendable {
    struct Route: Sendable, Hashable {
        let method: HTTPRequest.Method
        /// `/api/v1/media/{id}` style, as in the OpenAPI document.
        let path: String
    }

    private let storage = NIOLockedValueBox<[Route]>([])

    var routes: [Route] { storage.withLockedValue { $0 } }

    func record(_ descriptions: [Router<AtelierContext>.RouteDescription]) {
        storage.withLockedValue { $0 = descriptions.map { Route(method: $0.method, path: $0.path.description) } }
    }

    func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return Set(routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == parts.count && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method))
    }
}
