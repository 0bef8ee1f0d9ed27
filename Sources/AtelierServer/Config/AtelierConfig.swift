import AtelierCore
import Foundation

/// Everything `atelier` can be told. Each field has a flag, an `ATELIER_*` variable and a line in
/// the optional config file; the defaults serve a laptop.
public struct AtelierConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataDir = "./data"
    /// nil: SQLite at `<data-dir>/atelier.sqlite`.
    public var databaseURL: String?
    /// Connections each process may open to PostgreSQL (SQLite keeps its own fixed few).
    public var databasePoolSize = 10
    /// nil: blobs under `<data-dir>/blobs`.
    public var blobURL: String?
    public var workers = true
    /// Base of the absolute URLs in responses (e.g. `https://api.example.com`); nil: the request's Host.
    public var publicURL: String?
    /// A base64 or hex secret of at least 32 bytes; nil: generated once and kept in `<data-dir>/keys`.
    public var secretKey: String?
    public var bcryptCost = 12
    public var accessTokenSeconds = 15 * 60
    public var refreshTokenDays = 30
    public var maxUploadBytes = 15_000_000
    public var maxImagePixels = 50_000_000
    public var signedURLSeconds = 3600
    public var loginFailuresPerAccount = 5
    public var loginFailuresPerIP = 20
    public var loginWindowSeconds = 15 * 60
    /// Credits every new account starts with.
    public var freeCredits = 10
    /// Adds `dev.sleep` to the catalogue (tests, benchmarks, trying the job API).
    public var devProcessors = false
    /// A JSON file declaring processors that external workers run (see `ProcessorDeclarations`).
    public var externalProcessors: String?
    /// The web console's files; default: the resource bundle next to the executable.
    public var consoleDir: String?
    public var interactiveWorkers = 2
    public var standardWorkers = 2
    public var batchWorkers = 1
    public var jobLeaseSeconds = 30
    /// First retry delay of a retryable failure; each later one doubles (with jitter).
    public var jobRetryBaseMilliseconds = 2000
    /// The most jobs an in-process worker slot claims at once, while its jobs are short (1: one at a time).
    public var jobClaimBatch = 128
    /// Job creations per user per minute.
    public var jobsPerMinute = 10
    /// Requests per client (user, else IP) per minute, across the API.
    public var requestsPerMinute = 1200
    /// Up to this many listings, vector search is exact; beyond, it walks an HNSW graph.
    public var exactSearchLimit = 20_000
    /// PostgreSQL: pgvector's `hnsw.ef_search` for searches (1–1000): candidates the graph walk
    /// keeps, more for better recall, fewer for speed. pgvector's default is 40.
    public var pgEfSearch = 100
    /// Number format of the photo model's matrix products: `int8` (default: fastest, smallest,
    /// within 0.999 cosine of float32; its vectors are tagged apart; float32 where the CPU lacks
    /// AVX-512 VNNI), `bfloat16` or `float32`.
    public var photoPrecision = "int8"
    /// How the crawler and the photo fetcher introduce themselves to marketplaces.
    public var userAgent = "AtelierBot/0.1 (+https://github.com/atelier)"
    /// Crawler requests per second to any one host.
    public var crawlRequestsPerSecond = 1.0
    public var logLevel = "info"
    /// `json` (one object per line) or `text`.
    public var logFormat = "json"

    public init() {}

    public var resolvedDatabaseURL: String {
        databaseURL ?? "sqlite://" + URL(fileURLWithPath: dataDir).appendingPathComponent("atelier.sqlite").path
    }

    public var blobDirectory: URL {
        if let blobURL, !blobURL.hasPrefix("s3://") {
            return URL(fileURLWithPath: blobURL.hasPrefix("file://") ? String(blobURL.dropFirst(7)) : blobURL)
        }
        return URL(fileURLWithPath: dataDir).appendingPathComponent("blobs")
    }

    /// Applies `ATELIER_*` settings from a dictionary (the environment, or a config file's lines).
    /// Unknown keys are ignored; a malformed value is an error naming the key.
    public mutating func apply(_ settings: [String: String]) throws {
        func int(_ key: String, _ apply: (Int) -> Void) throws {
            guard let text = settings[key] else { return }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ConfigError.invalid(key, text) }
            apply(value)
        }
        if let v = settings["ATELIER_HOST"] { host = v }
        try int("ATELIER_PORT") { port = $0 }
        if let v = settings["ATELIER_DATA_DIR"] { dataDir = v }
        if let v = settings["ATELIER_DATABASE_URL"], !v.isEmpty { databaseURL = v }
        if let v = settings["ATELIER_BLOB_URL"], !v.isEmpty { blobURL = v }
        if let v = settings["ATELIER_WORKERS"] { workers = !["0", "false", "no", "off"].contains(v.lowercased()) }
        if let v = settings["ATELIER_PUBLIC_URL"], !v.isEmpty { publicURL = v }
        if let v = settings["ATELIER_SECRET_KEY"], !v.isEmpty { secretKey = v }
        try int("ATELIER_BCRYPT_COST") { bcryptCost = $0 }
        try int("ATELIER_ACCESS_TOKEN_SECONDS") { accessTokenSeconds = $0 }
        try int("ATELIER_REFRESH_TOKEN_DAYS") { refreshTokenDays = $0 }
        try int("ATELIER_MAX_UPLOAD_BYTES") { maxUploadBytes = $0 }
        try int("ATELIER_MAX_IMAGE_PIXELS") { maxImagePixels = $0 }
        try int("ATELIER_SIGNED_URL_SECONDS") { signedURLSeconds = $0 }
        try int("ATELIER_LOGIN_FAILURES_PER_ACCOUNT") { loginFailuresPerAccount = $0 }
        try int("ATELIER_LOGIN_FAILURES_PER_IP") { loginFailuresPerIP = $0 }
        try int("ATELIER_LOGIN_WINDOW_SECONDS") { loginWindowSeconds = $0 }
        try int("ATELIER_FREE_CREDITS") { freeCredits = $0 }
        if let v = settings["ATELIER_EXTERNAL_PROCESSORS"], !v.isEmpty { externalProcessors = v }
        if let v = settings["ATELIER_CONSOLE_DIR"], !v.isEmpty { consoleDir = v }
        if let v = settings["ATELIER_DEV_PROCESSORS"] { devProcessors = ["1", "true", "yes", "on"].contains(v.lowercased()) }
        try int("ATELIER_INTERACTIVE_WORKERS") { interactiveWorkers = $0 }
        try int("ATELIER_STANDARD_WORKERS") { standardWorkers = $0 }
        try int("ATELIER_BATCH_WORKERS") { batchWorkers = $0 }
        try int("ATELIER_JOB_LEASE_SECONDS") { jobLeaseSeconds = $0 }
        try int("ATELIER_JOB_RETRY_BASE_MS") { jobRetryBaseMilliseconds = $0 }
        try int("ATELIER_JOB_CLAIM_BATCH") { jobClaimBatch = max(1, $0) }
        try int("ATELIER_JOBS_PER_MINUTE") { jobsPerMinute = $0 }
        try int("ATELIER_DATABASE_POOL_SIZE") { databasePoolSize = max(1, $0) }
        try int("ATELIER_REQUESTS_PER_MINUTE") { requestsPerMinute = $0 }
        try int("ATELIER_EXACT_SEARCH_LIMIT") { exactSearchLimit = $0 }
        try int("ATELIER_PG_EF_SEARCH") { pgEfSearch = $0 }
        if let v = settings["ATELIER_PHOTO_PRECISION"] {
            guard ["float32", "bfloat16", "int8"].contains(v) else { throw ConfigError.invalid("ATELIER_PHOTO_PRECISION", v) }
            photoPrecision = v
        }
        if let v = settings["ATELIER_USER_AGENT"], !v.isEmpty { userAgent = v }
        if let v = settings["ATELIER_CRAWL_REQUESTS_PER_SECOND"] {
            guard let rate = Double(v), rate > 0, rate <= 100 else { throw ConfigError.invalid("ATELIER_CRAWL_REQUESTS_PER_SECOND", v) }
            crawlRequestsPerSecond = rate
        }
        if let v = settings["ATELIER_LOG_LEVEL"] { logLevel = v }
        if let v = settings["ATELIER_LOG_FORMAT"] { logFormat = v }
        try validate()
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigError.invalid("ATELIER_PORT", String(port)) }
        guard (4...31).contains(bcryptCost) else { throw ConfigError.invalid("ATELIER_BCRYPT_COST", String(bcryptCost)) }
        guard maxUploadBytes > 0 else { throw ConfigError.invalid("ATELIER_MAX_UPLOAD_BYTES", String(maxUploadBytes)) }
        guard maxImagePixels > 0 else { throw ConfigError.invalid("ATELIER_MAX_IMAGE_PIXELS", String(maxImagePixels)) }
        guard (1...1000).contains(pgEfSearch) else { throw ConfigError.invalid("ATELIER_PG_EF_SEARCH", String(pgEfSearch)) }
    }

    /// Reads `KEY=VALUE` lines (blank lines and `#` comments allowed), as in a `.env` file.
    public static func readFile(_ path: String) throws -> [String: String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var settings: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else { throw ConfigError.badLine(path, number + 1) }
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            settings[trimmed[..<equals].trimmingCharacters(in: .whitespaces)] = value
        }
        return settings
    }
}

public enum ConfigError: Error, CustomStringConvertible {
    case invalid(String, String)
    case badLine(String, Int)

    public var description: String {
        switch self {
        case .invalid(let key, let value): "\(key) has an invalid value: \(value)"
        case .badLine(let path, let line): "\(path):\(line): expected KEY=VALUE"
        }
    }
}

extension AtelierConfig {
    /// How imports crawl listing pages: this server's User-Agent and pace.
    public var crawling: CrawlerConfiguration {
        CrawlerConfiguration(userAgent: userAgent, requestInterval: .milliseconds(Int(1000 / crawlRequestsPerSecond)))
    }
}
