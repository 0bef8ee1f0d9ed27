import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import AtelierServer

@Suite("Server basics")
struct ServerBasicsTests {
    @Test("health, readiness and Prometheus metrics")
    func probes() async throws {
        try await TestServer.run { api in
            let health = try await api.request(.get, "/health")
            #expect(health.status == 200)
            #expect(health.data["status"] as? String == "ok")
            // Ready once the search index has caught up with the (empty) catalogue.
            var ready = try await api.request(.get, "/ready")
            for _ in 0..<50 where ready.status != 200 {
                #expect(ready.errorCode == "NOT_READY")
                try await Task.sleep(for: .milliseconds(100))
                ready = try await api.request(.get, "/ready")
            }
            #expect(ready.status == 200)
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.status == 200)
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains("http_server_request_duration"))
            #expect(text.contains("/health"))
            #expect(text.contains("# HELP atelier_search_index_building_graph 1 while") && text.contains("\natelier_search_index_building_graph 0"))
        }
    }

    @Test("readiness fails when the database is gone")
    func notReady() async throws {
        try await TestServer.run { api in
            try await api.services.database.close()
            let ready = try await api.request(.get, "/ready")
            #expect(ready.status == 503)
            #expect(ready.errorCode == "NOT_READY")
        }
    }

    @Test("unknown routes are 404, wrong methods 405, big JSON bodies 413, all in the envelope")
    func errorEnvelope() async throws {
        try await TestServer.run { api in
            let missing = try await api.request(.get, "/api/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.errorCode == "NOT_FOUND")
            #expect(missing.requestID?.isEmpty == false)

            let wrongMethod = try await api.request(.put, "/api/v1/auth/login")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.errorCode == "METHOD_NOT_ALLOWED")
            #expect(wrongMethod.header("Allow") == "POST")

            let huge = try await api.request(.post, "/api/v1/auth/login", body: Data(repeating: 0x20, count: 2_000_000), headers: ["Content-Type": "application/json"])
            #expect(huge.status == 413)
            #expect(huge.errorCode == "PAYLOAD_TOO_LARGE")
        }
    }

    @Test("an unexpected failure is a 500 with the request id and nothing of the error")
    func internalErrors() async throws {
        struct Secret: Error { let detail = "password=hunter2 at /var/lib/db" }
        var config = AtelierConfig()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-500-\(UUID().uuidString)").path
        config.bcryptCost = 4
        defer { try? FileManager.default.removeItem(atPath: config.dataDir) }
        let services = try await AtelierServices.open(config)
        let (router, _) = buildRouter(services, logger: Logger(label: "test"))
        router.get("boom") { _, _ -> String in throw Secret() }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/boom", method: .get, headers: [.init("X-Request-ID")!: "trace-500"]) { response in
                #expect(response.status == .internalServerError)
                let body = String(buffer: response.body)
                #expect(body.contains(#""code":"INTERNAL_ERROR""#))
                #expect(body.contains("trace-500"))
                #expect(!body.contains("hunter2"))
                #expect(!body.contains("Secret"))
            }
        }
        try await services.database.close()
    }

    @Test("X-Request-ID is echoed when given and generated when not")
    func requestIDs() async throws {
        try await TestServer.run { api in
            let given = try await api.request(.get, "/health", headers: ["X-Request-ID": "phone-42"])
            #expect(given.header("X-Request-ID") == "phone-42")
            #expect(given.requestID == "phone-42")
            let generated = try await api.request(.get, "/health")
            #expect(generated.header("X-Request-ID")?.count == 36)
            let hostile = try await api.request(.get, "/health", headers: ["X-Request-ID": "bad id <script>"])
            #expect(hostile.header("X-Request-ID") != "bad id <script>")
        }
    }

    @Test("the OpenAPI document describes exactly the routes the router has")
    func openAPIMatchesRouter() async throws {
        try await TestServer.run { api in
            let response = try await api.request(.get, "/api/v1/openapi.json")
            #expect(response.status == 200)
            #expect(response.json["openapi"] as? String == "3.1.0")
            let paths = try #require(response.json["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let (_, routes) = buildRouter(api.services, logger: .init(label: "test"))
            #expect(Set(routes) == documented)
            // Every schema a document references exists.
            let text = String(decoding: response.body, as: UTF8.self)
            let components = try #require(response.json["components"] as? [String: [String: Any]])
            for match in text.matches(of: /#\/components\/(schemas|responses)\/(\w+)/) {
                #expect(components[String(match.1)]?[String(match.2)] != nil, "missing \(match.0)")
            }
        }
    }
}
