import Foundation

/// What one host's robots.txt lets our crawler fetch (RFC 9309). The groups naming our agent token
/// apply (merged when several do); only when none does, the `*` groups. The longest matching
/// pattern decides, Allow winning a tie; `*` matches any run of characters and a final `$` anchors
/// the end of the path.
public struct RobotsRules: Sendable, Equatable {
    struct Rule: Sendable, Equatable {
        let allow: Bool
        /// Percent-encoded bytes, as they are compared against a URL's path.
        let pattern: [UInt8]
    }

    let rules: [Rule]
    /// The wait between requests the site asks for, if any.
    public let crawlDelay: Duration?

    init(rules: [Rule], crawlDelay: Duration?) {
        self.rules = rules
        self.crawlDelay = crawlDelay
    }

    public static let allowAll = RobotsRules(rules: [], crawlDelay: nil)
    public static let disallowAll = RobotsRules(rules: [Rule(allow: false, pattern: Array("/".utf8))], crawlDelay: nil)

    /// `agent` is our product token, e.g. "AtelierBot" (compared case-insensitively).
    public init(parsing text: String, agent: String) {
        let groups = Self.groups(in: text)
        let token = agent.lowercased()
        var chosen = groups.filter { $0.agents.contains(token) }
        if chosen.isEmpty { chosen = groups.filter { $0.agents.contains("*") } }
        self.init(rules: chosen.flatMap(\.rules), crawlDelay: chosen.lazy.compactMap(\.crawlDelay).first)
    }

    public func allows(_ url: URL) -> Bool {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return false }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        return allows(path: path)
    }

    /// `path` as it appears in the URL: percent-encoded, with the query if any.
    public func allows(path: String) -> Bool {
        if path == "/robots.txt" { return true }
        let target = Self.normalise(path)
        var best: Rule?
        for rule in rules where Self.matches(rule.pattern, target) {
            guard let current = best else {
                best = rule
                continue
            }
            if rule.pattern.count > current.pattern.count || (rule.pattern.count == current.pattern.count && rule.allow) {
                best = rule
            }
        }
        return best?.allow ?? true
    }

    private struct Group {
        var agents: [String] = []
        var rules: [Rule] = []
        var crawlDelay: Duration?
    }

    private static func groups(in text: String) -> [Group] {
        var groups: [Group] = []
        var lastWasAgent = false
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.prefix { $0 != "#" }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon]).trimmedWhitespace.lowercased()
            let value = String(line[line.index(after: colon)...]).trimmedWhitespace
            if key == "user-agent" {
                if !lastWasAgent || groups.isEmpty { groups.append(Group()) }
                // "AtelierBot/1.0" names the product token "atelierbot".
                let token = value.prefix { $0 != "/" && !$0.isWhitespace }.lowercased()
                groups[groups.count - 1].agents.append(token)
                lastWasAgent = true
                continue
            }
            lastWasAgent = false
            guard !groups.isEmpty else { continue }
            switch key {
            case "allow", "disallow":
                // An empty pattern matches nothing: "Disallow:" allows everything.
                guard !value.isEmpty else { continue }
                groups[groups.count - 1].rules.append(Rule(allow: key == "allow", pattern: normalise(value)))
            case "crawl-delay":
                if let seconds = Double(value), seconds.isFinite, seconds >= 0 {
                    groups[groups.count - 1].crawlDelay = .milliseconds(Int64(min(seconds, 86_400) * 1000))
                }
            default:
                continue
            }
        }
        return groups
    }

    /// Bytes outside printable ASCII are percent-encoded and escapes uppercased, so "/ü", "/%c3%bc"
    /// and "/%C3%BC" compare equal.
    static func normalise(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "%"), index + 2 < input.count,
               let hex = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16) {
                bytes += Array(String(format: "%%%02X", hex).utf8)
                index += 3
                continue
            }
            if byte > 0x20 && byte < 0x7F { bytes.append(byte) } else { bytes += Array(String(format: "%%%02X", byte).utf8) }
            index += 1
        }
        return bytes
    }

    /// Whether `pattern` matches the start of `path` (or all of it, with a final `$`).
    static func matches(_ pattern: [UInt8], _ path: [UInt8]) -> Bool {
        var pattern = pattern
        let anchored = pattern.last == UInt8(ascii: "$")
        if anchored { pattern.removeLast() } else { pattern.append(UInt8(ascii: "*")) }
        let star = UInt8(ascii: "*")
        // Wildcard matching with backtracking to the last star: O(pattern × path) at worst.
        var p = 0, s = 0
        var starAt: Int?, starPath = 0
        while s < path.count {
            if p < pattern.count, pattern[p] != star, pattern[p] == path[s] {
                p += 1
                s += 1
            } else if p < pattern.count, pattern[p] == star {
                starAt = p
                starPath = s
                p += 1
            } else if let star = starAt {
                p = star + 1
                starPath += 1
                s = starPath
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}
