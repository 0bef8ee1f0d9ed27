import Foundation

/// One page of a newest-first list and the opaque cursor for the next page (nil on the last).
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// `?limit=` and `?cursor=` as the API takes them (limit 1…100, default 20). The cursor is the
/// last id of the previous page, base64url-encoded so clients treat it as opaque.
public struct PageRequest: Sendable {
    public let limit: Int
    public let afterID: String?

    public init(limit: Int? = nil, cursor: String? = nil) throws(AtelierError) {
        let limit = limit ?? 20
        guard (1...100).contains(limit) else { throw .validation("limit must be between 1 and 100.", field: "limit") }
        self.limit = limit
        if let cursor {
            guard let id = Self.decode(cursor) else { throw .validation("cursor is not valid.", field: "cursor") }
            self.afterID = id
        } else {
            self.afterID = nil
        }
    }

    /// Builds the page from up to `limit + 1` rows fetched newest first.
    public func page<Item>(from rows: [Item], id: (Item) -> String) -> Page<Item> {
        guard rows.count > limit else { return Page(items: rows, nextCursor: nil) }
        let items = Array(rows.prefix(limit))
        return Page(items: items, nextCursor: items.last.map { Self.encode(id($0)) })
    }

    static func encode(_ id: String) -> String {
        Base64URL.encode(Data(id.utf8))
    }

    static func decode(_ cursor: String) -> String? {
        guard let data = Base64URL.decode(cursor), let id = String(data: data, encoding: .utf8),
              Identifier.isWellFormed(id) else { return nil }
        return id
    }
}
