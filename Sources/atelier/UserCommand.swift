import ArgumentParser
import AtelierServer
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Administer accounts.", subcommands: [Create.self, Grant.self, Admin.self, Premium.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account (the password is read from ATELIER_NEW_PASSWORD or stdin).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The new account's email.") var email: String

        func run() async throws {
            let config = try options.resolve()
            let services = try await AtelierServices.open(config)
            let password = ProcessInfo.processInfo.environment["ATELIER_NEW_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            let user = try await services.createUser(email: email, password: password)
            print("Created \(user.email) (\(user.id)).")
            try await services.database.close()
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add credits to an account.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The account's email.") var email: String
        @Argument(help: "How many credits to add.") var amount: Int

        func run() async throws {
            let services = try await AtelierServices.open(try options.resolve())
            let balance = try await services.grantCredits(email: email, amount: amount)
            print("Granted \(amount) credits to \(email); balance \(balance).")
            try await services.database.close()
        }
    }

    struct Admin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account an admin (or, with --revoke, no longer).")

        @OptionGroup var change: RoleChange

        func run() async throws { try await change.apply("an admin", admin: true) }
    }

    struct Premium: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account premium (or, with --revoke, no longer).")

        @OptionGroup var change: RoleChange

        func run() async throws { try await change.apply("premium", premium: true) }
    }
}

/// Giving or taking back one role: `user admin` and `user premium` differ only in which.
struct RoleChange: ParsableArguments {
    @OptionGroup var options: ConfigOptions
    @Argument(help: "The account's email.") var email: String
    @Flag(help: "Take the role away.") var revoke = false

    func apply(_ role: String, admin: Bool = false, premium: Bool = false) async throws {
        let services = try await AtelierServices.open(try options.resolve())
        try await services.setRoles(email: email, admin: admin ? !revoke : nil, premium: premium ? !revoke : nil)
        print(revoke ? "\(email) is no longer \(role)." : "\(email) is \(role).")
        try await services.database.close()
    }
}
