import Foundation
import Testing
@testable import AtelierML

@Suite struct TextEncoderTests {
    /// Listing-like texts exercising every tokenizer rule, plus an empty and a truncated one.
    static let parityTexts: [String] = [
        "Red leather jacket, size M — barely worn!",
        "Café crème à la française",
        "VINTAGE LEVI'S 501 JEANS W32 L34",
        "Price: $45.99 (negotiable) #bargain @home 100% <cotton> ~new~",
        "Brand new 🔥🔥 sneakers 👟 size 42, 😀 great deal",
        "北京烤鸭 and 東京タワー keychain, 서울 magnet",
        "",
        "Naïve façade, Ångström, Straße, São Paulo, Zürich, İstanbul",
        "Tab\tseparated\nlines\r\nand   spaces\u{00A0}nbsp soft\u{00AD}hyphen zero\u{200B}width",
        "supercalifragilisticexpialidocious " + String(repeating: "x", count: 101) + " end",
        "literal [MASK] and [SEP]\u{301} tokens, a[CLS]b",
        "Русский текст, ΟΔΟΣ ελληνικά, e-mail: john.doe@example.com?id=42&ref=ad",
        String(repeating: "Handmade solid oak dining table with six matching chairs, lightly used. ", count: 40),
    ]

    @Test func tokenIDsAndEmbeddingsMatchSentenceTransformers() throws {
        let model = try TextModelFixture.model.get()
        let texts = Self.parityTexts
        let reference = try TextModelFixture.reference(texts)
        #expect(reference.ids.count == texts.count && reference.embeddings.count == texts.count)

        for (text, expected) in zip(texts, reference.ids) {
            #expect(model.tokenizer.tokenize(text) == expected, "tokens of \(text.debugDescription)")
        }
        #expect(reference.ids.last?.count == TextEmbeddingModel.maxTokens, "the long text is truncated")

        let batched = model.embed(texts)
        let oneByOne = texts.map { model.embed($0) }
        let batchedCosines = zip(batched, reference.embeddings).map { cosine($0, $1) }
        let singleCosines = zip(oneByOne, reference.embeddings).map { cosine($0, $1) }
        for (text, (b, s)) in zip(texts, zip(batchedCosines, singleCosines)) {
            #expect(b >= 0.999 && s >= 0.999, "cosine \(b) batched, \(s) alone for \(text.debugDescription)")
        }
        #expect(batched.allSatisfy { $0.count == model.dimensions })
        // The server's bfloat16 model: the same texts, as close to the reference.
        let packed = try TextModelFixture.bfloat16Model.get().embed(texts)
        let packedCosines = zip(packed, reference.embeddings).map { cosine($0, $1) }
        for (text, c) in zip(texts, packedCosines) {
            #expect(c >= 0.999, "bfloat16 cosine \(c) for \(text.debugDescription)")
        }
        print("text parity vs \(reference.library): min cosine batched \(batchedCosines.min()!), "
              + "alone \(singleCosines.min()!), bfloat16 \(packedCosines.min()!); token ids equal for "
              + "\(zip(texts, reference.ids).filter { model.tokenizer.tokenize($0) == $1 }.count)/\(texts.count) texts")
    }

    @Test func similarListingsAreCloser() throws {
        let model = try TextModelFixture.model.get()
        let v = model.embed(["red leather jacket", "burgundy leather biker jacket", "blue denim jeans"])
        let similar = cosine(v[0], v[1])
        let different = cosine(v[0], v[2])
        #expect(similar > different, "jacket ~ biker jacket \(similar), jacket ~ jeans \(different)")
        print("text semantics: red leather jacket ~ burgundy leather biker jacket \(similar), ~ blue denim jeans \(different)")
        #expect(model.id == "all-minilm-l6-v2@0.1.0")
    }

    /// The server embeds from many requests at once: results must not depend on it.
    @Test func concurrentCallsAgree() async throws {
        let model = try TextModelFixture.model.get()
        let texts = Array(Self.parityTexts.prefix(6))
        let expected = model.embed(texts)
        let results = await withTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<4 { group.addTask { model.embed(texts) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // Not bitwise: BLAS may split work differently under load.
        for result in results {
            let drift = zip(result.joined(), expected.joined()).map { abs($0 - $1) }.max() ?? 0
            #expect(result.count == expected.count && drift < 1e-5)
        }
    }

    @Test func wordPieceSplitsGreedilyLongestFirst() throws {
        let tokenizer = try WordPieceTokenizer(
            tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a", "hello", ",", "!"],
            maxLength: 6)
        #expect(tokenizer.tokenize("Unaffable, HELLO!") == [2, 4, 5, 6, 9, 3])  // truncated to 6
        #expect(tokenizer.tokenize("unx hello") == [2, 1, 8, 3])  // "unx" has no split: [UNK]
        #expect(tokenizer.tokenize("") == [2, 3])
        #expect(throws: TextModelError.malformedVocabulary("no [CLS] token")) {
            try WordPieceTokenizer(tokens: ["[UNK]", "[SEP]"])
        }
    }
}

@Suite struct SafeTensorsTests {
    static var header: [String: Any] { [
        "__metadata__": ["format": "pt"],
        "a": ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]],
        "h": ["dtype": "F16", "shape": [2], "data_offsets": [8, 12]],
        "b": ["dtype": "BF16", "shape": [1], "data_offsets": [12, 14]],
    ] }
    // 1.5, -2 as F32; 1.0, -0.5 as F16; 3.0 as BF16 (all little-endian)
    static let data: [UInt8] = [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0, 0x00, 0x3C, 0x00, 0xB8, 0x40, 0x40]

    @Test func readsFloatTensors() throws {
        let file = try SafeTensors(data: TextModelFixture.safeTensors(header: Self.header, data: Self.data))
        #expect(try file.floats("a", shape: [2]) == [1.5, -2])
        #expect(try file.floats("h", shape: [2]) == [1, -0.5])
        #expect(try file.floats("b", shape: [1]) == [3])
        #expect(throws: TextModelError.wrongShape(tensor: "a", expected: [1, 2], actual: [2])) {
            try file.floats("a", shape: [1, 2])
        }
        #expect(throws: TextModelError.missingTensor("z")) { try file.floats("z", shape: [1]) }
    }

    @Test func rejectsTruncatedFiles() throws {
        let whole = try TextModelFixture.safeTensors(header: Self.header, data: Self.data)
        for length in [0, 5, 8, 20, whole.count - 1] {
            #expect(throws: TextModelError.self) { try SafeTensors(data: whole.prefix(length)) }
        }
    }

    @Test func rejectsHeadersThatLie() throws {
        let lies: [[String: Any]] = [
            ["a": ["dtype": "F32", "shape": [2], "data_offsets": [0, 800]]],  // past the end
            ["a": ["dtype": "F32", "shape": [2], "data_offsets": [8, 0]]],  // backwards
            ["a": ["dtype": "F32", "shape": [2], "data_offsets": [-8, 0]]],
            ["a": ["dtype": "F32", "shape": [3], "data_offsets": [0, 8]]],  // shape needs 12 bytes
            ["a": ["dtype": "F32", "shape": [Int.max, 4], "data_offsets": [0, 8]]],  // overflow
            ["a": ["dtype": "F32", "shape": "2", "data_offsets": [0, 8]]],
            ["a": "not an entry"],
        ]
        for header in lies {
            let file = try TextModelFixture.safeTensors(header: header, data: Self.data)
            #expect(throws: TextModelError.self) { try SafeTensors(data: file) }
        }
        var notJSON = Data([4, 0, 0, 0, 0, 0, 0, 0])
        notJSON.append(contentsOf: Array("{{{{".utf8))
        #expect(throws: TextModelError.self) { try SafeTensors(data: notJSON) }
    }

    @Test func rejectsHugeHeaderLengths() throws {
        for length in [UInt64.max, UInt64(Int.max), 1 << 40, 200_000_000] {
            let file = try TextModelFixture.safeTensors(header: Self.header, data: Self.data, headerLength: length)
            #expect(throws: TextModelError.self) { try SafeTensors(data: file) }
        }
    }

    @Test func modelLoadingReportsMissingAndMalformedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TextModelError.missingFile(dir.appendingPathComponent("vocab.txt").path)) {
            try TextEmbeddingModel(directory: dir)
        }
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\n".utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        #expect(throws: TextModelError.missingFile(dir.appendingPathComponent("model.safetensors").path)) {
            try TextEmbeddingModel(directory: dir)
        }
        let file = try TextModelFixture.safeTensors(header: Self.header, data: Self.data)
        try file.prefix(file.count - 3).write(to: dir.appendingPathComponent("model.safetensors"))
        #expect(throws: TextModelError.self) { try TextEmbeddingModel(directory: dir) }
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        #expect(throws: TextModelError.missingTensor("embeddings.word_embeddings.weight")) {
            try TextEmbeddingModel(directory: dir)
        }
    }
}
