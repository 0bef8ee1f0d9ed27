/// One documented operation, written compactly and expanded into OpenAPI JSON.
struct OpenAPIOperation {
    enum Body {
        case none
        case json(schema: String)
        case image
        /// A photo (as `.image`) or a JSON body of this schema.
        case imageOrJSON(schema: String)
    }

    let method: String
    let path: String
    let id: String
    let tag: String
    let summary: String
    var bearer = true
    var parameters: [[String: Any]] = []
    var body: Body = .none
    /// Status → schema name of `data` in the success envelope; nil for an empty body.
    var success: [Int: String?]
    /// Error statuses this operation can answer, each as the error envelope.
    var errors: [Int] = []
    var listing = false
    /// The schema of `meta` when it carries more than the request id (and cursor).
    var meta: String?

    func json() -> [String: Any] {
        var operation: [String: Any] = ["operationId": id, "tags": [tag], "summary": summary]
        operation["security"] = bearer ? [["bearer": [String]()]] : [[String: [String]]]()
        if !parameters.isEmpty { operation["parameters"] = parameters }
        switch body {
        case .none: break
        case .json(let schema):
            operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(schema)]]]
        case .image:
            operation["requestBody"] = ["required": true, "description": Self.imageDescription, "content": Self.imageContent]
        case .imageOrJSON(let schema):
            var content = Self.imageContent
            content["application/json"] = ["schema": ref(schema)]
            operation["requestBody"] = ["required": true, "description": Self.imageDescription + " Or JSON naming a stored photo.", "content": content]
        }
        var responses: [String: Any] = [:]
        for (status, schema) in success {
            if let schema {
                responses[String(status)] = ["description": "Success", "content": ["application/json": ["schema": envelope(schema)]]]
            } else {
                responses[String(status)] = ["description": "Success, no body"]
            }
        }
        let common = [400, 413, 429, 500] + (bearer ? [401] : [])
        for status in Set(errors + common) {
            responses[String(status)] = ["$ref": "#/components/responses/Error\(status)"]
        }
        operation["responses"] = responses
        return operation
    }

    private static let imageDescription = "The image as `multipart/form-data` (field `file`) or as the raw body. Its type is read from its bytes."
    nonisolated(unsafe) private static let imageContent: [String: Any] = [
        "multipart/form-data": ["schema": ["type": "object", "required": ["file"], "properties": ["file": ["type": "string", "contentMediaType": "application/octet-stream"]]]],
        "application/octet-stream": ["schema": ["type": "string", "contentMediaType": "application/octet-stream"]],
        "image/*": ["schema": ["type": "string", "contentMediaType": "application/octet-stream"]],
    ]

    private func envelope(_ schema: String) -> [String: Any] {
        let data: [String: Any] = listing ? ["type": "array", "items": ref(schema)] : ref(schema)
        let meta: [String: Any] = ref(self.meta ?? (listing ? "ListMeta" : "Meta"))
        return ["type": "object", "required": ["data", "meta"], "properties": ["data": data, "meta": meta]]
    }
}

func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
