// AtelierKit's cost per call over a raw URLSession request: the same authenticated GET
// (`/api/v1/credits?limit=1`, never ETag-cached by the SDK) a thousand times each, interleaved so
// that drift in the machine's load hits both alike; prints the medians and their difference.
// Needs a running server: ATELIER_URL (Benchmarks/kit_overhead.py starts one and runs this).
import AtelierKit
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let calls = Int(ProcessInfo.processInfo.environment["ATELIER_BENCH_CALLS"] ?? "") ?? 1000
guard let base = ProcessInfo.processInfo.environment["ATELIER_URL"].flatMap(URL.init(string:)) else {
    FileHandle.standardError.write(Data("Set ATELIER_URL to a running atelier server (Benchmarks/kit_overhead.py does).\n".utf8))
    exit(2)
}
let session = URLSession(configuration: .ephemeral)

/// What the raw side decodes: the same envelope and fields the SDK decodes into `Credits`.
struct RawEnvelope: Decodable {
    struct Entry: Decodable { let id: String; let delta: Int; let reason: String; let jobId: String?; let balanceAfter: Int; let createdAt: String }
    struct Body: Decodable { let balance: Int; let ledger: [Entry] }
    let data: Body
}

func rawToken(_ base: URL, _ session: URLSession) async throws -> String {
    var request = URLRequest(url: base.appendingPathComponent("api/v1/auth/register"))
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = try JSONSerialization.data(withJSONObject: ["email": "raw-\(UUID().uuidString)@example.com", "password": "correct horse battery"])
    let (data, _) = try await session.data(for: request)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    guard let token = (object?["data"] as? [String: Any])?["access_token"] as? String else { throw URLError(.userAuthenticationRequired) }
    return token
}

/// One decoder for every raw call, as the SDK keeps one.
enum Raw {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}

func rawCall(_ base: URL, _ session: URLSession, _ token: String) async throws -> Int {
    var components = URLComponents(url: base.appendingPathComponent("api/v1/credits"), resolvingAgainstBaseURL: false)!
    components.queryItems = [URLQueryItem(name: "limit", value: "1")]
    var request = URLRequest(url: components.url!)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    request.setValue("application/json", forHTTPHeaderField: "Accept")
    let (data, response) = try await session.data(for: request)
    guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw URLError(.badServerResponse) }
    return try Raw.decoder.decode(RawEnvelope.self, from: data).data.balance
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

let client = AtelierClient(baseURL: base, session: session)
_ = try await client.auth.register(email: "kit-\(UUID().uuidString)@example.com", password: "correct horse battery")
let token = try await rawToken(base, session)
let clock = ContinuousClock()
var kit: [Double] = [], raw: [Double] = []
for index in 0..<(calls + 50) {
    let start = clock.now
    let kitBalance = try await client.credits.get(limit: 1).balance
    let middle = clock.now
    let rawBalance = try await rawCall(base, session, token)
    let end = clock.now
    precondition(kitBalance == rawBalance, "the two accounts should hold the same welcome credits")
    guard index >= 50 else { continue }  // warm-up: connections, caches, lazy set-up
    kit.append(microseconds(middle - start))
    raw.append(microseconds(end - middle))
}
let kitMedian = median(kit), rawMedian = median(raw)
print("GET /api/v1/credits?limit=1 on loopback, \(calls) calls each, interleaved (µs):")
print(String(format: "  raw URLSession + JSONDecoder  median %8.1f  p90 %8.1f", rawMedian, raw.sorted()[raw.count * 9 / 10]))
print(String(format: "  AtelierKit credits.get        median %8.1f  p90 %8.1f", kitMedian, kit.sorted()[kit.count * 9 / 10]))
print(String(format: "AtelierKit overhead per call (median difference): %.1f µs (%.1f %%)", kitMedian - rawMedian, (kitMedian / rawMedian - 1) * 100))
