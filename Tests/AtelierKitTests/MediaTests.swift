import Foundation
import Testing
@testable import AtelierKit

/// Collects progress fractions reported from any thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ value: Double) { lock.withLock { values.append(value) } }
    var all: [Double] { lock.withLock { values } }
}

@Suite struct MediaTests {
    @Test func uploadListGetDelete() async throws {
        try await withServer { server in
            let client = try await server.client()
            let log = ProgressLog()
            let photo = makePNG(side: 64, seed: 3)
            let media = try await client.media.upload(photo) { log.add($0) }
            #expect(media.width == 64)
            #expect(media.duplicate == false)
            #expect(media.variants["thumb"] != nil)
            #expect(log.all.last == 1)
            #expect(log.all == log.all.sorted())

            let again = try await client.media.upload(photo)
            #expect(again.duplicate)
            #expect(again.id == media.id)

            let second = try await client.media.upload(makePNG(side: 32, seed: 9))
            let firstPage = try await client.media.list(limit: 1)
            #expect(firstPage.items.count == 1)
            let cursor = try #require(firstPage.nextCursor)
            let secondPage = try await client.media.list(limit: 1, cursor: cursor)
            #expect(Set((firstPage.items + secondPage.items).map(\.id)) == [media.id, second.id])

            #expect(try await client.media.get(media.id).sha256 == media.sha256)
            try await client.media.delete(media.id)
            let error = await #expect(throws: AtelierError.self) { try await client.media.get(media.id) }
            #expect(error?.code == "MEDIA_NOT_FOUND")
            #expect(error?.status == 404)
        }
    }

    @Test func uploadUpdatesStreamEndsWithTheMedia() async throws {
        try await withServer { server in
            let client = try await server.client()
            var finished: Media?
            var fractions: [Double] = []
            for try await event in client.media.uploadUpdates(makePNG(side: 48, seed: 5)) {
                switch event {
                case .progress(let value): fractions.append(value)
                case .finished(let media): finished = media
                }
            }
            #expect(finished?.height == 48)
            #expect(fractions.last == 1)
        }
    }

    @Test func notAnImageIsUnsupported() async throws {
        try await withServer { server in
            let client = try await server.client()
            let error = await #expect(throws: AtelierError.self) { try await client.media.upload(Data("hello".utf8)) }
            #expect(error?.code == "UNSUPPORTED_MEDIA_TYPE")
            #expect(error?.status == 415)
        }
    }
}
