import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// Token buckets, one per key (a user, or a client IP when nobody is signed in): `limit`
/// requests, refilled evenly over `window`. In-process: each API process counts on its own.
actor TokenBuckets {
    struct Verdict {
        let allowed: Bool
        let remaining: Int
        /// Seconds until the bucket is full again (RateLimit-Reset), or until one token (Retry-After).
        let reset: Int
        let retryAfter: Int
    }

    private let limit: Double
    private let window: Double
    private var buckets: [String: (tokens: Double, at: Date)] = [:]
    private var lastPrune = Date()

    init(limit: Int, window: TimeInterval) {
        self.limit = Double(max(1, limit))
        self.window = window
    }

    func take(_ key: String, now: Date = Date()) -> Verdict {
        let rate = limit / window
        var (tokens, at) = buckets[key] ?? (limit, now)
        tokens = min(limit, tokens + now.timeIntervalSince(at) * rate)
        let allowed = tokens >= 1
        if allowed { tokens -= 1 }
        buckets[key] = (tokens, now)
        // Full buckets need no memory; forget them once per window, not on every request.
        if now.timeIntervalSince(lastPrune) > window {
            buckets = buckets.filter { now.timeIntervalSince($0.value.at) < window }
            lastPrune = now
        }
        return Verdict(allowed: allowed, remaining: Int(tokens), reset: Int(((limit - tokens) / rate).rounded(.up)),
                       retryAfter: max(1, Int(((1 - tokens) / rate).rounded(.up))))
    }
}

struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AtelierContext
    let buckets: TokenBuckets
    let limit: Int
    let scope: String

    init(limit: Int, perSeconds window: TimeInterval, scope: String) {
        buckets = TokenBuckets(limit: limit, window: window)
        self.limit = limit
        self.scope = scope
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let key = context.userID.map { "user:" + $0 } ?? "ip:" + context.clientIP
        let verdict = await buckets.take(key)
        let headers = ["RateLimit-Limit": String(limit), "RateLimit-Remaining": String(verdict.remaining), "RateLimit-Reset": String(verdict.reset)]
        guard verdict.allowed else {
            var error = AtelierError.throttled("RATE_LIMITED", retryAfter: verdict.retryAfter, "Too many \(scope) requests; slow down.")
            error.headers.merge(headers) { $1 }
            throw error
        }
        var response = try await next(request, context)
        // A stricter limit further in (job creation) has already said its own numbers.
        for (name, value) in headers where response.headers[HTTPField.Name(name)!] == nil {
            response.headers[HTTPField.Name(name)!] = value
        }
        return response
    }
}
