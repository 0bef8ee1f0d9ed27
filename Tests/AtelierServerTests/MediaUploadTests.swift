import AtelierCore
import AtelierImaging
import Foundation
import Testing

@Suite("Media uploads")
struct MediaUploadTests {
    @Test("each supported format uploads and gets display and thumb variants", arguments: ImageFormat.allCases)
    func formats(format: ImageFormat) async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            // The client's content type is ignored: every upload claims to be a GIF.
            let response = try await api.upload(try TestImages.make(format, width: 2400, height: 1200), token: account.accessToken, multipart: true, contentType: "image/gif")
            #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
            let data = response.data
            #expect(data["format"] as? String == format.rawValue)
            #expect(data["width"] as? Int == 2400)
            #expect(data["height"] as? Int == 1200)
            #expect(data["duplicate"] as? Bool == false)
            #expect((data["sha256"] as? String)?.count == 64)
            let variants = try #require(data["variants"] as? [String: [String: Any]])
            #expect(variants["display"]?["width"] as? Int == 2048)
            #expect(variants["display"]?["height"] as? Int == 1024)
            #expect(variants["thumb"]?["width"] as? Int == 320)
            #expect(variants["thumb"]?["height"] as? Int == 160)
            #expect(variants["original"]?["content_type"] as? String == format.contentType)

            let original = try await api.get(url: try #require(variants["original"]?["url"] as? String))
            #expect(original.status == 200)
            #expect(original.header("Content-Type") == format.contentType)
            #expect(FormatSniffer.format(of: original.body) == format)
            let display = try await api.get(url: try #require(variants["display"]?["url"] as? String))
            #expect(display.header("Content-Type") == "image/jpeg")
            #expect(FormatSniffer.format(of: display.body) == .jpeg)
        }
    }

    @Test("transparent images keep their alpha in WebP variants")
    func alpha() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let response = try await api.upload(try TestImages.make(.png, alpha: true), token: account.accessToken)
            let variants = try #require(response.data["variants"] as? [String: [String: Any]])
            #expect(variants["thumb"]?["content_type"] as? String == "image/webp")
        }
    }

    @Test("display is turned upright by EXIF orientation and carries no EXIF or GPS")
    func orientationAndStripping() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let photo = try TestImages.jpegWithEXIF(width: 400, height: 200, orientation: 6)
            #expect(TestImages.containsEXIF(photo))
            let response = try await api.upload(photo, token: account.accessToken)
            #expect(response.status == 201)
            // Orientation 6 is a quarter turn: people see it 200 wide and 400 tall.
            #expect(response.data["width"] as? Int == 200)
            #expect(response.data["height"] as? Int == 400)
            let variants = try #require(response.data["variants"] as? [String: [String: Any]])
            #expect(variants["display"]?["width"] as? Int == 200)
            #expect(variants["display"]?["height"] as? Int == 400)
            #expect(variants["thumb"]?["width"] as? Int == 160)
            #expect(variants["thumb"]?["height"] as? Int == 320)
            // The test picture is red left to right and green top to bottom. Turned a quarter
            // clockwise, its bottom-left corner (no red, full green) is now top-left, its top-left
            // (neither) is top-right, and its bottom-right (both) is bottom-left.
            let display = try await api.get(url: try #require(variants["display"]?["url"] as? String))
            for (x, y, red, green) in [(5, 5, false, true), (194, 5, false, false), (5, 394, true, true)] {
                let pixel = try Vips.pixel(of: display.body, x: x, y: y)
                #expect((pixel[0] > 128) == red && (pixel[1] > 128) == green, "pixel (\(x), \(y)) is \(pixel)")
            }
            for name in ["display", "thumb"] {
                let content = try await api.get(url: try #require(variants[name]?["url"] as? String))
                #expect(content.status == 200)
                #expect(!TestImages.containsEXIF(content.body), "\(name) still has EXIF")
                #expect(!TestImages.jpegMarkers(content.body).contains(0xE1), "\(name) has an APP1 (EXIF/XMP) segment")
            }
            // The original is kept as uploaded, EXIF included, for its owner.
            let original = try await api.get(url: try #require(variants["original"]?["url"] as? String))
            #expect(original.body == photo)
        }
    }

    @Test("the same bytes twice give the same asset back, marked duplicate")
    func duplicates() async throws {
        try await TestServer.run { api in
            let account = try await api.register()
            let image = try TestImages.make(.png)
            let first = try await api.upload(image, token: account.accessToken)
            let second = try await api.upload(image, token: account.accessToken, multipart: true)
            #expect(first.status == 201)
            #expect(second.status == 200)
            #expect(second.data["duplicate"] as? Bool == true)
            #expect(second.data["id"] as? String == first.data["id"] as? String)
            // Another user uploading the same bytes gets an asset of their own.
            let other = try await api.register()
            let theirs = try await api.upload(image, token: other.accessToken)
            #expect(theirs.status == 201)
            #expect(theirs.data["id"] as? String != first.data["id"] as? String)
        }
    }

    @Test("oversized, unsupported, corrupt and truncated uploads get their error codes")
    func refusals() async throws {
        try await TestServer.run({ $0.maxUploadBytes = 200_000 }) { api in
            let account = try await api.register()
            let big = try await api.upload(Data(repeating: 0xFF, count: 400_000), token: account.accessToken)
            #expect(big.status == 413)
            #expect(big.errorCode == "PAYLOAD_TOO_LARGE")

            let gif = Data("GIF89a".utf8) + Data(repeating: 0, count: 100)
            let unsupported = try await api.upload(gif, token: account.accessToken, contentType: "image/jpeg")
            #expect(unsupported.status == 415)
            #expect(unsupported.errorCode == "UNSUPPORTED_MEDIA_TYPE")
            #expect(try await api.upload(Data(), token: account.accessToken).status == 415)

            let jpeg = try TestImages.make(.jpeg)
            let truncated = try await api.upload(jpeg.prefix(jpeg.count / 2), token: account.accessToken)
            #expect(truncated.status == 422)
            #expect(truncated.errorCode == "INVALID_IMAGE")

            var flipped = try TestImages.make(.png, width: 64, height: 48)
            for index in stride(from: 60, to: flipped.count - 20, by: 7) { flipped[index] ^= 0x5A }
            let corrupt = try await api.upload(flipped, token: account.accessToken)
            #expect(corrupt.status == 422)
            #expect(corrupt.errorCode == "INVALID_IMAGE")

            let headerless = try await api.request(.post, "/api/v1/media", body: Data("--B\r\n\r\nabc\r\n--B--\r\n".utf8),
                                                   token: account.accessToken, headers: ["Content-Type": "multipart/form-data; boundary=B"])
            #expect(headerless.status == 422)
            #expect(headerless.errorCode == "VALIDATION_FAILED")

            let headerOnly = Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data(repeating: 0, count: 16)
            #expect(try await api.upload(headerOnly, token: account.accessToken).errorCode == "INVALID_IMAGE")

            #expect(try await api.upload(jpeg, token: "").status == 401)
        }
    }
}
