import Foundation
import Testing

@testable import AtelierStore

/// The signer against AWS's published examples: if these hold, real S3 agrees with us.
@Suite struct SigV4SignerTests {
    static let suiteCredentials = S3Credentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let s3Credentials = S3Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test func derivesTheDocumentedSigningKey() {
        // "Examples of how to derive a signing key for Signature Version 4".
        let key = SigV4Signer.signingKey(
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", day: "20120215", region: "us-east-1", service: "iam")
        #expect(key.withUnsafeBytes { SigV4Signer.hex($0) } == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func signsGetVanilla() throws {
        // sigv4 test suite, get-vanilla: the canonical request, its hash and the header.
        let signer = SigV4Signer(credentials: Self.suiteCredentials, region: "us-east-1", service: "service")
        let time = AmzTime(try Self.date("2015-08-30T12:36:00Z"))
        let canonical = CanonicalRequest(
            method: "GET", path: "/", query: [:],
            headers: ["host": "example.amazonaws.com", "x-amz-date": time.stamp], payloadHash: Self.emptyHash)
        #expect(canonical.text == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            \(Self.emptyHash)
            """)
        #expect(signer.stringToSign(canonical, time: time).hasSuffix(
            "\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"))

        let headers = signer.signedHeaders(
            method: "GET", host: "example.amazonaws.com", path: "/", payloadHash: Self.emptyHash,
            date: try Self.date("2015-08-30T12:36:00Z"))
        #expect(headers["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func sortsTheQuery() throws {
        // sigv4 test suite, get-vanilla-query-order-key-case.
        let signer = SigV4Signer(credentials: Self.suiteCredentials, region: "us-east-1", service: "service")
        let headers = signer.signedHeaders(
            method: "GET", host: "example.amazonaws.com", path: "/", query: ["Param2": "value2", "Param1": "value1"],
            payloadHash: Self.emptyHash, date: try Self.date("2015-08-30T12:36:00Z"))
        #expect(headers["authorization"]?.hasSuffix(
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true)
    }

    @Test func signsTheS3GetObjectExample() throws {
        // S3 docs, "Signature Calculations for the Authorization Header", GET Object with a Range.
        let signer = SigV4Signer(credentials: Self.s3Credentials, region: "us-east-1")
        let headers = signer.signedHeaders(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
            headers: ["Range": "bytes=0-9", "x-amz-content-sha256": Self.emptyHash],
            payloadHash: Self.emptyHash, date: try Self.date("2013-05-24T00:00:00Z"))
        #expect(headers["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func presignsTheS3Example() throws {
        // S3 docs, "Authenticating Requests: Using Query Parameters": examplebucket/test.txt, 24 h.
        let location = try S3Location(url: "s3://examplebucket")
        let store = S3BlobStore(location: location, credentials: Self.s3Credentials, httpClient: S3TestServer.client)
        let url = try store.presignedURL(
            method: .get, key: "test.txt", expires: .seconds(86400), date: try Self.date("2013-05-24T00:00:00Z"))
        #expect(url.absoluteString == "https://examplebucket.s3.us-east-1.amazonaws.com/test.txt"
            + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
            + "&X-Amz-Signature=" + (try presignedSignature(host: "examplebucket.s3.us-east-1.amazonaws.com"))
            + "&X-Amz-SignedHeaders=host")
        // The published signature is for the global host name.
        #expect(try presignedSignature(host: "examplebucket.s3.amazonaws.com")
            == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    private func presignedSignature(host: String) throws -> String {
        let signer = SigV4Signer(credentials: Self.s3Credentials, region: "us-east-1")
        let query = try signer.presignedQuery(
            method: "GET", host: host, path: "/test.txt", expiresIn: 86400, date: try Self.date("2013-05-24T00:00:00Z"))
        let items = try #require(URLComponents(string: "?" + query)?.queryItems)
        return try #require(items.first { $0.name == "X-Amz-Signature" }?.value)
    }

    @Test func refusesLifetimesOutsideSevenDays() throws {
        let signer = SigV4Signer(credentials: Self.s3Credentials, region: "us-east-1")
        #expect(throws: S3ConfigurationError.self) {
            try signer.presignedQuery(method: "GET", host: "h", path: "/k", expiresIn: 7 * 24 * 3600 + 1)
        }
        #expect(throws: S3ConfigurationError.self) {
            try signer.presignedQuery(method: "GET", host: "h", path: "/k", expiresIn: 0)
        }
    }

    @Test func signsTheSessionToken() {
        let credentials = S3Credentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOKEN")
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        let headers = signer.signedHeaders(method: "GET", host: "h", path: "/k", payloadHash: Self.emptyHash)
        #expect(headers["x-amz-security-token"] == "TOKEN")
        #expect(headers["authorization"]?.contains("SignedHeaders=host;x-amz-date;x-amz-security-token") == true)
        let query = (try? signer.presignedQuery(method: "GET", host: "h", path: "/k", expiresIn: 60)) ?? ""
        #expect(query.contains("X-Amz-Security-Token=TOKEN"))
    }

    @Test func encodesLikeAWS() {
        #expect(URIEncoding.encode("a b/c~d._-*+=!é") == "a%20b%2Fc~d._-%2A%2B%3D%21%C3%A9")
        #expect(URIEncoding.encode("/bucket/dir/a b.txt", keepingSlash: true) == "/bucket/dir/a%20b.txt")
        #expect(URIEncoding.query(["b": "2", "a": "x/y", "A": "0", "uploads": ""]) == "A=0&a=x%2Fy&b=2&uploads=")
    }

    @Test func readsS3ErrorBodies() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The key &quot;a&amp;b&quot; does not exist.</Message>\
            <RequestId>42</RequestId></Error>
            """
        let error = S3Error(status: 404, body: body)
        #expect(error == S3Error(status: 404, code: "NoSuchKey", message: "The key \"a&b\" does not exist.", requestID: "42"))
        #expect(S3Error(status: 503, body: "").code == "HTTP503")
    }
}
