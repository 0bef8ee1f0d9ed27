import Foundation
import NIOHTTP1

/// Multipart upload, for bodies above `multipartThreshold`: S3 takes at most 5 GB in one PUT,
/// and a failed part is retried alone rather than the whole body.
extension S3BlobStore {
    /// Parts in flight at once: enough to hide a round trip, few enough not to hog the client.
    static let partConcurrency = 4

    func putMultipart(_ data: Data, key: String) async throws {
        let uploadID = try await createMultipartUpload(key: key)
        do {
            let etags = try await uploadParts(data, key: key, uploadID: uploadID)
            try await completeMultipartUpload(key: key, uploadID: uploadID, etags: etags)
        } catch {
            // Stored parts are kept (and billed) until the upload is aborted. A new task, so the
            // abort still goes out when this one was cancelled.
            await Task { try? await abortMultipartUpload(key: key, uploadID: uploadID) }.value
            throw error
        }
    }

    func createMultipartUpload(key: String) async throws -> String {
        let response = try await send(.POST, key: key, query: ["uploads": ""])
        let xml = try await xmlBody(of: response)
        guard let uploadID = XMLText.first("UploadId", in: xml), !uploadID.isEmpty else {
            throw S3Error.malformed("CreateMultipartUpload answered without an UploadId.", status: Int(response.status.code))
        }
        return uploadID
    }

    /// The parts' ETags, in part order.
    func uploadParts(_ data: Data, key: String, uploadID: String) async throws -> [String] {
        let starts = Array(stride(from: data.startIndex, to: data.endIndex, by: partSize))
        guard starts.count <= 10_000 else {
            throw S3ConfigurationError("\(data.count) bytes need more than S3's 10,000 parts of \(partSize) bytes.")
        }
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var etags = [String](repeating: "", count: starts.count)
            for (index, start) in starts.enumerated() {
                if index >= Self.partConcurrency, let finished = try await group.next() { etags[finished.0] = finished.1 }
                let part = data[start..<min(start + partSize, data.endIndex)]
                group.addTask {
                    (index, try await uploadPart(part, number: index + 1, key: key, uploadID: uploadID))
                }
            }
            for try await (done, etag) in group { etags[done] = etag }
            return etags
        }
    }

    func uploadPart(_ part: Data, number: Int, key: String, uploadID: String) async throws -> String {
        let response = try await send(
            .PUT, key: key, query: ["partNumber": String(number), "uploadId": uploadID], body: part)
        try await expectSuccess(response)
        guard let etag = response.headers.first(name: "etag"), !etag.isEmpty else {
            throw S3Error.malformed("UploadPart \(number) answered without an ETag.", status: Int(response.status.code))
        }
        return etag
    }

    func completeMultipartUpload(key: String, uploadID: String, etags: [String]) async throws {
        let parts = etags.enumerated().map { index, etag in
            "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(XMLText.escape(etag))</ETag></Part>"
        }
        let xml = "<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>"
        let response = try await send(.POST, key: key, query: ["uploadId": uploadID], body: Data(xml.utf8))
        // S3 may answer 200 and still fail, with an <Error> document in the body.
        _ = try await xmlBody(of: response)
    }

    func abortMultipartUpload(key: String, uploadID: String) async throws {
        let response = try await send(.DELETE, key: key, query: ["uploadId": uploadID])
        try await expectSuccess(response)
    }
}
