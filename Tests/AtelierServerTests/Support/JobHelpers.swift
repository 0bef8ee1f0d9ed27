import Foundation
@testable import AtelierServer

extension APIClient {
    func createJob(_ body: [String: Any], token: String, key: String = UUID().uuidString) async throws -> APIResponse {
        try await request(.post, "/api/v1/jobs", json: body, token: token, headers: ["Idempotency-Key": key])
    }

    /// Long-polls until the job is terminal (or 30 s pass) and returns it.
    func waitForJob(_ id: String, token: String) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(30)
        var job: [String: Any] = [:]
        while Date() < deadline {
            let response = try await request(.get, "/api/v1/jobs/\(id)?wait=5", token: token)
            job = response.data
            if ["succeeded", "failed", "canceled"].contains(job["state"] as? String ?? "") { return job }
        }
        throw TestFailure("job \(id) did not finish: \(job)")
    }

    /// Balance and ledger deltas, checking on the way that the balance is the ledger's sum.
    func credits(token: String) async throws -> (balance: Int, ledger: [[String: Any]]) {
        let response = try await request(.get, "/api/v1/credits?limit=100", token: token)
        let balance = response.data["balance"] as? Int ?? -1
        let ledger = response.data["ledger"] as? [[String: Any]] ?? []
        let sum = ledger.compactMap { $0["delta"] as? Int }.reduce(0, +)
        guard sum == balance else { throw TestFailure("balance \(balance) is not the ledger's sum \(sum)") }
        return (balance, ledger)
    }
}
