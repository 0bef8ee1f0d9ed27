import ArgumentParser
import AtelierServer
import Foundation

struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "media", abstract: "Look after stored media.", subcommands: [Sweep.self])

    /// Workers sweep hourly on their own (one process per hour); this is for operators (and after a crash loop).
    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete media blobs that no media points at (left by a process that died mid-upload) and unfinished writes.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Only blobs written at least this many minutes ago: uploads in flight are younger.")
        var olderThanMinutes = 60

        func run() async throws {
            guard olderThanMinutes >= 0 else { throw ValidationError("--older-than-minutes cannot be negative.") }
            let services = try await AtelierServices.open(try options.resolve())
            let deleted = try await services.media.sweepOrphanedBlobs(grace: .seconds(olderThanMinutes * 60))
            print("Deleted \(deleted) orphaned blob\(deleted == 1 ? "" : "s").")
            try await services.database.close()
        }
    }
}
