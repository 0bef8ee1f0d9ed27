import AtelierStore
import Foundation
import SQLKit
import Testing

/// kill -9 of the real `atelier` process in the middle of a run of jobs.
@Suite("Crash recovery")
struct CrashRecoveryTests {
    @Test("after kill -9 and a restart, every accepted job ends exactly once and the ledger matches")
    func killNine() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = [
            "ATELIER_DEV_PROCESSORS": "1", "ATELIER_JOB_LEASE_SECONDS": "2", "ATELIER_FREE_CREDITS": "1000",
            "ATELIER_JOBS_PER_MINUTE": "100000", "ATELIER_REQUESTS_PER_MINUTE": "1000000", "ATELIER_STANDARD_WORKERS": "2",
        ]
        let first = try await RunningAtelier.start(folder: folder, environment: environment)
        let token = try await first.register()
        var ids: [String] = []
        for index in 0..<200 {
            let (status, body) = try first.call("POST", "/api/v1/jobs", token: token, json: #"{"processor":"dev.sleep","params":{"ms":200}}"#,
                                                headers: ["Idempotency-Key": "crash-\(index)"])
            #expect(status == 202)
            if let match = body.firstMatch(of: /"id":"([0-9a-f-]{36})"/) { ids.append(String(match.1)) }
        }
        #expect(ids.count == 200)
        // Crash once the workers are under way (200 jobs × 200 ms on 2 workers take 20 s).
        for _ in 0..<100 where try !first.call("GET", "/api/v1/jobs?state=succeeded&limit=1", token: token).body.contains(#""id""#) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let (_, waiting) = try first.call("GET", "/api/v1/jobs?state=queued&limit=1", token: token)
        first.crash()
        #expect(waiting.contains(#""state":"queued""#), "the crash came mid-run")

        let second = try await RunningAtelier.start(folder: folder, database: first.database, environment: environment)
        let deadline = Date().addingTimeInterval(90)
        var pending = true
        while pending && Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let queued = try second.call("GET", "/api/v1/jobs?state=queued&limit=1", token: token).body
            let running = try second.call("GET", "/api/v1/jobs?state=running&limit=1", token: token).body
            pending = queued.contains(#""id""#) || running.contains(#""id""#)
        }
        await second.stop(keepData: true)
        #expect(!pending, "every job reached a terminal state")

        let database = try await DatabaseOpener.open(url: first.database.url, migrate: false)
        let states = try await database.read { db in
            try await db.raw("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all().map {
                (try $0.decode(column: "state", as: String.self), try $0.decode(column: "n", as: Int.self))
            }
        }
        #expect(Dictionary(uniqueKeysWithValues: states) == ["succeeded": 200])
        let endings = try await database.read { db in
            try await db.raw("""
                SELECT job_id, COUNT(*) AS n FROM job_events WHERE snapshot LIKE '%"state":"succeeded"%' GROUP BY job_id
                """).all().map { try $0.decode(column: "n", as: Int.self) }
        }
        #expect(endings.count == 200)
        #expect(endings.allSatisfy { $0 == 1 }, "no job completed twice")
        let money = try await database.read { db in
            try await db.raw("""
                SELECT (SELECT CAST(SUM(delta) AS BIGINT) FROM credit_ledger) AS ledger,
                       (SELECT CAST(SUM(balance) AS BIGINT) FROM credit_balances) AS balance,
                       (SELECT COUNT(*) FROM credit_ledger WHERE reason = 'job') AS charges
                """).first().map { (try $0.decode(column: "ledger", as: Int.self), try $0.decode(column: "balance", as: Int.self),
                                    try $0.decode(column: "charges", as: Int.self)) }
        }
        #expect(money?.0 == 800)
        #expect(money?.1 == 800)
        #expect(money?.2 == 200)
        try await database.close()
        await first.database.drop()
    }
}
