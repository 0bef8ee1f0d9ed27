import ArgumentParser

@main
struct Atelier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "atelier",
        abstract: "The Atelier server: API, workers and admin tools for photo and fashion apps.",
        subcommands: [Serve.self, Migrate.self, UserCommand.self, IngestCommand.self, SourceCommand.self, WorkerCommand.self, WorkerTokenCommand.self, SearchCommand.self, ModelsCommand.self, MediaCommand.self],
        defaultSubcommand: Serve.self)
}
