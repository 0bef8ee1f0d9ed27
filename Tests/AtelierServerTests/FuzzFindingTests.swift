import AtelierCore
import Foundation
import Testing
@testable import AtelierServer

/// What scripts/test-fuzz (Schemathesis against the OpenAPI document) found, kept fixed.
@Suite("Fuzzing findings")
struct FuzzFindingTests {
    @Test("a path that a literal route takes answers 405 with that route's methods only, not a parameter route's")
    func allowFollowsTheRouter() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            for method in ["GET", "DELETE", "OPTIONS"] {
                let response = try await api.request(.init(method)!, "/api/v1/media/uploads", token: account.accessToken)
                #expect(response.status == 405 && response.header("Allow") == "POST", "\(method): \(response.status) \(response.header("Allow") ?? "-")")
            }
            // The parameter route still takes every other segment.
            let missing = try await api.request(.get, "/api/v1/media/\(UUID().uuidString.lowercased())", token: account.accessToken)
            #expect(missing.status == 404 && missing.errorCode == "MEDIA_NOT_FOUND")
            let wrong = try await api.request(.put, "/api/v1/media/\(UUID().uuidString.lowercased())", token: account.accessToken)
            #expect(wrong.status == 405 && wrong.header("Allow") == "DELETE, GET")
        }
    }

    @Test("every list says next_cursor, null on its only page: the processors and the ingestion sources too")
    func listsCarryNextCursor() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            try await api.services.setRoles(email: account.email, admin: true, premium: nil)
            for path in ["/api/v1/processors", "/api/v1/admin/ingestion/sources"] {
                let response = try await api.request(.get, path, token: account.accessToken)
                let meta = try #require(response.json["meta"] as? [String: Any])
                #expect(response.status == 200 && meta["next_cursor"] is NSNull, "\(path): \(meta)")
            }
        }
    }

    @Test("nullable fields are present as null: a user without a display name, a listing without a brand")
    func nullsArePresent() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let me = try await api.request(.get, "/api/v1/users/me", token: account.accessToken)
            #expect(me.data.keys.contains("display_name") && me.data["display_name"] is NSNull)
            let session = try await api.request(.post, "/api/v1/auth/login", json: ["email": account.email, "password": "correct horse"])
            #expect((session.data["user"] as? [String: Any])?["display_name"] is NSNull)

            let (listing, _) = try await api.services.catalog.listings.upsert(
                ListingDraft(marketplace: "nulls", externalID: "1", title: "Plain shirt", priceMinor: 1000, currency: "EUR"), now: Date())
            let shown = try await api.request(.get, "/api/v1/listings/\(listing.id)", token: account.accessToken).data
            for field in ["description", "brand", "category", "size", "condition", "url", "deep_link", "seller", "thumb_url", "image_error"] {
                #expect(shown[field] is NSNull, "\(field): \(String(describing: shown[field]))")
            }
            #expect(shown["title"] as? String == "Plain shirt" && shown["price"] as? String == "10.00")
        }
    }

    @Test("an explicit null is refused where the document allows none (422), allowed for display_name and in free-form data")
    func explicitNulls() async throws {
        try await ExternalWorkerTests.run { api, secret in
            let account = try await api.register()
            let json = ["Content-Type": "application/json"]
            let claim = try await api.request(.post, "/api/v1/worker/claim", body: Data(#"{"wait_seconds": null}"#.utf8), token: secret, headers: json)
            #expect(claim.status == 422 && claim.errorCode == "VALIDATION_FAILED")
            let job = try await api.request(.post, "/api/v1/jobs", body: Data(#"{"processor": "dev.sleep", "priority": null}"#.utf8),
                                            token: account.accessToken, headers: json.merging(["Idempotency-Key": "nulls-1"]) { $1 })
            #expect(job.status == 422 && job.errorCode == "VALIDATION_FAILED")
            #expect((job.json["error"] as? [String: Any]).flatMap { $0["details"] as? [String: Any] }?["field"] as? String == "priority")
            let login = try await api.request(.post, "/api/v1/auth/login", body: Data(#"{"email": null, "password": "x"}"#.utf8), headers: json)
            #expect(login.status == 422)

            let cleared = try await api.request(.patch, "/api/v1/users/me", body: Data(#"{"display_name": null}"#.utf8), token: account.accessToken, headers: json)
            #expect(cleared.status == 200)
            // A worker's result data is its own JSON, nulls included.
            let mediaID = try #require(try await api.upload(try TestImages.make(.jpeg), token: account.accessToken).data["id"] as? String)
            let created = try await api.createJob(["processor": "gpu.segment", "media_ids": [mediaID]], token: account.accessToken)
            let jobID = try #require(created.data["id"] as? String)
            let claimed = try await api.request(.post, "/api/v1/worker/claim", json: ["wait_seconds": 5], token: secret)
            let lease = try #require(claimed.data["lease_id"] as? String)
            let done = try await api.request(.post, "/api/v1/worker/jobs/\(jobID)/complete",
                                             body: Data(#"{"lease_id": "\#(lease)", "data": {"note": null}}"#.utf8), token: secret, headers: json)
            #expect(done.status == 200, "\(String(decoding: done.body, as: UTF8.self))")
        }
    }
}

extension FuzzFindingTests {
    @Test("well-formed JSON with a value that cannot be read is a 422 naming the field, not INVALID_JSON")
    func unreadableValues() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let json = ["Content-Type": "application/json"]
            let search = try await api.request(.post, "/api/v1/search/image", body: Data(#"{"media_id": "x", "filters": {"price_max": ""}}"#.utf8),
                                               token: account.accessToken, headers: json)
            #expect(search.status == 422 && search.errorCode == "VALIDATION_FAILED")
            #expect((search.json["error"] as? [String: Any]).flatMap { $0["details"] as? [String: Any] }?["field"] as? String == "filters.price_max")
            // Broken JSON is still INVALID_JSON.
            let broken = try await api.request(.post, "/api/v1/auth/login", body: Data(#"{"email": "#.utf8), headers: json)
            #expect(broken.status == 400 && broken.errorCode == "INVALID_JSON")
        }
    }
}

extension FuzzFindingTests {
    @Test("every single-valued query parameter the document lists, given twice, is a 422 naming it (a second limit was ignored)")
    func scalarsGivenTwice() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            try await api.services.setRoles(email: account.email, admin: true, premium: nil)
            let document = try await api.request(.get, "/api/v1/openapi.json").json
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var checked: [String] = []
            // Lists and searches: their paths have no id, so nothing answers 404 before the query is read.
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) where !path.contains("{") {
                guard let parameters = (operations["get"] as? [String: Any])?["parameters"] as? [[String: Any]] else { continue }
                let query = parameters.filter { $0["in"] as? String == "query" }
                let required = query.filter { $0["required"] as? Bool == true }.map { "\($0["name"]!)=\(Self.example($0))" }
                for parameter in query {
                    guard let name = parameter["name"] as? String, (parameter["schema"] as? [String: Any])?["type"] as? String != "array" else { continue }
                    let twice = "\(name)=\(Self.example(parameter))&\(name)=\(Self.example(parameter))"
                    let url = "\(path)?" + (required.filter { !$0.hasPrefix("\(name)=") } + [twice]).joined(separator: "&")
                    let response = try await api.request(.get, url, token: account.accessToken)
                    let field = (response.json["error"] as? [String: Any]).flatMap { $0["details"] as? [String: Any] }?["field"] as? String
                    #expect(response.status == 422 && field == name, "\(url): \(response.status) \(field ?? "-")")
                    checked.append("\(path) \(name)")
                }
            }
            // The document still has the parameters this is about.
            for expected in ["/api/v1/search limit", "/api/v1/search q", "/api/v1/search price_min", "/api/v1/jobs cursor", "/api/v1/media limit"] {
                #expect(checked.contains(expected), "\(expected) was not checked")
            }
        }
    }

    /// A value the parameter's schema takes.
    static func example(_ parameter: [String: Any]) -> String {
        let schema = parameter["schema"] as? [String: Any] ?? [:]
        if let values = schema["enum"] as? [String], let first = values.first { return first }
        switch parameter["name"] as? String {
        case "currency": return "EUR"
        case "price_min", "price_max": return "5"
        default: return schema["type"] as? String == "integer" ? "\(schema["minimum"] as? Int ?? 1)" : "jacket"
        }
    }
}
