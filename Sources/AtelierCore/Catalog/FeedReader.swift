import Foundation

/// Reads a listings feed as it streams: rows come out as bytes come in, and the next chunk is only
/// read when the rows of the last one are taken, so a 1 GB feed never sits in memory.
///
///     for try await row in FeedReader(fileName: "depop.csv").rows(from: chunks) { … }
///
/// Reading only fails when the bytes themselves fail to arrive; bad rows are `.invalid` rows.
public struct FeedReader: Sendable {
    /// nil: decided from the first byte of the feed that is not whitespace.
    public var format: FeedFormat?
    /// A longer line (JSON Lines) or row (CSV) is reported as invalid and skipped.
    public var maximumRowBytes: Int

    public init(format: FeedFormat? = nil, maximumRowBytes: Int = 1 << 20) {
        self.format = format
        self.maximumRowBytes = maximumRowBytes
    }

    /// The format from the file's extension, else sniffed from its content.
    public init(fileName: String, maximumRowBytes: Int = 1 << 20) {
        self.init(format: FeedFormat(fileName: fileName), maximumRowBytes: maximumRowBytes)
    }

    /// Rows from chunks of bytes (`[UInt8]`, `ArraySlice<UInt8>`, `Data`…).
    public func rows<Bytes: AsyncSequence>(from bytes: Bytes) -> FeedRows<Bytes>
    where Bytes.Element: Sequence, Bytes.Element.Element == UInt8 {
        FeedRows(bytes: bytes, reader: self)
    }

    /// Rows from single bytes (`FileHandle.bytes`, `URL.resourceBytes`), taken 64 KB at a time.
    public func rows<Bytes: AsyncSequence>(from bytes: Bytes) -> FeedRows<ByteChunks<Bytes>> where Bytes.Element == UInt8 {
        FeedRows(bytes: ByteChunks(bytes: bytes), reader: self)
    }

    /// Rows of a local file, read 64 KB at a time.
    public func rows(fromFile file: URL) -> FeedRows<FileChunks> {
        var reader = self
        reader.format = format ?? FeedFormat(fileName: file.lastPathComponent)
        return FeedRows(bytes: FileChunks(file: file), reader: reader)
    }

    func decoder(for format: FeedFormat) -> any FeedDecoding {
        switch format {
        case .jsonLines: JSONLinesDecoder(maximumLineBytes: maximumRowBytes)
        case .csv: CSVFeedDecoder(maximumRecordBytes: maximumRowBytes)
        }
    }
}

public struct FeedRows<Bytes: AsyncSequence>: AsyncSequence
where Bytes.Element: Sequence, Bytes.Element.Element == UInt8 {
    public typealias Element = FeedRow
    let bytes: Bytes
    let reader: FeedReader

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: bytes.makeAsyncIterator(), reader: reader)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private var chunks: Bytes.AsyncIterator
        private let reader: FeedReader
        private var decoder: (any FeedDecoding)?
        /// The first bytes, held back until the format is known and a byte-order mark dropped.
        private var start: [UInt8] = []
        private var pending: [FeedRow] = []
        private var nextPending = 0
        private var finished = false

        init(chunks: Bytes.AsyncIterator, reader: FeedReader) {
            self.chunks = chunks
            self.reader = reader
        }

        public mutating func next() async throws -> FeedRow? {
            while nextPending == pending.count {
                guard !finished else { return nil }
                advance(with: try await chunks.next())
            }
            defer { nextPending += 1 }
            return pending[nextPending]
        }

        /// The same, in the caller's isolation: a feed read from the main actor (the CLI) does not
        /// hop to another executor for every row.
        @available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> FeedRow? {
            while nextPending == pending.count {
                guard !finished else { return nil }
                advance(with: try await chunks.next(isolation: actor))
            }
            defer { nextPending += 1 }
            return pending[nextPending]
        }

        /// Decodes the next chunk, or finishes at the end of the bytes.
        private mutating func advance(with chunk: Bytes.Element?) {
            pending.removeAll(keepingCapacity: true)
            nextPending = 0
            guard let chunk else {
                finished = true
                if decoder == nil, !start.isEmpty { startDecoding(format: reader.format ?? .csv) }
                decoder?.finish(into: &pending)
                return
            }
            take(chunk)
        }

        private mutating func take(_ chunk: Bytes.Element) {
            // One copy into an array, so the decoders' byte loops run on concrete, fast code.
            let chunk = Array(chunk)
            guard decoder == nil else {
                decoder?.consume(chunk, into: &pending)
                return
            }
            start.append(contentsOf: chunk)
            // Skip a UTF-8 byte-order mark; wait for enough bytes to tell.
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if start.count < bom.count, bom.starts(with: start) { return }
            if start.starts(with: bom) { start.removeFirst(bom.count) }
            if let format = reader.format {
                startDecoding(format: format)
            } else if let first = start.first(where: { !JSONLinesDecoder.isWhitespace($0) }) {
                startDecoding(format: FeedFormat.sniff(firstByte: first))
            }
        }

        private mutating func startDecoding(format: FeedFormat) {
            var decoder = reader.decoder(for: format)
            decoder.consume(start, into: &pending)
            start = []
            self.decoder = decoder
        }
    }
}

extension FeedRows: Sendable where Bytes: Sendable {}
