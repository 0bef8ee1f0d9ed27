import Foundation

extension ListingDraft {
    /// Longest accepted value of each text field, in characters.
    public static let maximumLengths: [String: Int] = [
        "marketplace": 64, "external_id": 200, "title": 300, "description": 5_000, "brand": 100,
        "category": 200, "size": 50, "condition": 50, "seller": 100,
        "url": 2_048, "deep_link": 2_048, "image_url": 2_048,
    ]
    public static let maximumImages = 20

    /// Checks and normalises a listing's fields; the error names the first bad field.
    init(validating fields: ListingFields) throws(AtelierError) {
        let currency = try Self.required("currency", fields).uppercased()
        guard let price = fields["price"]?.trimmedWhitespace, !price.isEmpty else {
            throw .validation("price is required.", field: "price")
        }
        self.init(
            marketplace: try Self.required("marketplace", fields).lowercased(),
            externalID: try Self.required("external_id", fields),
            title: try Self.required("title", fields),
            description: try Self.optional("description", fields),
            brand: try Self.optional("brand", fields),
            category: try Self.optional("category", fields),
            size: try Self.optional("size", fields),
            condition: try Self.optional("condition", fields),
            priceMinor: try Money.minorUnits(price, currency: currency),
            currency: currency,
            url: try Self.optional("url", fields).map { text throws(AtelierError) in try Self.webURL(text, field: "url") },
            deepLink: try Self.optional("deep_link", fields).map { text throws(AtelierError) in try Self.deepLink(text) },
            imageURLs: try Self.images(fields.imageURLs),
            seller: try Self.optional("seller", fields)
        )
    }

    private static func required(_ key: String, _ fields: ListingFields) throws(AtelierError) -> String {
        guard let value = try optional(key, fields) else { throw .validation("\(key) is required.", field: key) }
        return value
    }

    /// The trimmed value, nil when absent or blank; too long is an error rather than cut, so a
    /// feed mistake (a whole HTML page in `title`) is seen.
    private static func optional(_ key: String, _ fields: ListingFields) throws(AtelierError) -> String? {
        guard let value = fields[key]?.trimmedWhitespace, !value.isEmpty else { return nil }
        let limit = maximumLengths[key] ?? 1_000
        guard value.count <= limit else { throw .validation("\(key) is longer than \(limit) characters.", field: key) }
        return value
    }

    static func webURL(_ text: String, field: String, allowFiles: Bool = false) throws(AtelierError) -> URL {
        let limit = maximumLengths[field] ?? 2_048
        guard text.count <= limit else { throw .validation("\(field) is longer than \(limit) characters.", field: field) }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw .validation("\(field) is not a valid URL.", field: field)
        }
        if allowFiles && scheme == "file" && !url.path.isEmpty { return url }
        guard scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw .validation("\(field) must be an http(s) URL\(allowFiles ? " or a file:// URL" : "").", field: field)
        }
        return url
    }

    /// Any app scheme (`depop://…`) or a universal https link; never script or local-file schemes.
    private static func deepLink(_ text: String) throws(AtelierError) -> URL {
        guard text.count <= maximumLengths["deep_link", default: 2_048] else {
            throw .validation("deep_link is longer than 2048 characters.", field: "deep_link")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              !["javascript", "data", "vbscript", "file"].contains(scheme) else {
            throw .validation("deep_link is not a valid app link.", field: "deep_link")
        }
        return url
    }

    private static func images(_ texts: [String]) throws(AtelierError) -> [URL] {
        var urls: [URL] = []
        for text in texts {
            let trimmed = text.trimmedWhitespace
            guard !trimmed.isEmpty else { continue }
            let url = try webURL(trimmed, field: "image_url", allowFiles: true)
            if !urls.contains(url) { urls.append(url) }
        }
        guard urls.count <= maximumImages else {
            throw .validation("A listing has at most \(maximumImages) images.", field: "image_urls")
        }
        return urls
    }
}
