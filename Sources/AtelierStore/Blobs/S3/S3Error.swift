import Foundation

/// A request S3 refused or could not complete: S3's own error `code` (`NoSuchKey`,
/// `SignatureDoesNotMatch`, `AccessDenied`…) and the HTTP status. Responses without an XML body
/// (HEAD, or a proxy in the way) get a code made from the status, like `HTTP503`.
public struct S3Error: Error, Sendable, CustomStringConvertible, Equatable {
    public let status: Int
    public let code: String
    public let message: String
    public let requestID: String?

    public init(status: Int, code: String, message: String, requestID: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// Reads S3's `<Error><Code>…</Code><Message>…</Message>…</Error>` body, when there is one.
    init(status: Int, body: String) {
        self.init(
            status: status,
            code: XMLText.first("Code", in: body) ?? "HTTP\(status)",
            message: XMLText.first("Message", in: body) ?? "S3 answered with HTTP status \(status).",
            requestID: XMLText.first("RequestId", in: body))
    }

    public var description: String {
        "S3 error \(code) (HTTP \(status)): \(message)" + (requestID.map { " [request \($0)]" } ?? "")
    }

    /// Not an S3 answer at all: the response could not be understood.
    static func malformed(_ what: String, status: Int) -> S3Error {
        S3Error(status: status, code: "MalformedResponse", message: what)
    }
}

/// Just enough XML for S3's answers: the text of the first `<Name>` element, and a listing's
/// entries. S3's bodies are machine-written, shallow and free of CDATA, so a full parser would buy
/// nothing here.
enum XMLText {
    static func first(_ name: String, in xml: some StringProtocol) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
              let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return unescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    /// The raw inner text of every `<name>` element, in order (not unescaped: they hold elements).
    static func elements(_ name: String, in xml: String) -> [Substring] {
        var found: [Substring] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            found.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        // `&amp;` last, so `&amp;lt;` becomes `&lt;` and not `<`.
        return text.replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#34;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
