import Foundation

/// The schema.org Product in a page's JSON-LD, read into listing fields. Finds it at the top
/// level, in an array, in `@graph` or nested (`mainEntity`…); takes the first offer with a price.
enum ProductJSONLD {
    private static let productTypes: Set<String> = ["product", "individualproduct", "productgroup", "productmodel", "someproducts"]

    /// The first Product among the page's JSON-LD blocks; blocks that are not valid JSON are skipped.
    static func product(in blocks: [String]) -> [String: JSONValue]? {
        for block in blocks {
            guard let value = JSONValue.parse(unwrapped(block)), let product = find(in: value, depth: 0) else { continue }
            return product
        }
        return nil
    }

    static func fill(_ fields: inout ListingFields, from product: [String: JSONValue]) {
        fields.fill("title", text(product["name"]))
        fields.fill("description", text(product["description"]))
        fields.fill("brand", name(product["brand"]))
        fields.fill("category", list(product["category"]).joined(separator: " > "))
        fields.fill("size", name(product["size"]))
        fields.fill("external_id", text(product["sku"]) ?? text(product["productID"]) ?? text(product["mpn"]))
        fields.fill("url", text(product["url"]))
        for image in list(product["image"]) { fields.imageURLs.append(image) }

        let offers = objects(product["offers"])
        let offer = offers.first { price(of: $0) != nil } ?? offers.first
        fields.fill("condition", condition(offer?["itemCondition"] ?? product["itemCondition"]))
        if let offer {
            let specification = objects(offer["priceSpecification"]).first
            fields.fill("price", price(of: offer))
            fields.fill("currency", text(offer["priceCurrency"]) ?? specification.flatMap { text($0["priceCurrency"]) })
            fields.fill("seller", name(offer["seller"]))
            fields.fill("url", text(offer["url"]))
        }
    }

    /// Some sites wrap the JSON in an HTML comment or CDATA section.
    private static func unwrapped(_ block: String) -> String {
        var text = block.trimmedWhitespace
        for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>"), ("//<![CDATA[", "//]]>")]
        where text.hasPrefix(open) && text.hasSuffix(close) {
            text = String(text.dropFirst(open.count).dropLast(close.count))
        }
        return text
    }

    private static func find(in value: JSONValue, depth: Int) -> [String: JSONValue]? {
        guard depth < 8 else { return nil }
        switch value {
        case .array(let items):
            return items.lazy.compactMap { find(in: $0, depth: depth + 1) }.first
        case .object(let object):
            if isProduct(object) { return object }
            if let graph = object["@graph"], let product = find(in: graph, depth: depth + 1) { return product }
            return object.keys.sorted().lazy.compactMap { key in object[key].flatMap { find(in: $0, depth: depth + 1) } }.first
        default:
            return nil
        }
    }

    /// "@type": "Product", ["Product", "Thing"] or "http://schema.org/Product".
    private static func isProduct(_ object: [String: JSONValue]) -> Bool {
        list(object["@type"]).contains { type in
            let name = type.split(separator: "/").last.map { $0.split(separator: ":").last ?? $0 } ?? ""
            return productTypes.contains(name.lowercased())
        }
    }

    private static func price(of offer: [String: JSONValue]) -> String? {
        let specification = objects(offer["priceSpecification"]).first
        return text(offer["price"]) ?? text(offer["lowPrice"]) ?? specification.flatMap { text($0["price"]) }
    }

    /// "https://schema.org/UsedCondition" → "used".
    private static func condition(_ value: JSONValue?) -> String? {
        guard let raw = text(value) else { return nil }
        let name = raw.split(separator: "/").last.map(String.init) ?? raw
        guard name.hasSuffix("Condition"), name.count > "Condition".count else { return raw }
        return name.dropLast("Condition".count).lowercased()
    }

    /// A string, or a number written as plain decimal text.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): Money.decimalText(number)
        default: nil
        }
    }

    /// A thing named by a string or by an object's `name` (brand, seller, size); the first of an array.
    private static func name(_ value: JSONValue?) -> String? {
        switch value {
        case .array(let items): items.lazy.compactMap { name($0) }.first
        case .object(let object): text(object["name"])
        default: text(value)
        }
    }

    /// Strings, and objects by `url`/`contentUrl`/`name`, from one value or an array (images, types).
    private static func list(_ value: JSONValue?) -> [String] {
        switch value {
        case .array(let items): items.flatMap { list($0) }
        case .object(let object): [text(object["url"]) ?? text(object["contentUrl"]) ?? text(object["name"])].compactMap { $0 }
        default: [text(value)].compactMap { $0 }
        }
    }

    private static func objects(_ value: JSONValue?) -> [[String: JSONValue]] {
        switch value {
        case .object(let object): [object]
        case .array(let items): items.compactMap { if case .object(let object) = $0 { object } else { nil } }
        default: []
        }
    }
}
