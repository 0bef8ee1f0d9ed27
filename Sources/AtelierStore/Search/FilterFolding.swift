import Foundation
import SQLKit

/// The collation the PostgreSQL filters lowercase in. `SearchFilters.matches` compares values
/// lowercased by Swift; LOWER() folds by its collation, and under the C locale that is ASCII only,
/// so a listing of "CHLOÉ" would not pass a filter for "chloé". PostgreSQL 17+ has `pg_c_utf8`,
/// whose Unicode case mapping agrees with Swift's everywhere but "İ". Older servers keep the
/// database's own collation: right under en_US.UTF-8 and the like, ASCII-only under C. Looked up
/// once, on first use.
final class FilterFolding: @unchecked Sendable {
    private let lock = NSLock()
    private var looked = false
    private var found: String?

    /// The collation's name, or nil for the database's own.
    func collation(_ db: any SQLDatabase) async throws -> String? {
        if let known = lock.withLock({ looked ? .some(found) : nil }) { return known }
        let name = try await db.raw("SELECT collname FROM pg_collation WHERE collname = 'pg_c_utf8'").first() != nil ? "pg_c_utf8" : nil
        lock.withLock { (looked, found) = (true, name) }
        return name
    }
}
