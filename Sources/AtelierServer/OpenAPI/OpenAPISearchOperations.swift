/// Find this fit in the OpenAPI document: search, listings and import runs.
extension OpenAPIDocument {
    nonisolated(unsafe) static let filterParameters: [[String: Any]] = {
        let list: (String) -> [String: Any] = { name in
            ["name": name, "in": "query", "style": "form", "explode": true, "schema": ["type": "array", "items": ["type": "string"]],
             "description": "Any of these (case-insensitive); `\(name)[]` is read too."]
        }
        let price: (String) -> [String: Any] = { name in
            ["name": name, "in": "query", "schema": ["type": "string", "pattern": "^[0-9]+(\\\\.[0-9]+)?$"], "description": "In major units; needs `currency`."]
        }
        return [price("price_min"), price("price_max"), ["name": "currency", "in": "query", "schema": ["type": "string", "pattern": "^[A-Za-z]{3}$"]],
                list("size"), list("brand"), list("category"), list("marketplace"), list("condition"),
                ["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 100, "default": 20]]]
    }()

    nonisolated(unsafe) static let searchOperations: [OpenAPIOperation] = [
        .init(method: "post", path: "/api/v1/search/image", id: "searchByPhoto", tag: "Search",
              summary: "Listings that look like a photo (uploaded here, filters in the query string) or a stored photo (JSON `media_id`, `filters`, `limit`). Removed listings never appear; when K listings match the filters, K come back. 503 MODEL_UNAVAILABLE until `atelier models fetch` has run.",
              parameters: filterParameters, body: .imageOrJSON(schema: "PhotoSearch"), success: [200: "SearchHit"],
              errors: [404, 415, 422, 503], listing: true, meta: "SearchMeta"),
        .init(method: "get", path: "/api/v1/search", id: "searchByText", tag: "Search",
              summary: "Listings matching words: keyword search (title, brand, description) and text-embedding neighbours, fused by reciprocal rank.",
              parameters: [["name": "q", "in": "query", "required": true, "schema": ["type": "string", "minLength": 1, "maxLength": 500]]] + filterParameters,
              success: [200: "SearchHit"], errors: [422], listing: true, meta: "SearchMeta"),
        .init(method: "get", path: "/api/v1/listings/{id}", id: "getListing", tag: "Search", summary: "One listing (ETag).",
              parameters: [idParameter, ["name": "If-None-Match", "in": "header", "schema": ["type": "string"]]],
              success: [200: "Listing", 304: nil], errors: [404]),
        .init(method: "get", path: "/api/v1/listings/{id}/similar", id: "similarListings", tag: "Search",
              summary: "Listings whose photos look like this listing's (itself excluded).",
              parameters: [idParameter] + filterParameters, success: [200: "SearchHit"], errors: [404, 409, 422, 503], listing: true, meta: "SearchMeta"),
    ]
}

extension OpenAPISchemas {
    nonisolated(unsafe) static let search: [String: Any] = [
        "Listing": object([
            "id": string, "marketplace": string, "external_id": string, "title": string, "description": nullableString,
            "brand": nullableString, "category": nullableString, "size": nullableString, "condition": nullableString,
            "price": ["type": "string", "description": "Decimal in major units, e.g. \"24.00\"."], "currency": string,
            "url": nullableString, "deep_link": nullableString, "seller": nullableString,
            "image_url": ["type": ["string", "null"], "description": "The stored photo (signed), else the marketplace's image url."],
            "thumb_url": nullableString, "image_state": ["type": "string", "enum": ["pending", "ready", "failed"]], "image_error": nullableString,
            "removed": ["type": "boolean"], "first_seen": dateTime, "last_seen": dateTime,
        ]),
        "SearchHit": object(["listing": ref("Listing"), "score": ["type": "number", "minimum": 0, "maximum": 1]]),
        "SearchMeta": object(["request_id": string, "timing_ms": [
            "type": "object", "additionalProperties": ["type": "number"],
            "description": "Milliseconds per stage: decode, embed, search, keyword, fetch, total.",
        ]]),
        "PhotoSearch": object([
            "media_id": string, "limit": ["type": "integer", "minimum": 1, "maximum": 100],
            "filters": object([
                "price_min": ["type": ["string", "number"]], "price_max": ["type": ["string", "number"]], "currency": string,
                "size": ["type": "array", "items": string], "brand": ["type": "array", "items": string],
                "category": ["type": "array", "items": string], "marketplace": ["type": "array", "items": string],
                "condition": ["type": "array", "items": string],
            ], required: []),
        ], required: ["media_id"]),
    ]
}
