import Testing

@testable import AtelierStore

@Suite struct S3LocationTests {
    @Test func readsAnEndpointURL() throws {
        let location = try S3Location(url: "s3://atelier-media?endpoint=http://127.0.0.1:8333&region=eu-west-3&prefix=blobs/")
        #expect(location.bucket == "atelier-media")
        #expect(location.region == "eu-west-3")
        #expect(location.scheme == "http")
        #expect(location.host == "127.0.0.1:8333")
        #expect(location.usesPathStyle)
        #expect(location.path(forKey: "ab/cd") == "/atelier-media/blobs/ab/cd")
    }

    @Test func defaultsToAWS() throws {
        let location = try S3Location(url: "s3://atelier-media")
        #expect(location.region == "us-east-1")
        #expect(location.host == "atelier-media.s3.us-east-1.amazonaws.com")
        #expect(location.path(forKey: "k") == "/k")
        // A dotted bucket would not match AWS's wildcard certificate in the host name.
        let dotted = try S3Location(url: "s3://media.example.com?region=eu-west-1")
        #expect(dotted.host == "s3.eu-west-1.amazonaws.com")
        #expect(dotted.path(forKey: "k") == "/media.example.com/k")
    }

    @Test func dropsTheDefaultPort() throws {
        #expect(try S3Location(url: "s3://bucket?endpoint=https://minio.local:443").host == "minio.local")
    }

    @Test(arguments: [
        "", "https://bucket", "s3://", "s3://Bad_Bucket", "s3://bucket/path", "s3://bucket?endpoint=ftp://host",
        "s3://bucket?endpoint=http://host/sub", "s3://AK:secret@bucket", "s3://bucket?colour=blue", "s3://bucket?region=", "s3://bucket?region=us/east", "s3://bucket?prefix=/abs/", "s3://bucket?prefix=a//b/", "s3://bucket?prefix=../x",
    ])
    func refusesMalformedURLs(_ url: String) {
        #expect(throws: S3ConfigurationError.self) { try S3Location(url: url) }
    }

    @Test func saysWhichCredentialIsMissing() {
        #expect(throws: S3ConfigurationError("S3 credentials are missing: set AWS_SECRET_ACCESS_KEY.")) {
            try S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AK"])
        }
        #expect(throws: S3ConfigurationError("ATELIER_BLOB_URL is not set.")) {
            try S3BlobStore.fromEnvironment(["AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK"], httpClient: S3TestServer.client)
        }
    }

    @Test func neverEchoesTheURL() {
        let error = #expect(throws: S3ConfigurationError.self) { try S3Location(url: "s3://AK:hunter2@bucket/x") }
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test func neverPrintsSecrets() throws {
        let credentials = try S3Credentials.fromEnvironment(
            ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "TOP-SECRET", "AWS_SESSION_TOKEN": "TOKEN-SECRET"])
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [credentials.description, String(reflecting: credentials), "\(credentials)", dumped] {
            #expect(text.contains("AKID"))
            #expect(!text.contains("SECRET"))
        }
    }
}
