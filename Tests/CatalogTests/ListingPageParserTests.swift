@testable import AtelierCore
import Foundation
import Testing

@Suite("Listing pages")
struct ListingPageParserTests {
    static let pageURL = "https://www.depop.com/products/anna-red-coat-123/?ref=search"

    func listing(_ html: String) throws -> ListingDraft {
        try ListingPageParser.listing(in: html, pageURL: try #require(URL(string: Self.pageURL)))
    }

    @Test("schema.org Product in JSON-LD: offers object, brand object, image array, sku")
    func jsonLDProduct() throws {
        let html = """
        <html><head><title>ignored</title>
        <script type="application/ld+json">
        {"@context":"https://schema.org","@type":"Product","name":"Red wool coat","description":"Warm &amp; long",
         "sku":"SKU-9","brand":{"@type":"Brand","name":"COS"},"category":["Women","Coats"],"size":"M",
         "image":["https://img.example/1.jpg",{"@type":"ImageObject","url":"/img/2.jpg"}],
         "offers":{"@type":"Offer","price":24.5,"priceCurrency":"EUR","itemCondition":"https://schema.org/UsedCondition",
                   "seller":{"@type":"Person","name":"anna"},"url":"https://www.depop.com/products/anna-red-coat-123/"}}
        </script></head><body></body></html>
        """
        let listing = try listing(html)
        #expect(listing.title == "Red wool coat")
        #expect(listing.description == "Warm &amp; long", "JSON text is not HTML: entities stay")
        #expect(listing.externalID == "SKU-9")
        #expect(listing.brand == "COS")
        #expect(listing.category == "Women > Coats")
        #expect(listing.size == "M")
        #expect(listing.condition == "used")
        #expect(listing.seller == "anna")
        #expect(listing.priceMinor == 2450)
        #expect(listing.currency == "EUR")
        #expect(listing.imageURLs.map(\.absoluteString) == ["https://img.example/1.jpg", "https://www.depop.com/img/2.jpg"])
        #expect(listing.url?.absoluteString == "https://www.depop.com/products/anna-red-coat-123/")
        #expect(listing.marketplace == "depop.com")
    }

    @Test("@graph with several nodes, an offers array, string prices and productID")
    func graph() throws {
        let html = """
        <script type='application/ld+json'>{"@context":"https://schema.org","@graph":[
          {"@type":"WebPage","name":"Not a product"},
          {"@type":"BreadcrumbList","itemListElement":[]},
          {"@type":["Product","Thing"],"name":"Kimono","productID":"k-77","brand":"Uniqlo","image":{"@type":"ImageObject","contentUrl":"https://img.example/k.jpg"},
           "offers":[{"@type":"Offer","availability":"InStock"},{"@type":"Offer","price":"2400","priceCurrency":"JPY","seller":"mika"}]}
        ]}</script>
        """
        let listing = try listing(html)
        #expect(listing.title == "Kimono")
        #expect(listing.externalID == "k-77")
        #expect(listing.brand == "Uniqlo")
        #expect(listing.priceMinor == 2400)
        #expect(listing.currency == "JPY")
        #expect(listing.seller == "mika")
        #expect(listing.imageURLs.map(\.absoluteString) == ["https://img.example/k.jpg"])
    }

    @Test("OpenGraph and product meta tags when there is no JSON-LD: any attribute order, any quoting, entities decoded")
    func openGraph() throws {
        let html = """
        <!doctype html><html><head>
        <meta content="Tom &amp; Jerry&#39;s &quot;tee&quot; &#x27;90s &#8364;" property="og:title">
        <META PROPERTY='og:description' CONTENT='Soft cotton, size L'>
        <meta property=og:image content=https://img.example/tee.jpg>
        <meta property="og:image" content="https://img.example/tee-back.jpg" />
        <meta name="product:price:amount" content="12.00"><meta property="product:price:currency" content="gbp">
        <meta property="og:url" content="https://www.vinted.co.uk/items/998877-tee?referrer=x">
        <meta property="og:site_name" content="Vinted">
        <meta property="al:ios:url" content="vinted://items/998877">
        <!-- <meta property="og:title" content="commented out"> -->
        <script>var s = '<meta property="product:brand" content="from script">';</script>
        </head></html>
        """
        let listing = try listing(html)
        #expect(listing.title == #"Tom & Jerry's "tee" '90s €"#)
        #expect(listing.description == "Soft cotton, size L")
        #expect(listing.imageURLs.map(\.absoluteString) == ["https://img.example/tee.jpg", "https://img.example/tee-back.jpg"])
        #expect(listing.priceMinor == 1200)
        #expect(listing.currency == "GBP")
        #expect(listing.url?.absoluteString == "https://www.vinted.co.uk/items/998877-tee?referrer=x")
        #expect(listing.externalID == "998877-tee", "last path segment of the canonical URL")
        #expect(listing.marketplace == "vinted", "og:site_name says which marketplace")
        #expect(listing.deepLink?.absoluteString == "vinted://items/998877")
        #expect(listing.brand == nil)
    }

    @Test("JSON-LD fields win; meta tags fill what it lacks; the page URL is the last resort")
    func merging() throws {
        let html = """
        <head><title>Fallback title</title>
        <meta property="og:title" content="OG title"><meta property="og:image" content="/og.jpg">
        <meta property="product:price:amount" content="99"><meta property="product:price:currency" content="USD">
        <script type="application/ld+json">{"@type":"Product","name":"LD title","offers":{"price":"10.00","priceCurrency":"EUR"}}</script>
        """
        let listing = try listing(html)
        #expect(listing.title == "LD title")
        #expect(listing.priceMinor == 1000)
        #expect(listing.currency == "EUR")
        #expect(listing.imageURLs.map(\.absoluteString) == ["https://www.depop.com/og.jpg"])
        #expect(listing.url?.absoluteString == Self.pageURL)
        #expect(listing.externalID == "anna-red-coat-123")
        #expect(listing.marketplace == "depop.com")
    }

    @Test("invalid JSON-LD blocks are skipped, comment-wrapped ones read")
    func brokenJSONLD() throws {
        let html = """
        <script type="application/ld+json">{"@type":"Product", broken</script>
        <script type="application/ld+json; charset=utf-8"><!--{"@type":"Product","name":"Bag","sku":"b1","offers":{"price":5,"priceCurrency":"EUR"}}--></script>
        """
        #expect(try listing(html).title == "Bag")
    }

    @Test("a page without a price or title is refused with the missing field named")
    func missingFields() {
        #expect(throws: AtelierError.validation("price is required.", field: "price")) {
            try listing(#"<meta property="og:title" content="Hat"><meta property="product:price:currency" content="EUR">"#)
        }
        #expect(throws: AtelierError.validation("currency is required.", field: "currency")) { try listing("<html></html>") }
    }

    @Test("junk, truncated and hostile markup never crashes", arguments: [
        "", "<", "<<<>>>", "<meta", "<meta property=", "<meta property='og:title content=x>", "<script type=\"application/ld+json\">{",
        "<!--", "<!-- <meta property=og:title content=x>", "&#xFFFFFFFF; &#0; &#; &amp", "<scr<script>ipt>", "</script></script>",
        "<meta property=\"og:title\" content=\"\u{0}\u{FFFD}\">", String(repeating: "<div>", count: 10_000),
        "<script type=application/ld+json>" + String(repeating: "[", count: 5_000) + "</script>",
        "<script type=application/ld+json>{\"@type\":\"Product\",\"offers\":{\"price\":\"NaN\",\"priceCurrency\":\"EUR\"},\"name\":\"x\"}</script>",
    ])
    func junk(html: String) {
        #expect(throws: AtelierError.self) { try listing(html) }
    }

    @Test("registrable domains and URL-derived ids")
    func hostsAndIDs() throws {
        #expect(ListingPageParser.registrableDomain("www.depop.com") == "depop.com")
        #expect(ListingPageParser.registrableDomain("WWW.Vinted.co.uk") == "vinted.co.uk")
        #expect(ListingPageParser.registrableDomain("jp.mercari.com") == "mercari.com")
        #expect(ListingPageParser.registrableDomain("depop.com") == "depop.com")
        #expect(ListingPageParser.registrableDomain("127.0.0.1") == "127.0.0.1")
        #expect(ListingPageParser.registrableDomain("localhost") == "localhost")
        #expect(ListingPageParser.lastPathSegment(of: try #require(URL(string: "https://x.example/p/caf%C3%A9-1/"))) == "café-1")
        #expect(ListingPageParser.lastPathSegment(of: try #require(URL(string: "https://x.example/?id=3"))) == nil)
    }

    @Test("HTML entities")
    func entities() {
        #expect(HTMLEntities.decode("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#x27; &#X41; &nbsp;") == "a & b <c> \"d\" 'e' A \u{00A0}")
        #expect(HTMLEntities.decode("AT&T &unknown; & &#xD800; 5 & 6") == "AT&T &unknown; & &#xD800; 5 & 6")
    }
}
