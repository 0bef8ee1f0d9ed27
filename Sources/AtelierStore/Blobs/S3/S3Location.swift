import Foundation

/// Where the bucket is, from `ATELIER_BLOB_URL`:
///
///     s3://BUCKET?endpoint=http://127.0.0.1:8333&region=us-east-1&prefix=blobs/
///
/// `endpoint` is optional (AWS itself: `https://s3.REGION.amazonaws.com`), `region` defaults to
/// `us-east-1`, `prefix` is put before every key. With an endpoint the bucket is always addressed
/// path-style (`/BUCKET/KEY`), which every S3-compatible server understands. On AWS the bucket
/// goes in the host name (virtual-host style), unless its name has a dot, which would break the
/// certificate's wildcard; such buckets fall back to path-style.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public let bucket: String
    public let region: String
    public let prefix: String
    /// `http` or `https`.
    public let scheme: String
    /// The host requests are sent to, with `:port` when the port is not the scheme's default.
    public let host: String
    public let usesPathStyle: Bool

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "s3" else {
            throw S3ConfigurationError("ATELIER_BLOB_URL must look like s3://BUCKET?region=…&endpoint=….")
        }
        // The URL is never echoed: a mistyped one might hold a password (`s3://key:secret@bucket`).
        guard let bucket = components.host, !bucket.isEmpty, components.user == nil, components.password == nil,
              components.path.isEmpty || components.path == "/"
        else {
            throw S3ConfigurationError("ATELIER_BLOB_URL must name a bucket and nothing else: s3://BUCKET (keys go in AWS_*, folders in prefix=).")
        }
        guard Self.isValidBucketName(bucket) else {
            throw S3ConfigurationError("\"\(bucket)\" is not a valid S3 bucket name (3–63 of a–z 0–9 . -).")
        }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["endpoint", "region", "prefix"].contains(item.name), let value = item.value, !value.isEmpty else {
                throw S3ConfigurationError("ATELIER_BLOB_URL: unknown or empty option \"\(item.name)\" (endpoint, region, prefix).")
            }
            options[item.name] = value
        }
        let region = options["region"] ?? "us-east-1"
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw S3ConfigurationError("ATELIER_BLOB_URL: \"\(region)\" is not a region name.")
        }
        // Put before keys as is: `blobs/` makes a folder, `blobs-` a name prefix.
        let prefix = options["prefix"] ?? ""
        guard prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw S3ConfigurationError("ATELIER_BLOB_URL: prefix \"\(prefix)\" must not start with / or hold empty, . or .. folders.")
        }
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        if let endpoint = options["endpoint"] {
            (scheme, host) = try Self.parseEndpoint(endpoint)
            usesPathStyle = true
        } else {
            scheme = "https"
            usesPathStyle = bucket.contains(".")
            host = usesPathStyle ? "s3.\(region).amazonaws.com" : "\(bucket).s3.\(region).amazonaws.com"
        }
    }

    /// Reads `ATELIER_BLOB_URL`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> S3Location {
        guard let url = environment["ATELIER_BLOB_URL"], !url.isEmpty else {
            throw S3ConfigurationError("ATELIER_BLOB_URL is not set.")
        }
        return try S3Location(url: url)
    }

    /// The request path for an object, not yet percent-encoded.
    func path(forKey key: String) -> String {
        usesPathStyle ? "/\(bucket)/\(prefix)\(key)" : "/\(prefix)\(key)"
    }

    /// The request path of the bucket itself, for listings.
    var bucketPath: String {
        usesPathStyle ? "/\(bucket)" : "/"
    }

    public var description: String {
        "s3://\(bucket) at \(scheme)://\(host) (\(region)\(prefix.isEmpty ? "" : ", prefix \(prefix)"))"
    }

    private static func parseEndpoint(_ text: String) throws -> (scheme: String, host: String) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
              url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil, url.password == nil
        else {
            throw S3ConfigurationError("ATELIER_BLOB_URL: endpoint must be http(s)://HOST[:PORT] with nothing after it.")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        // A bare IPv6 address needs its brackets back in the Host header.
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port = url.port, port != defaultPort else { return (scheme, name) }
        return (scheme, "\(name):\(port)")
    }

    private static func isValidBucketName(_ name: String) -> Bool {
        (3...63).contains(name.count)
            && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
            && name.first != "." && name.first != "-" && name.last != "." && name.last != "-"
    }
}
