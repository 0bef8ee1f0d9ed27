@testable import AtelierCore
import Foundation
import Testing

@Suite("Listings feeds")
struct FeedReaderTests {
    static let goodJSON = #"{"marketplace":"Depop","external_id":"d-1","title":"  Red wool coat ","price":"24.00","currency":"eur","url":"https://www.depop.com/products/d-1/","deep_link":"depop://product/d-1","image_url":"https://img.example/1.jpg","image_urls":["https://img.example/2.jpg","file:///data/3.jpg"],"seller":"anna","brand":"COS","size":"M","condition":"used","category":"coats"}"#

    @Test("JSON Lines: every field read and normalised")
    func jsonLinesListing() async throws {
        let rows = try await feedRows(Self.goodJSON + "\n", format: .jsonLines)
        let listing = try #require(rows.first?.listing)
        #expect(rows.count == 1)
        #expect(listing.marketplace == "depop")
        #expect(listing.externalID == "d-1")
        #expect(listing.title == "Red wool coat")
        #expect(listing.priceMinor == 2400)
        #expect(listing.currency == "EUR")
        #expect(listing.url?.absoluteString == "https://www.depop.com/products/d-1/")
        #expect(listing.deepLink?.absoluteString == "depop://product/d-1")
        #expect(listing.imageURLs.map(\.absoluteString) == ["https://img.example/1.jpg", "https://img.example/2.jpg", "file:///data/3.jpg"])
        #expect(listing.seller == "anna")
        #expect(listing.brand == "COS")
        #expect(listing.size == "M")
        #expect(listing.condition == "used")
        #expect(listing.category == "coats")
        #expect(listing.description == nil)
    }

    @Test("JSON Lines: bad lines are reported with their line numbers and reasons; the others are parsed")
    func jsonLinesErrors() async throws {
        let feed = [
            Self.goodJSON,                                                                              // 1
            "",                                                                                         // 2 blank: skipped
            #"["not", "an", "object"]"#,                                                                // 3
            #"{"marketplace":"vinted","external_id":7,"title":"Jeans","price":24.5,"currency":"GBP"}"#,  // 4
            "{not json",                                                                                // 5
            #"{"marketplace":"vinted","external_id":"8","price":"10","currency":"GBP"}"#,                // 6 no title
            #"{"marketplace":"vinted","external_id":"9","title":"Bag","price":"-3","currency":"GBP"}"#,  // 7
            #"{"marketplace":"vinted","external_id":"10","title":"Bag","price":3,"currency":"GBP","url":"ftp://x/y"}"#, // 8
            "   ",                                                                                      // 9 blank
            #"{"marketplace":"vinted","external_id":"11","title":"Hat","price":1500,"currency":"JPY","image_urls":[1]}"#, // 10
            #"{"marketplace":"vinted","external_id":"12","title":"Hat","price":true,"currency":"JPY"}"#, // 11
            #"{"marketplace":"vinted","external_id":"13","title":"Scarf","price":"1500","currency":"JPY"}"#, // 12, no final newline
        ].joined(separator: "\n")
        let rows = try await feedRows(feed, format: .jsonLines)
        #expect(rows.map(\.line) == [1, 3, 4, 5, 6, 7, 8, 10, 11, 12])
        #expect(rows.compactMap(\.listing).map(\.externalID) == ["d-1", "7", "13"])
        #expect(rows[2].listing?.priceMinor == 2450)
        #expect(rows[9].listing?.priceMinor == 1500)
        let errors = rows.compactMap(\.error)
        #expect(errors.map(\.reason) == [
            "line is not a JSON object.", "line is not valid JSON.", "title is required.", "price must not be negative.",
            "url must be an http(s) URL.", "image_urls must be an array of URL strings.", "price must be a string or a number.",
        ])
        #expect(errors.map(\.field) == [nil, nil, "title", "price", "url", "image_urls", "price"])
    }

    @Test("CSV: quoted commas, doubled quotes and line breaks; line numbers count the breaks inside quotes")
    func csvQuoting() async throws {
        let feed = #"""
        marketplace,external_id,title,description,price,currency,image_urls
        vinted,1,"Coat, wool","He said ""vintage""",24.00,EUR,https://img.example/a.jpg|https://img.example/b.jpg
        vinted,2,Dress,"Line one
        line two, still the description
        line three",12.5,EUR,
        vinted,3,Shirt,,abc,EUR,
        vinted,4,Skirt,,10,EUR
        vinted,5,"Boots",,99,EUR,

        vinted,6,Belt,,5,EUR,
        """#
        let rows = try await feedRows(feed, format: .csv)
        #expect(rows.map(\.line) == [2, 3, 6, 7, 8, 10])
        let coat = try #require(rows[0].listing)
        #expect(coat.title == "Coat, wool")
        #expect(coat.description == #"He said "vintage""#)
        #expect(coat.imageURLs.count == 2)
        let dress = try #require(rows[1].listing)
        #expect(dress.description == "Line one\nline two, still the description\nline three")
        #expect(dress.priceMinor == 1250)
        #expect(rows[2].error == FeedRowError(line: 6, reason: "price must be a decimal number such as 24.00.", field: "price"))
        #expect(rows[3].error == FeedRowError(line: 7, reason: "row has 6 fields; the header has 7."))
        #expect(rows[4].listing?.title == "Boots")
        #expect(rows[5].listing?.externalID == "6")
    }

    @Test("CSV: a byte-order mark and CRLF line ends are tolerated; header names in any case and order")
    func csvBOMAndCRLF() async throws {
        let feed = "\u{FEFF}Currency,PRICE,title,external_id,marketplace\r\nJPY,2400,Kimono,k1,mercari\r\nKWD,1.250,\"Abaya\r\nlong\",k2,mercari\r\nUSD,1.999,Cap,k3,mercari\r\n"
        for chunkSize in [1, 2, 5, 4096] {
            let rows = try await feedRows(feed, chunkSize: chunkSize)
            #expect(rows.map(\.line) == [2, 3, 5])
            #expect(rows[0].listing?.priceMinor == 2400)
            #expect(rows[0].listing?.currency == "JPY")
            #expect(rows[1].listing?.priceMinor == 1250)
            #expect(rows[1].listing?.title == "Abaya\r\nlong")
            #expect(rows[2].error?.reason == "price has more decimals than USD allows (2).")
        }
    }

    @Test("CSV: an unclosed quote is reported at the line where its row starts")
    func csvUnclosedQuote() async throws {
        let feed = "marketplace,external_id,title,price,currency\nvinted,1,Coat,10,EUR\nvinted,2,\"Never closed,10,EUR\nvinted,3,Hat,5,EUR\n"
        let rows = try await feedRows(feed)
        #expect(rows.count == 2)
        #expect(rows[0].listing?.externalID == "1")
        #expect(rows[1].error == FeedRowError(line: 3, reason: "quoted field is never closed."))
    }

    @Test("an oversized row is reported and skipped; the feed goes on")
    func oversizedRows() async throws {
        let long = String(repeating: "x", count: 500)
        let csv = "marketplace,external_id,title,price,currency\nvinted,1,\(long),10,EUR\nvinted,2,Hat,5,EUR\n"
        let csvRows = try await feedRows(csv, format: .csv, maximumRowBytes: 200)
        #expect(csvRows.map(\.line) == [2, 3])
        #expect(csvRows[0].error?.reason.hasPrefix("row is longer than 200 bytes") == true)
        #expect(csvRows[1].listing?.externalID == "2")

        let jsonl = #"{"title":"\#(long)"}"# + "\n" + Self.goodJSON
        let jsonRows = try await feedRows(jsonl, format: .jsonLines, maximumRowBytes: 200)
        #expect(jsonRows.map(\.line) == [1, 2])
        #expect(jsonRows[0].error?.reason == "line is longer than 200 bytes.")
        #expect(jsonRows[1].error?.reason == "line is longer than 200 bytes.")
    }

    @Test("length limits, required fields and URL schemes are enforced per row")
    func fieldRules() async throws {
        let title = String(repeating: "t", count: 301)
        let feed = """
        marketplace,external_id,title,price,currency,image_url,deep_link
        vinted,1,\(title),10,EUR,,
        vinted,2,Hat,10,,,
        vinted,3,Hat,10,EUR,javascript:alert(1),
        vinted,4,Hat,10,EUR,,javascript:alert(1)
        ,5,Hat,10,EUR,,
        vinted,6,Hat,10,EUR,http://img.example/x.png,vinted://item/6
        """
        let rows = try await feedRows(feed)
        #expect(rows.compactMap(\.error).map(\.field) == ["title", "currency", "image_url", "deep_link", "marketplace"])
        #expect(rows.last?.listing?.deepLink?.absoluteString == "vinted://item/6")
    }

    @Test("the format is sniffed from the content, or taken from the file name")
    func formatDetection() async throws {
        let jsonRows = try await feedRows("\u{FEFF}\n\n  " + Self.goodJSON)
        #expect(jsonRows.first?.listing?.externalID == "d-1")
        #expect(jsonRows.first?.line == 3)
        let csvRows = try await feedRows("marketplace,external_id,title,price,currency\nvinted,1,Hat,5,EUR")
        #expect(csvRows.first?.listing?.externalID == "1")
        #expect(FeedFormat(fileName: "export.NDJSON") == .jsonLines)
        #expect(FeedFormat(fileName: "feed.jsonl") == .jsonLines)
        #expect(FeedFormat(fileName: "feed.csv") == .csv)
        #expect(FeedFormat(fileName: "feed.txt") == nil)
        #expect(try await feedRows("").isEmpty)
    }

    @Test("a feed file is read in chunks, the format from its extension")
    func fileFeed() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = (1...2_000).map { #"{"marketplace":"m","external_id":"\#($0)","title":"Item \#($0)","price":"\#($0).50","currency":"EUR"}"# }
        try Data((lines + ["oops"]).joined(separator: "\n").utf8).write(to: file)
        var listings = 0
        var errors: [FeedRowError] = []
        for try await row in FeedReader().rows(fromFile: file) {
            switch row {
            case .listing(let line, let listing):
                listings += 1
                #expect(listing.priceMinor == Int64(line) * 100 + 50)
            case .invalid(let error):
                errors.append(error)
            }
        }
        #expect(listings == 2_000)
        #expect(errors == [FeedRowError(line: 2_001, reason: "line is not valid JSON.")])
    }

    @Test("a sequence of single bytes is read too")
    func singleBytes() async throws {
        let bytes = AsyncStream<UInt8> { continuation in
            for byte in Array(("marketplace,external_id,title,price,currency\nvinted,1,Hat,5,EUR\nvinted,2,Cap,x,EUR").utf8) {
                continuation.yield(byte)
            }
            continuation.finish()
        }
        var rows: [FeedRow] = []
        for try await row in FeedReader(format: .csv).rows(from: bytes) { rows.append(row) }
        #expect(rows.map(\.line) == [2, 3])
        #expect(rows[0].listing?.priceMinor == 500)
        #expect(rows[1].error?.field == "price")
    }

    @Test("a missing file fails the read, not a row")
    func missingFile() async {
        await #expect(throws: (any Error).self) {
            for try await _ in FeedReader().rows(fromFile: URL(fileURLWithPath: "/nonexistent/feed.csv")) {}
        }
    }
}
