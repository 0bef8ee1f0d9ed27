import Crypto
import Foundation

/// AWS Signature Version 4: the `Authorization` header for a request, or a presigned URL's query.
/// The steps follow AWS's description (canonical request → string to sign → HMAC chain); the unit
/// tests pin each one to AWS's published examples.
public final class SigV4Signer: Sendable {
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// Presigned URLs may live at most 7 days; AWS refuses longer ones.
    public static let maxPresignedLifetime = 7 * 24 * 3600

    let credentials: S3Credentials
    let region: String
    let service: String
    private let keyCache = SigningKeyCache()

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to send: `headers` plus `host`, `x-amz-date`, `x-amz-security-token` when there
    /// is a session token, and `authorization`. Every header passed in is signed, so pass only
    /// those the server will see unchanged. `path` and `query` are raw; they are encoded here the
    /// way the URL must be (see `URIEncoding`).
    public func signedHeaders(
        method: String, host: String, path: String, query: [String: String] = [:],
        headers: [String: String] = [:], payloadHash: String, date: Date = Date()
    ) -> [String: String] {
        let time = AmzTime(date)
        var all = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        all["host"] = host
        all["x-amz-date"] = time.stamp
        if let token = credentials.sessionToken { all["x-amz-security-token"] = token }
        let request = CanonicalRequest(method: method, path: path, query: query, headers: all, payloadHash: payloadHash)
        let signature = sign(request, time: time)
        all["authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(time)), "
            + "SignedHeaders=\(request.signedHeaderNames), Signature=\(signature)"
        return all
    }

    /// The full query string of a presigned URL (including `X-Amz-Signature`) for `path` on
    /// `host`. Only `host` is signed and the payload is not, so anyone holding the URL can use it
    /// with any body until it expires.
    public func presignedQuery(
        method: String, host: String, path: String, query: [String: String] = [:],
        expiresIn seconds: Int, date: Date = Date()
    ) throws -> String {
        guard (1...Self.maxPresignedLifetime).contains(seconds) else {
            throw S3ConfigurationError("A presigned URL must expire within 1 second to 7 days, not \(seconds) s.")
        }
        let time = AmzTime(date)
        var items = query
        items["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256"
        items["X-Amz-Credential"] = "\(credentials.accessKeyID)/\(scope(time))"
        items["X-Amz-Date"] = time.stamp
        items["X-Amz-Expires"] = String(seconds)
        items["X-Amz-SignedHeaders"] = "host"
        if let token = credentials.sessionToken { items["X-Amz-Security-Token"] = token }
        let request = CanonicalRequest(
            method: method, path: path, query: items, headers: ["host": host], payloadHash: Self.unsignedPayload)
        items["X-Amz-Signature"] = sign(request, time: time)
        return URIEncoding.query(items)
    }

    func stringToSign(_ request: CanonicalRequest, time: AmzTime) -> String {
        "AWS4-HMAC-SHA256\n\(time.stamp)\n\(scope(time))\n\(Self.sha256Hex(Data(request.text.utf8)))"
    }

    private func sign(_ request: CanonicalRequest, time: AmzTime) -> String {
        let key = keyCache.key(for: time.day) {
            Self.signingKey(secret: credentials.secretAccessKey, day: time.day, region: region, service: service)
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(request, time: time).utf8), using: key)
        return Self.hex(mac)
    }

    private func scope(_ time: AmzTime) -> String { "\(time.day)/\(region)/\(service)/aws4_request" }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    static func signingKey(secret: String, day: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secret)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }
}

/// The request in the one form both sides compute: method, encoded path, sorted encoded query,
/// lowercased sorted headers with trimmed values, the signed header names, the payload hash.
struct CanonicalRequest {
    let text: String
    let signedHeaderNames: String

    init(method: String, path: String, query: [String: String], headers: [String: String], payloadHash: String) {
        let names = headers.keys.map { $0.lowercased() }.sorted()
        let lines = names.map { name in
            // Values are trimmed and inner runs of spaces collapsed, as AWS specifies.
            let value = (headers[name] ?? "").split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            return "\(name):\(value)\n"
        }
        signedHeaderNames = names.joined(separator: ";")
        text = [
            method,
            URIEncoding.encode(path.isEmpty ? "/" : path, keepingSlash: true),
            URIEncoding.query(query),
            lines.joined(),
            signedHeaderNames,
            payloadHash,
        ].joined(separator: "\n")
    }
}

/// `20130524T000000Z` and `20130524`, in UTC.
struct AmzTime {
    let stamp: String
    var day: String { String(stamp.prefix(8)) }

    init(_ date: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        stamp = "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }
}

/// The signing key changes once a day; deriving it costs four HMACs, so keep the current one.
private final class SigningKeyCache: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (day: String, key: SymmetricKey)?

    func key(for day: String, derive: () -> SymmetricKey) -> SymmetricKey {
        lock.lock()
        defer { lock.unlock() }
        if let current, current.day == day { return current.key }
        let key = derive()
        current = (day, key)
        return key
    }
}

// Not AtelierCore's `Hex`: this one must not depend on the module it is merged into.
extension SigV4Signer {
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".unicodeScalars)
        var out = String.UnicodeScalarView()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(out)
    }

    static func sha256Hex(_ data: Data) -> String { hex(SHA256.hash(data: data)) }
}
