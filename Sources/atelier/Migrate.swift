import ArgumentParser
import AtelierServer
import AtelierStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.resolve()
        let database = try await DatabaseOpener.open(url: config.resolvedDatabaseURL, migrate: false)
        let applied = try await Migrator(database: database).migrate()
        print(applied.isEmpty ? "The database is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", ")).")
        try await database.close()
    }
}
