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

    /// Throws 429 LOGIN_THROTTLED while either key is over its limit; otherwise counts this attempt
    /// as a failure until `succeeded` says otherwise. Check and count are one step, so parallel
    /// guesses cannot all pass the check before any of them is counted.
    public func reserve(email: String, ip: String, now: Date = Date()) throws(AtelierError) {
        let keys = [("account:" + email, limits.perAccount), ("ip:" + ip, limits.perIP)]
        for (key, limit) in keys {
            let recent = prune(key, now: now)
            if recent.count >= limit, let oldest = recent.first {
                let wait = Int((oldest.addingTimeInterval(limits.window).timeIntervalSince(now)).rounded(.up))
                throw .throttled("LOGIN_THROTTLED", retryAfter: max(1, wait), "Too many failed sign-ins; try again later.")
            }
        }
        for (key, _) in keys { failures[key, default: []].append(now) }
    }

    /// A right password clears the account's failures and takes back this attempt's count for the IP.
    public func succeeded(email: String, ip: String) {
        failures["account:" + email] = nil
        if var recent = failures["ip:" + ip], !recent.isEmpty {
            recent.removeLast()
            failures["ip:" + ip] = recent.isEmpty ? nil : recent
        }
    }

    private func prune(_ key: String, now: Date) -> [Date] {
        let cutoff = now.addingTimeInterval(-limits.window)
        let recent = (failures[key] ?? []).filter { $0 > cutoff }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}
