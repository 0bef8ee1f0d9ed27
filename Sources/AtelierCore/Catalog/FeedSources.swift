import Foundation

/// A file's bytes in chunks, for `FeedReader.rows(fromFile:)` and the CLI.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = Data
    public let file: URL
    public let chunkSize: Int

    public init(file: URL, chunkSize: Int = 64 * 1024) {
        self.file = file
        self.chunkSize = chunkSize
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(file: file, chunkSize: chunkSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let file: URL
        let chunkSize: Int
        private var handle: FileHandle?
        private var done = false

        init(file: URL, chunkSize: Int) {
            self.file = file
            self.chunkSize = chunkSize
        }

        public mutating func next() async throws -> Data? {
            guard !done else { return nil }
            let handle = try self.handle ?? FileHandle(forReadingFrom: file)
            self.handle = handle
            if let data = try handle.read(upToCount: chunkSize), !data.isEmpty { return data }
            done = true
            try handle.close()
            return nil
        }
    }
}

/// Single bytes gathered into chunks, so the feed decoders work a chunk at a time.
public struct ByteChunks<Bytes: AsyncSequence>: AsyncSequence where Bytes.Element == UInt8 {
    public typealias Element = [UInt8]
    let bytes: Bytes
    let chunkSize = 64 * 1024

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(bytes: bytes.makeAsyncIterator(), chunkSize: chunkSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: Bytes.AsyncIterator
        let chunkSize: Int

        public mutating func next() async throws -> [UInt8]? {
            var chunk: [UInt8] = []
            while chunk.count < chunkSize, let byte = try await bytes.next() { chunk.append(byte) }
            return chunk.isEmpty ? nil : chunk
        }
    }
}

extension ByteChunks: Sendable where Bytes: Sendable {}
