import ArgumentParser
import AtelierCore
import AtelierServer
import Foundation

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search the catalogue from the terminal: a photo, or --text.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "A photo file.") var photo: String?
    @Option(help: "Search by words instead of a photo.") var text: String?
    @Option(help: "How many results (1–100).") var limit = 20

    func run() async throws {
        let services = try await AtelierServices.open(try options.resolve())
        try await services.catalog.index.refresh()
        let results: SearchResults
        if let text {
            results = try await services.catalog.search.matching(text: text, filters: SearchFilters(), limit: limit)
        } else if let photo {
            let data = try Data(contentsOf: URL(fileURLWithPath: photo))
            results = try await services.catalog.search.similar(toPhoto: data, filters: SearchFilters(), limit: limit)
        } else {
            throw ValidationError("Give a photo file or --text.")
        }
        print(Self.table(results))
        try await services.database.close()
    }

    static func table(_ results: SearchResults) -> String {
        let header = ["#", "score", "price", "brand", "title", "link"]
        let rows = results.hits.enumerated().map { index, hit in
            let draft = hit.listing.draft
            return [String(index + 1), String(format: "%.3f", hit.score),
                    "\(Money.decimalString(draft.priceMinor, currency: draft.currency)) \(draft.currency)", draft.brand ?? "",
                    String(draft.title.prefix(40)), draft.deepLink?.absoluteString ?? draft.url?.absoluteString ?? ""]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let lines = ([header] + rows).map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let timing = results.timing.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value)) ms" }.joined(separator: ", ")
        return (lines + ["\(results.hits.count) results (\(timing))"]).joined(separator: "\n")
    }
}
