import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through PostgresKit's connection pool (AsyncKit's, a few connections per event
/// loop): it needs no background task, and a caller that waits longer than `leaseTimeout` for a
/// connection gets an error instead of waiting forever. (PostgresNIO's newer `PostgresClient` was
/// tried first: under the test suite's load, with a hundred pools in one process, leases were
/// seen to wait forever with no connection attempt under way.) Each leased `PostgresConnection`
/// becomes an SQLKit database, so the stores' SQL runs unchanged.
/// `@unchecked Sendable`: the pool locks its own state and is used from any thread in Vapor, but
/// AsyncKit does not declare it Sendable.
final class PostgresDatabase: Database, @unchecked Sendable {
    private let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    private let configuration: SQLPostgresConfiguration
    private let logger = Logger(label: "atelier.postgres")

    private init(pool: EventLoopGroupConnectionPool<PostgresConnectionSource>, configuration: SQLPostgresConfiguration) {
        self.pool = pool
        self.configuration = configuration
    }

    static func open(url: String, maxConnections: Int = 10, leaseTimeout: TimeAmount = .seconds(60)) throws -> PostgresDatabase {
        let group = MultiThreadedEventLoopGroup.singleton
        let loops = max(1, Array(group.makeIterator()).count)
        let configuration = try PostgresURL.configuration(url)
        // Background messages only (connects, pool state): the URL and its password are never logged.
        return PostgresDatabase(pool: EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: max(1, (maxConnections + loops - 1) / loops),
            requestTimeout: leaseTimeout, logger: Logger(label: "atelier.postgres"), on: group), configuration: configuration)
    }

    /// A connection of its own, outside the pool, for as long as the caller keeps it (LISTEN holds
    /// one for the life of the process); the caller closes it.
    func dedicatedConnection() async throws -> PostgresConnection {
        try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.coreConfiguration,
                                             id: 0, logger: logger).get()
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withConnection { connection in try await body(Self.sql(connection)) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withConnection { connection in
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
        try await pool.shutdownAsync()
    }

    private func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            let result = try await body(connection)
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
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
    static func configuration(_ url: String) throws -> SQLPostgresConfiguration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty else {
            throw DatabaseError.unsupported("A PostgreSQL URL reads postgres://user:password@host:port/database.")
        }
        let database = String(parts.path.drop { $0 == "/" })
        let sslMode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(try NIOSSLContext(configuration: unverified))
        case "require": tls = .require(try NIOSSLContext(configuration: unverified))
        case "verify-ca", "verify-full": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: throw DatabaseError.unsupported("Unknown sslmode '\(sslMode)' in the database URL.")
        }
        return SQLPostgresConfiguration(
            hostname: host, port: parts.port ?? 5432,
            username: parts.user ?? "postgres", password: parts.password,  // both already percent-decoded
            database: database.isEmpty ? nil : database, tls: tls)
    }
}

extension SQLDatabase {
    /// Where one dialect needs other SQL than the other (SQLite otherwise).
    var isPostgres: Bool { dialect.name == "postgresql" }
}
