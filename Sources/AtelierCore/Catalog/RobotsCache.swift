/// Each origin's robots.txt, fetched once per crawl; concurrent callers for one origin share the fetch.
actor RobotsCache {
    private var entries: [String: Task<RobotsRules, Never>] = [:]

    func rules(for origin: String, load: @escaping @Sendable () async -> RobotsRules) async -> RobotsRules {
        if let entry = entries[origin] { return await entry.value }
        let entry = Task { await load() }
        entries[origin] = entry
        return await entry.value
    }
}
