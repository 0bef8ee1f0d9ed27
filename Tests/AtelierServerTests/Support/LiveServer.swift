import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a Hummingbird application for a test: `body` gets the port it listens on, then the
/// server shuts down gracefully, for at most 30 s.
///
/// Not HummingbirdTesting's live mode: its test client connects in the background and, when the
/// test ends before that connection is made, leaves it open; the server, already quiescing, never
/// closes it and its graceful shutdown waits forever (a test that never returned, 1 PostgreSQL
/// pass in 4 on a loaded machine).
enum LiveServer {
    static func run<App: ApplicationProtocol>(
        logger: Logger,
        _ makeApp: (_ listening: @escaping @Sendable (Int) -> Void) -> App,
        _ body: (_ port: Int) async throws -> Void
    ) async throws {
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = makeApp { port in
            listening.yield(port)
            listening.finish()
        }
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        let services = ServiceGroup(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { listening.finish() }  // a server that fails to start ends the wait for its port
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.waitForAll()  // the server's own error, if it has one
                throw TestFailure("the server stopped before it listened")
            }
            // On an error the group cancels the server as it throws.
            try await body(port)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
