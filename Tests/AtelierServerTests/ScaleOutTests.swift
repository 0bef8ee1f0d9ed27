import AtelierStore
import Foundation
import HTTPTypes
import SQLKit
import Testing

/// Two API processes and two worker processes on one PostgreSQL, as issue 5's scale-out runs
/// them: every job completes once, a killed worker's jobs finish elsewhere, events cross
/// processes, and charges from both API processes hold. PostgreSQL only (SQLite is one process).
@Suite("Scale-out across processes", .serialized)
struct ScaleOutTests {
    static let noOp = #"{"processor":"dev.sleep","params":{"ms":0}}"#

    /// Creates jobs with `json` through the API processes in turn, `concurrency` at a time;
    /// returns each answer's status and job id (nil when refused).
    static func create(_ count: Int, json: String, on apis: [RunningAtelier], token: String, concurrency: Int = 8) async throws -> [(Int, String?)] {
        try await withThrowingTaskGroup(of: [(Int, String?)].self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    var answers: [(Int, String?)] = []
                    for index in stride(from: lane, to: count, by: concurrency) {
                        let api = apis[index % apis.count]
                        let (status, body) = try await api.send("POST", "/api/v1/jobs", token: token, json: json,
                                                                headers: ["Idempotency-Key": "scale-\(index)"])
                        answers.append((status, body.firstMatch(of: /"id":"([0-9a-f-]{36})"/).map { String($0.1) }))
                    }
                    return answers
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// The ledger agrees with the balances, no balance went below zero, and no job succeeded twice.
    static func checkBooks(_ cluster: AtelierCluster) async throws {
        let (ledger, balance, negative) = try await cluster.query { db in
            let row = try await db.raw("""
                SELECT (SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM credit_ledger) AS ledger,
                       (SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM credit_balances) AS balance,
                       (SELECT COUNT(*) FROM credit_ledger WHERE balance_after < 0) AS negative
                """).first()
            return (try row?.decode(column: "ledger", as: Int.self), try row?.decode(column: "balance", as: Int.self),
                    try row?.decode(column: "negative", as: Int.self))
        }
        #expect(ledger == balance, "the ledger adds up to the balances")
        #expect(negative == 0, "no balance went below zero")
        let twice = try await cluster.query { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM (SELECT job_id FROM job_events WHERE snapshot LIKE '%"state":"succeeded"%'
                                           GROUP BY job_id HAVING COUNT(*) > 1) AS twice
                """).first()?.decode(column: "n", as: Int.self)
        }
        #expect(twice == 0, "no job completed twice")
    }

    @Test("1,000 jobs through two API processes, run by two worker processes: each completes exactly once",
          .enabled(if: AtelierCluster.skipReason == nil, "needs PostgreSQL (ATELIER_TEST_DATABASE_URL): several processes share one database"))
    func exactlyOnce() async throws {
        try await AtelierCluster.with(apis: 2, workers: 2, environment: ["ATELIER_FREE_CREDITS": "5000", "ATELIER_STANDARD_WORKERS": "2"]) { cluster in
            let token = try await cluster.apis[0].register(email: "once@example.com")
            let answers = try await Self.create(1000, json: Self.noOp, on: cluster.apis, token: token)
            #expect(answers.filter { $0.0 == 202 }.count == 1000)
            #expect(Set(answers.compactMap(\.1)).count == 1000)
            #expect(try await cluster.waitUntilIdle(), "every job ended")
            let counts = try await cluster.query { db in
                try await db.raw("""
                    SELECT COUNT(*) AS jobs, COALESCE(SUM(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END), 0) AS succeeded,
                           COALESCE(MAX(attempts), 0) AS attempts FROM jobs
                    """).first().map { (try $0.decode(column: "jobs", as: Int.self), try $0.decode(column: "succeeded", as: Int.self),
                                        try $0.decode(column: "attempts", as: Int.self)) }
            }
            #expect(counts?.0 == 1000)
            #expect(counts?.1 == 1000)
            #expect(counts?.2 == 1, "no job was claimed twice")
            let (_, credits) = try await cluster.apis[1].send("GET", "/api/v1/credits", token: token)
            #expect(credits.contains(#""balance":4000"#), "one credit charged per job: \(credits)")
            try await Self.checkBooks(cluster)
        }
    }

    @Test("kill -9 of a worker process mid-run: its leased jobs finish on the other after the lease runs out",
          .enabled(if: AtelierCluster.skipReason == nil, "needs PostgreSQL (ATELIER_TEST_DATABASE_URL): several processes share one database"))
    func killedWorker() async throws {
        try await AtelierCluster.with(apis: 1, workers: 2, environment: [
            "ATELIER_FREE_CREDITS": "1000", "ATELIER_STANDARD_WORKERS": "2", "ATELIER_JOB_LEASE_SECONDS": "3",
        ]) { cluster in
            let token = try await cluster.apis[0].register(email: "killed@example.com")
            let answers = try await Self.create(60, json: #"{"processor":"dev.sleep","params":{"ms":400}}"#, on: cluster.apis, token: token)
            #expect(answers.filter { $0.0 == 202 }.count == 60)
            let victim = cluster.workers[0]
            let pid = victim.process.processIdentifier
            // Kill once the victim holds a job (the workers are under way).
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline, try await cluster.query({ db in
                try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running' AND lease_owner LIKE \(bind: "\(pid).%")").first()?
                    .decode(column: "n", as: Int.self)
            }) == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(pid, SIGKILL)
            // Now that it is dead, the jobs still leased to it are exactly the ones it left behind.
            try await Task.sleep(for: .milliseconds(200))
            let orphans = try await cluster.query { db in
                try await db.raw("SELECT id FROM jobs WHERE state = 'running' AND lease_owner LIKE \(bind: "\(pid).%")").all()
                    .map { try $0.decode(column: "id", as: String.self) }
            }
            #expect(!orphans.isEmpty, "the worker was killed holding jobs")
            #expect(try await cluster.waitUntilIdle(), "every job ended")
            let states = try await cluster.query { db in
                try await db.raw("SELECT id, state, attempts FROM jobs").all().map {
                    (try $0.decode(column: "id", as: String.self), try $0.decode(column: "state", as: String.self), try $0.decode(column: "attempts", as: Int.self))
                }
            }
            #expect(states.count == 60 && states.allSatisfy { $0.1 == "succeeded" })
            for orphan in orphans {
                #expect(states.first { $0.0 == orphan }?.2 == 2, "job \(orphan) ran again elsewhere after its lease ran out")
            }
            try await Self.checkBooks(cluster)
        }
    }

    @Test("a WebSocket client on API process A sees every event of a job created on B and run by a worker process",
          .enabled(if: AtelierCluster.skipReason == nil, "needs PostgreSQL (ATELIER_TEST_DATABASE_URL): several processes share one database"))
    func eventsCrossProcesses() async throws {
        try await AtelierCluster.with(apis: 2, workers: 1, environment: ["ATELIER_FREE_CREDITS": "10"]) { cluster in
            let (a, b) = (cluster.apis[0], cluster.apis[1])
            let token = try await a.register(email: "events@example.com")
            let socket = JobSocketTests.Messages()
            let listener = Task {
                try await JobSocketTests.listen("ws://127.0.0.1:\(a.port)/api/v1/events", headers: [.authorization: "Bearer \(token)"], into: socket)
            }
            defer { listener.cancel() }
            for _ in 0..<1200 where await !socket.connected { try await Task.sleep(for: .milliseconds(50)) }
            #expect(await socket.connected)
            // Ten progress steps, 150 ms apart.
            let (status, body) = try await b.send("POST", "/api/v1/jobs", token: token, json: #"{"processor":"dev.sleep","params":{"ms":1500}}"#,
                                                  headers: ["Idempotency-Key": "cross"])
            #expect(status == 202)
            let id = try #require(body.firstMatch(of: /"id":"([0-9a-f-]{36})"/).map { String($0.1) })
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline, await !socket.hasEnded(jobID: id) {
                try await Task.sleep(for: .milliseconds(100))
            }
            let stored = try await cluster.query { db in
                try await db.raw("SELECT sequence FROM job_events WHERE job_id = \(bind: id) ORDER BY sequence").all()
                    .map { try $0.decode(column: "sequence", as: Int64.self) }
            }
            let seen = await socket.sequences(jobID: id)
            #expect(stored.count >= 12, "queued, running, ten steps and the end were recorded: \(stored.count)")
            #expect(seen == stored, "A's socket saw every event B and the worker recorded, in order")
        }
    }

    @Test("when an API process's LISTEN connection drops, it reconnects and its streams miss no event",
          .enabled(if: AtelierCluster.skipReason == nil, "needs PostgreSQL (ATELIER_TEST_DATABASE_URL): several processes share one database"))
    func listenReconnects() async throws {
        try await AtelierCluster.with(apis: 2, workers: 0, environment: ["ATELIER_FREE_CREDITS": "10"]) { cluster in
            let (a, b) = (cluster.apis[0], cluster.apis[1])
            let token = try await a.register(email: "reconnect@example.com")
            let socket = JobSocketTests.Messages()
            let listener = Task {
                try await JobSocketTests.listen("ws://127.0.0.1:\(a.port)/api/v1/events", headers: [.authorization: "Bearer \(token)"], into: socket)
            }
            defer { listener.cancel() }
            for _ in 0..<1200 where await !socket.connected { try await Task.sleep(for: .milliseconds(50)) }
            // Ends every LISTEN connection of the database (both processes'), as a network
            // failure or a restart of PostgreSQL would; jobs created at once fall in the gap.
            let ended = try await cluster.query { db in
                try await db.raw("""
                    SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%atelier_job_events%'
                    """).first()?.decode(column: "n", as: Int.self)
            }
            #expect(ended == 2, "each API process had one LISTEN connection")
            var ids: [String] = []
            for index in 0..<3 {
                let (status, body) = try await b.send("POST", "/api/v1/jobs", token: token, json: Self.noOp, headers: ["Idempotency-Key": "gap-\(index)"])
                #expect(status == 202)
                ids += body.firstMatch(of: /"id":"([0-9a-f-]{36})"/).map { [String($0.1)] } ?? []
                try await Task.sleep(for: .milliseconds(300))
            }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, await socket.missing(ids) {
                try await Task.sleep(for: .milliseconds(100))
            }
            for id in ids { #expect(await socket.sequences(jobID: id).count == 1, "A's socket got job \(id)'s queued event once") }
        }
    }

    @Test("concurrent charges from two API processes never drive a balance negative",
          .enabled(if: AtelierCluster.skipReason == nil, "needs PostgreSQL (ATELIER_TEST_DATABASE_URL): several processes share one database"))
    func concurrentCharges() async throws {
        // No workers: nothing ends (or refunds) while the charges race.
        try await AtelierCluster.with(apis: 2, workers: 0, environment: ["ATELIER_FREE_CREDITS": "25"]) { cluster in
            let token = try await cluster.apis[0].register(email: "charges@example.com")
            let answers = try await Self.create(80, json: Self.noOp, on: cluster.apis, token: token, concurrency: 16)
            #expect(answers.filter { $0.0 == 202 }.count == 25, "as many accepted as the balance pays for")
            #expect(answers.filter { $0.0 == 402 }.count == 55, "the rest refused with INSUFFICIENT_CREDITS")
            let (_, credits) = try await cluster.apis[1].send("GET", "/api/v1/credits", token: token)
            #expect(credits.contains(#""balance":0"#), "\(credits)")
            let jobs = try await cluster.query { db in
                try await db.raw("SELECT COUNT(*) AS n FROM jobs").first()?.decode(column: "n", as: Int.self)
            }
            #expect(jobs == 25)
            try await Self.checkBooks(cluster)
        }
    }
}

extension JobSocketTests.Messages {
    func hasEnded(jobID: String) -> Bool {
        all.contains { $0["job_id"] as? String == jobID && $0["state"] as? String == "succeeded" }
    }

    func missing(_ jobIDs: [String]) -> Bool {
        jobIDs.contains { id in !all.contains { $0["job_id"] as? String == id } }
    }

    func sequences(jobID: String) -> [Int64] {
        all.filter { $0["job_id"] as? String == jobID }.compactMap { ($0["sequence"] as? NSNumber)?.int64Value }
    }
}
