import Foundation

/// Photo uploads and their metadata.
public struct MediaAPI: Sendable {
    let core: HTTPCore

    /// Uploads a photo (JPEG, PNG, WebP, HEIC or AVIF, judged by its bytes).
    /// - Parameter progress: Called with the fraction sent (0…1) as the upload goes.
    /// - Returns: The media, with `duplicate` set when the same bytes were uploaded before.
    public func upload(_ data: Data, progress: (@Sendable (Double) -> Void)? = nil) async throws -> Media {
        var request = APIRequest("POST", "/media")
        request.body = data
        request.contentType = "application/octet-stream"
        return try Coding.data(Media.self, from: try await core.send(request, progress: progress).body)
    }

    /// Uploads a photo and reports its progress as a stream of fractions, then the media.
    public func uploadUpdates(_ data: Data) -> AsyncThrowingStream<UploadEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let media = try await upload(data) { continuation.yield(.progress($0)) }
                    continuation.yield(.finished(media))
                    continuation.finish()
                } catch { continuation.finish(throwing: error) }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A page of the caller's media, newest first; pass `nextCursor` back for the next one.
    public func list(limit: Int? = nil, cursor: String? = nil) async throws -> Page<Media> {
        try await core.page(APIRequest("GET", "/media", query: pageQuery(limit: limit, cursor: cursor)))
    }

    /// One media's metadata (ETag-cached).
    public func get(_ id: String) async throws -> Media {
        var request = APIRequest("GET", "/media/\(id)")
        request.cacheable = true
        return try await core.data(request)
    }

    /// Deletes a media and its variants.
    public func delete(_ id: String) async throws {
        _ = try await core.send(APIRequest("DELETE", "/media/\(id)"))
    }
}

/// What `MediaAPI.uploadUpdates(_:)` reports.
public enum UploadEvent: Sendable {
    case progress(Double)
    case finished(Media)
}

func pageQuery(limit: Int?, cursor: String?) -> [URLQueryItem] {
    var items: [URLQueryItem] = []
    if let limit { items.append(.init(name: "limit", value: String(limit))) }
    if let cursor { items.append(.init(name: "cursor", value: cursor)) }
    return items
}
