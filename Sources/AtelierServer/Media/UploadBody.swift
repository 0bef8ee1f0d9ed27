import AtelierCore
import Foundation
import HTTPTypes
import Hummingbird

/// Reads an upload: a `multipart/form-data` field named `file`, or the raw body. The byte limit is
/// enforced while the body streams in, so nothing beyond it is ever buffered.
enum UploadBody {
    /// Room for multipart boundaries and part headers on top of the file itself.
    static let framingAllowance = 64 * 1024

    static func read(_ request: Request, maxFileBytes: Int) async throws -> Data {
        let limit = maxFileBytes + framingAllowance
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw AtelierError.payloadTooLarge(limit: maxFileBytes)
        }
        var body = Data()
        for try await chunk in request.body {
            guard body.count + chunk.readableBytes <= limit else { throw AtelierError.payloadTooLarge(limit: maxFileBytes) }
            body.append(contentsOf: chunk.readableBytesView)
        }
        let contentType = request.headers[.contentType] ?? ""
        let file: Data
        if contentType.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = Multipart.boundary(contentType) else { throw AtelierError.badRequest("The multipart body has no boundary.") }
            guard let part = Multipart.field(named: "file", in: body, boundary: boundary) else {
                throw AtelierError.validation("The multipart body has no `file` field.", field: "file")
            }
            file = part
        } else {
            file = body
        }
        guard file.count <= maxFileBytes else { throw AtelierError.payloadTooLarge(limit: maxFileBytes) }
        return file
    }
}

/// Just enough of RFC 7578 to take one named field out of a buffered body.
enum Multipart {
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(value.count) ? value : nil
            }
        }
        return nil
    }

    static func field(named name: String, in body: Data, boundary: String) -> Data? {
        let delimiter = Data("--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else { return nil }
        while cursor < body.endIndex {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { return nil }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            let headersStart = cursor + 2
            // A part with no headers has its blank line right away.
            let headersEnd = body[headersStart...].starts(with: Data("\r\n".utf8))
                ? headersStart..<headersStart + 2
                : body.range(of: headerEnd, in: headersStart..<body.endIndex)
            guard let headersEnd,
                  let next = body.range(of: Data("\r\n".utf8) + delimiter, in: headersEnd.upperBound..<body.endIndex)
            else { return nil }
            let headers = String(decoding: body[headersStart..<headersEnd.lowerBound], as: UTF8.self)
            if fieldName(headers) == name { return Data(body[headersEnd.upperBound..<next.lowerBound]) }
            cursor = next.upperBound
        }
        return nil
    }

    private static func fieldName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for parameter in line.split(separator: ";") {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "name" {
                    return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
        }
        return nil
    }
}
