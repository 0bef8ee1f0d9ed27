import Foundation

/// Reads a listing from any marketplace's listing page. Each field comes from the first source
/// that has it: the schema.org Product in JSON-LD, then OpenGraph / product meta tags, then the
/// page itself:
/// - marketplace: `og:site_name` (lowercased), else the registrable host ("www.depop.com" → "depop.com");
/// - external id: `sku`, `productID`, `mpn` or `product:retailer_item_id`, else the last path
///   segment of the canonical URL (JSON-LD `url`, `og:url`, `<link rel=canonical>`, the page URL),
///   so "https://www.depop.com/products/anna-red-dress-123/" gives "anna-red-dress-123";
/// - url: the canonical URL; relative URLs are resolved against the page's.
public enum ListingPageParser {
    /// The listing on the page at `pageURL` (the URL after redirects), or a validation error that
    /// says which field is missing or wrong.
    public static func listing(in html: String, pageURL: URL) throws(AtelierError) -> ListingDraft {
        let page = HTMLMeta(html: html)
        var fields = ListingFields()
        if let product = ProductJSONLD.product(in: page.jsonLD) {
            ProductJSONLD.fill(&fields, from: product)
        }
        fillFromMeta(&fields, page)

        fields.fill("title", page.title)
        fields.fill("url", page.canonical)
        let canonical = absolute(fields["url"], against: pageURL).flatMap { ["http", "https"].contains($0.scheme?.lowercased()) ? $0 : nil }
        fields["url"] = (canonical ?? pageURL).absoluteString
        fields.imageURLs = fields.imageURLs.compactMap { absolute($0, against: pageURL)?.absoluteString }
        if let link = fields["url"].flatMap(URL.init(string:)) {
            fields.fill("external_id", lastPathSegment(of: link))
        }
        fields.fill("marketplace", page.first("og:site_name").map { $0.lowercased() })
        fields.fill("marketplace", pageURL.host.map(registrableDomain))
        return try ListingDraft(validating: fields)
    }

    private static func fillFromMeta(_ fields: inout ListingFields, _ page: HTMLMeta) {
        fields.fill("title", page.first("og:title") ?? page.first("twitter:title"))
        fields.fill("description", page.first("og:description") ?? page.first("description"))
        fields.fill("url", page.first("og:url"))
        fields.fill("price", page.first("product:price:amount") ?? page.first("og:price:amount") ?? page.first("price"))
        fields.fill("currency", page.first("product:price:currency") ?? page.first("og:price:currency") ?? page.first("pricecurrency"))
        fields.fill("brand", page.first("product:brand") ?? page.first("og:brand"))
        fields.fill("condition", page.first("product:condition") ?? page.first("og:condition"))
        fields.fill("category", page.first("product:category"))
        fields.fill("external_id", page.first("product:retailer_item_id"))
        // App Links name the marketplace app's own link to the listing.
        fields.fill("deep_link", page.first("al:ios:url") ?? page.first("al:android:url"))
        if fields.imageURLs.isEmpty {
            for key in ["og:image", "og:image:url", "og:image:secure_url", "twitter:image"] {
                fields.imageURLs += page.meta[key] ?? []
            }
        }
    }

    private static func absolute(_ text: String?, against base: URL) -> URL? {
        guard let text = text?.trimmedWhitespace, !text.isEmpty else { return nil }
        return URL(string: text, relativeTo: base)?.absoluteURL
    }

    /// The last non-empty path segment, percent-decoded; nil for a URL without a path.
    static func lastPathSegment(of url: URL) -> String? {
        let segment = url.path.split(separator: "/").last.map(String.init)
        return segment.map { $0.removingPercentEncoding ?? $0 }
    }

    /// Second-level labels under which names are registered ("co.uk", "com.au", "ne.jp").
    private static let secondLevelLabels: Set<String> = ["co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go"]

    /// "www.depop.com" → "depop.com", "www.vinted.co.uk" → "vinted.co.uk"; IP addresses and
    /// single labels as they are. A heuristic, not the Public Suffix List.
    public static func registrableDomain(_ host: String) -> String {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        let labels = host.split(separator: ".")
        guard labels.count > 2, !labels.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }), !host.contains(":") else { return host }
        let keep = labels[labels.count - 1].count == 2 && secondLevelLabels.contains(String(labels[labels.count - 2])) ? 3 : 2
        return labels.suffix(keep).joined(separator: ".")
    }
}
