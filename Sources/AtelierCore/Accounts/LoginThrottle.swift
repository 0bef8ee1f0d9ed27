import Foundation

/// Counts failed logins per account and per client IP in a sliding window, so a password can't be
/// guessed quickly from one address or against one account from many. In-process: each API
/// process throttles on its own.
public actor LoginThrottle {
    public struct Limits: Sendable {
        public var perAccount: Int
        public var perIP: Int
        public var window: TimeInterval

        public init(perAccount: Int = 5, perIP: Int = 20, window: TimeInterval = 15 * 60) {
            self.perAccount = perAccount
            self.perIP = perIP
            self.window = window
        }
    }

    private let limits: Limits
    private var failures: [String: [Date]] = [:]

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Throws 429 LOGIN_THROTTLED while either key is over its limit.
    public func check(email: String, ip: String, now: Date = Date()) throws(AtelierError) {
        for (key, limit) in [("account:" + email, limits.perAccount), ("ip:" + ip, limits.perIP)] {
            let recent = prune(key, now: now)
            if recent.count >= limit, let oldest = recent.first {
                let wait = Int((oldest.addingTimeInterval(limits.window).timeIntervalSince(now)).rounded(.up))
                throw .throttled("LOGIN_THROTTLED", retryAfter: max(1, wait), "Too many failed sign-ins; try again later.")
            }
        }
    }

    public func recordFailure(email: String, ip: String, now: Date = Date()) {
        for key in ["account:" + email, "ip:" + ip] {
            failures[key, default: []].append(now)
        }
    }

    public func recordSuccess(email: String) {
        failures["account:" + email] = nil
    }

    private func prune(_ key: String, now: Date) -> [Date] {
        let cutoff = now.addingTimeInterval(-limits.window)
        let recent = (failures[key] ?? []).filter { $0 > cutoff }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}
