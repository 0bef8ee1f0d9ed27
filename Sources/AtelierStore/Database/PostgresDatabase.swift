import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through PostgresNIO's `PostgresClient`. Its pool is built in, async, sized by
/// configuration and needs only its `run()` task; each leased `PostgresConnection` becomes an
/// SQLKit database through PostgresKit, so the stores' SQL runs unchanged. (PostgresKit's own
/// pool sits on EventLoopFutures and AsyncKit, with a pool per event loop: more parts for the same.)
final class PostgresDatabase: Database {
    private let client: PostgresClient
    private let running: Task<Void, Never>

    /// Returns once the pool's `run()` is under way: a lease asked for before it started is
    /// not what the client expects (it warns), and such tests have been seen to hang.
    private init(client: PostgresClient) async {
        self.client = client
        let (started, signal) = AsyncStream.makeStream(of: Never.self)
        running = Task {
            signal.finish()
            await client.run()  // no suspension before run() marks itself running
        }
        for await _ in started {}
    }

    static func open(url: String, maxConnections: Int = 10) async throws -> PostgresDatabase {
        var configuration = try PostgresURL.configuration(url)
        configuration.options.maximumConnections = maxConnections
        // Background messages only (connects, pool state): the URL and its password are never logged.
        return await PostgresDatabase(client: PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "atelier.postgres")))
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(Self.sql(connection)) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            let db = Self.sql(connection)
            try await db.raw("BEGIN").run()
            let result: T
            do {
                result = try await body(db)
            } catch {
                do {
                    try await db.raw("ROLLBACK").run()
                } catch {
                    // The transaction may still be open: never hand this connection out again.
                    try? await connection.close()
                }
                throw error  // the caller's own error, not a wrapper: stores throw domain errors
            }
            try await db.raw("COMMIT").run()
            return result
        }
    }

    func close() async throws {
        running.cancel()  // the pool closes its connections as run() returns
        await running.value
    }

    /// No query logging: binds carry password hashes and tokens.
    private static func sql(_ connection: PostgresConnection) -> any SQLDatabase {
        connection.sql(queryLogLevel: nil)
    }
}

/// `postgres://user:password@host:port/database?sslmode=…` in the client's terms. `sslmode` as
/// libpq reads it: `disable`; `prefer` (the default) and `require` encrypt without checking the
/// certificate; `verify-full` also checks it against the system's roots and the host name.
enum PostgresURL {
    static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty else {
            throw DatabaseError.unsupported("A PostgreSQL URL reads postgres://user:password@host:port/database.")
        }
        let database = String(parts.path.drop { $0 == "/" })
        let sslMode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(unverified)
        case "require": tls = .require(unverified)
        case "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw DatabaseError.unsupported("Unknown sslmode '\(sslMode)' in the database URL.")
        }
        return PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432,
            username: parts.user ?? "postgres", password: parts.password,  // both already percent-decoded
            database: database.isEmpty ? nil : database,
            tls: tls)
    }
}

extension SQLDatabase {
    /// Where one dialect needs other SQL than the other (SQLite otherwise).
    var isPostgres: Bool { dialect.name == "postgresql" }
}
