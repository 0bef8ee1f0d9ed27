import Foundation
import Testing
@testable import AtelierServer

/// The web console's files as the server hands them out (the browser test in Tests/Browser drives
/// the page itself): found beside the test binary like beside `atelier`, typed, cacheable,
/// locked down by CSP, and never a way out of their folder.
@Suite("Web console")
struct ConsoleTests {
    @Test("/ is the console page with a strict CSP, an ETag and a 304 on revalidation")
    func page() async throws {
        try await TestServer.run { api in
            let page = try await api.request(.get, "/")
            #expect(page.status == 200)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains(#"<script type="module" src="/console/console.js"></script>"#))
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            #expect(page.header("X-Content-Type-Options") == "nosniff")
            #expect(page.header("Cache-Control") == "no-cache")
            let etag = try #require(page.header("ETag"))
            let again = try await api.request(.get, "/", headers: ["If-None-Match": etag])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.header("ETag") == etag)
            let other = try await api.request(.get, "/", headers: ["If-None-Match": "\"stale\""])
            #expect(other.status == 200)
        }
    }

    @Test("every script, style and module the page names is served with its type")
    func everyFileTheConsoleLoads() async throws {
        try await TestServer.run { api in
            let html = String(decoding: try await api.request(.get, "/").body, as: UTF8.self)
            var names = Set(html.matches(of: /(?:src|href)="\/console\/([\w.-]+)"/).map { String($0.1) })
            #expect(names.isSuperset(of: ["console.js", "console.css"]))
            // Modules import their neighbours by relative path.
            var seen: Set<String> = []
            while let name = names.subtracting(seen).first {
                seen.insert(name)
                let file = try await api.request(.get, "/console/\(name)")
                #expect(file.status == 200, "\(name)")
                let type = file.header("Content-Type") ?? ""
                switch (name as NSString).pathExtension {
                case "js":
                    #expect(type == "text/javascript; charset=utf-8")
                    let text = String(decoding: file.body, as: UTF8.self)
                    names.formUnion(text.matches(of: /from "\.\/([\w.-]+)"/).map { String($0.1) })
                    #expect(!text.contains("innerHTML"), "\(name) builds DOM from text, never HTML")
                case "css": #expect(type == "text/css; charset=utf-8")
                case "svg": #expect(type == "image/svg+xml")
                default: Issue.record("unexpected console file \(name)")
                }
            }
            #expect(seen.isSuperset(of: ["api.js", "progress.js", "views.js"]))
        }
    }

    @Test("unknown console files, hidden files and paths out of the folder are 404 in the error envelope")
    func unknownFiles() async throws {
        try await TestServer.run { api in
            for path in ["/console/nope.js", "/console/..%2F..%2FPackage.swift", "/console/%2E%2E", "/console/.hidden.js",
                         "/console/index.html%00.js", "/console/ConsoleRoutes.swift", "/console/a/b.js", "/console/"] {
                let response = try await api.request(.get, path)
                #expect(response.status == 404, "\(path)")
                #expect(response.errorCode == "NOT_FOUND", "\(path)")
            }
            #expect(ConsoleAssets.locate(configured: nil).file(named: "../index.html") == nil)
            #expect(ConsoleAssets.locate(configured: nil).file(named: "index.html") != nil)
        }
    }

    @Test("ATELIER_CONSOLE_DIR replaces the bundled files; a folder without them makes / a 503 and leaves the API up")
    func consoleFolder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "<!doctype html><title>mine</title>".write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try await TestServer.run({ $0.consoleDir = folder.path }) { api in
            let page = try await api.request(.get, "/")
            #expect(String(decoding: page.body, as: UTF8.self) == "<!doctype html><title>mine</title>")
            #expect(try await api.request(.get, "/console/console.js").status == 404)
        }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try await TestServer.run({ $0.consoleDir = empty.path }) { api in
            for path in ["/", "/console/console.js"] {
                let response = try await api.request(.get, path)
                #expect(response.status == 503)
                #expect(response.errorCode == "CONSOLE_UNAVAILABLE")
                #expect(response.requestID != nil)
            }
            #expect(try await api.request(.get, "/health").status == 200)
            #expect(try await api.request(.get, "/api/v1/processors").status == 200)
        }
    }
}
