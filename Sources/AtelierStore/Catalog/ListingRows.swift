import AtelierCore
import Foundation
import NIOCore
import SQLKit

/// Turning listing rows into listings, and vectors into bytes (little-endian Float32).
enum ListingRows {
    static func listing(_ row: any SQLRow) throws -> Listing {
        let urls = (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "image_urls", as: String.self).utf8))) ?? []
        let draft = ListingDraft(
            marketplace: try row.decode(column: "marketplace", as: String.self),
            externalID: try row.decode(column: "external_id", as: String.self),
            title: try row.decode(column: "title", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            brand: try row.decode(column: "brand", as: String?.self),
            category: try row.decode(column: "category", as: String?.self),
            size: try row.decode(column: "size", as: String?.self),
            condition: try row.decode(column: "condition", as: String?.self),
            priceMinor: try row.decode(column: "price_minor", as: Int64.self),
            currency: try row.decode(column: "currency", as: String.self),
            url: try row.decode(column: "url", as: String?.self).flatMap(URL.init(string:)),
            deepLink: try row.decode(column: "deep_link", as: String?.self).flatMap(URL.init(string:)),
            imageURLs: urls.compactMap(URL.init(string:)),
            seller: try row.decode(column: "seller", as: String?.self))
        return Listing(
            id: try row.decode(column: "id", as: String.self),
            draft: draft,
            mediaID: try row.decode(column: "media_id", as: String?.self),
            imageState: Listing.ImageState(rawValue: try row.decode(column: "image_state", as: String.self)) ?? .failed,
            imageError: try row.decode(column: "image_error", as: String?.self),
            firstSeen: Date(millis: try row.decode(column: "first_seen", as: Int64.self)),
            lastSeen: Date(millis: try row.decode(column: "last_seen", as: Int64.self)),
            removed: try row.decode(column: "removed", as: Int.self) != 0,
            revision: try row.decode(column: "revision", as: Int64.self))
    }

    static func imageURLs(_ draft: ListingDraft) -> String {
        let text = (try? JSONEncoder().encode(draft.imageURLs.map(\.absoluteString))) ?? Data("[]".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    static func bytes(_ vector: [Float]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: vector.count * 4)
        for value in vector { buffer.writeInteger(value.bitPattern, endianness: .little) }
        return buffer
    }

    static func vector(_ buffer: ByteBuffer) -> [Float] {
        var buffer = buffer
        var values: [Float] = []
        values.reserveCapacity(buffer.readableBytes / 4)
        while let bits = buffer.readInteger(endianness: .little, as: UInt32.self) { values.append(Float(bitPattern: bits)) }
        return values
    }
}
