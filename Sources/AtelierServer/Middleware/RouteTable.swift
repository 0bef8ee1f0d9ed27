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

    /// The methods of the route the router would pick for this path. Like its trie, a literal
    /// segment wins over a parameter with no going back: `/media/uploads` is the upload route
    /// (POST), not `/media/{id}` (GET, DELETE), whose methods it does not answer.
    func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var candidates = routes.map { ($0.method, $0.path.split(separator: "/", omittingEmptySubsequences: true)) }
        for (index, part) in parts.enumerated() {
            candidates = candidates.filter { $0.1.count > index }
            let literal = candidates.filter { $0.1[index] == part }
            candidates = literal.isEmpty ? candidates.filter { $0.1[index].hasPrefix("{") } : literal
        }
        return Set(candidates.filter { $0.1.count == parts.count }.map(\.0))
    }
}
