import AtelierCore
import Foundation

/// Listing the bucket, for the orphan sweep: blobs a crashed process wrote but never recorded,
/// and multipart uploads it never finished (their parts are stored, and billed, until aborted).
/// Both stay within the store's `prefix`, so stores sharing a bucket never sweep each other.
extension S3BlobStore: SweepableBlobStore {
    /// A page of a listing is at most 1,000 entries of well under 1 KB each.
    static let maxListingBytes = 4 << 20

    public func keys(prefix: String, writtenBefore date: Date) async throws -> [String] {
        var keys: [String] = []
        var query = ["list-type": "2", "prefix": location.prefix + prefix]
        while true {
            let xml = try await xmlBody(of: try await send(.GET, path: location.bucketPath, query: query), upTo: Self.maxListingBytes)
            for entry in XMLText.elements("Contents", in: xml) {
                guard let key = XMLText.first("Key", in: entry).flatMap(storeKey),
                      let written = XMLText.first("LastModified", in: entry).flatMap(Self.date), written < date else { continue }
                keys.append(key)
            }
            guard XMLText.first("IsTruncated", in: xml) == "true", let next = XMLText.first("NextContinuationToken", in: xml) else { return keys }
            query["continuation-token"] = next
        }
    }

    public func removeAbandonedWrites(before date: Date) async throws -> Int {
        var aborted = 0
        var query = ["uploads": "", "prefix": location.prefix]
        while true {
            let xml = try await xmlBody(of: try await send(.GET, path: location.bucketPath, query: query), upTo: Self.maxListingBytes)
            for entry in XMLText.elements("Upload", in: xml) {
                guard let key = XMLText.first("Key", in: entry).flatMap(storeKey), let uploadID = XMLText.first("UploadId", in: entry),
                      let started = XMLText.first("Initiated", in: entry).flatMap(Self.date), started < date else { continue }
                try await abortMultipartUpload(key: key, uploadID: uploadID)
                aborted += 1
            }
            guard XMLText.first("IsTruncated", in: xml) == "true", let key = XMLText.first("NextKeyMarker", in: xml) else { return aborted }
            query["key-marker"] = key
            query["upload-id-marker"] = XMLText.first("NextUploadIdMarker", in: xml) ?? ""
        }
    }

    /// The store's own key for a bucket key: without the location's prefix.
    private func storeKey(_ bucketKey: String) -> String? {
        guard bucketKey.hasPrefix(location.prefix), bucketKey.count > location.prefix.count else { return nil }
        return String(bucketKey.dropFirst(location.prefix.count))
    }

    /// S3 writes `2026-12-05T08:30:00.000Z`; some compatible servers leave out the milliseconds.
    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
