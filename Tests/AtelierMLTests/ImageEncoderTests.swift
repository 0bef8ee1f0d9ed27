import Foundation
import Testing
@testable import AtelierML

@Suite("DINOv2 image encoder")
struct ImageEncoderTests {
    @Test func modelFileMatchesRecordedHashes() throws {
        let fetched = try ImageFixtures.fetched.get()
        #expect(fetched.onnxSHA256 == ImageFixtures.onnxSHA256)
        #expect(fetched.wheelSHA256 == ImageFixtures.wheelSHA256)
    }

    @Test func matchesOnnxRuntimeBatchedAndOneByOne() throws {
        let model = try ImageFixtures.model.get()
        let reference = try ImageFixtures.reference.get()
        #expect(reference.images.count >= 8)

        #expect(model.embed([]).isEmpty)
        let batched = model.embed(reference.images)
        let single = reference.images.flatMap { model.embed([$0]) }
        #expect(batched.count == reference.images.count && single.count == reference.images.count)
        for (index, expected) in reference.classTokens.enumerated() {
            #expect(batched[index].count == model.dimensions)
            let inBatch = cosine(batched[index], expected), alone = cosine(single[index], expected)
            print("image \(index): cosine batched \(inBatch), alone \(alone)")
            #expect(inBatch >= 0.999, "image \(index) in a batch")
            #expect(alone >= 0.999, "image \(index) alone")
            let norm = batched[index].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    /// The reduced precisions (the server's default, int8, where the CPU has VNNI) hold the same
    /// parity gate as float32, and int8 ranks the reference images as float32 does.
    @Test func fastPrecisionsMatchOnnxRuntime() throws {
        let reference = try ImageFixtures.reference.get()
        let bfloat16 = try ImageFixtures.bfloat16Model.get(), int8 = try ImageFixtures.int8Model.get()
        let fast = bfloat16.embed(reference.images), quantized = int8.embed(reference.images)
        for (index, expected) in reference.classTokens.enumerated() {
            #expect(cosine(fast[index], expected) >= 0.999, "bfloat16, image \(index): \(cosine(fast[index], expected))")
            #expect(cosine(quantized[index], expected) >= 0.999, "int8, image \(index): \(cosine(quantized[index], expected))")
        }
        let lowest = { (vectors: [[Float]]) in zip(vectors, reference.classTokens).map { cosine($0, $1) }.min() ?? 0 }
        print("parity vs onnxruntime: min cosine bfloat16 \(lowest(fast)), int8 \(lowest(quantized))")
        // Each image's nearest other image is the same under int8 as under onnxruntime.
        func nearest(_ vectors: [[Float]], _ index: Int) -> Int? {
            vectors.indices.filter { $0 != index }.max { cosine(vectors[index], vectors[$0]) < cosine(vectors[index], vectors[$1]) }
        }
        let unit = reference.classTokens.map(normalized)
        let agree = reference.images.indices.filter { nearest(quantized, $0) == nearest(unit, $0) }.count
        #expect(agree >= reference.images.count - 1, "int8 nearest neighbours agree for \(agree) of \(reference.images.count)")
    }

    @Test func concurrentCallersGetTheSameVectors() async throws {
        let model = try ImageFixtures.model.get()
        let reference = try ImageFixtures.reference.get()
        let images = Array(reference.images.prefix(3))
        let vectors = await withTaskGroup(of: (Int, [Float]).self) { group in
            for (index, image) in images.enumerated() {
                group.addTask { (index, model.embed([image])[0]) }
            }
            return await group.reduce(into: [Int: [Float]]()) { $0[$1.0] = $1.1 }
        }
        for index in images.indices {
            #expect(cosine(try #require(vectors[index]), reference.classTokens[index]) >= 0.999)
        }
    }

    @Test func similarImagesEmbedCloserThanUnrelatedOnes() throws {
        let model = try ImageFixtures.model.get()
        let images = try ImageFixtures.reference.get().images
        let photo = images[4], unrelated = images[2]
        let size = photo.width
        // Shifted 6 pixels to the right (edge column repeated) and brightened by 20 levels.
        let shifted = try RGBImage(width: size, height: size, pixels: (0..<size * size * 3).map { i in
            let x = i / 3 % size
            return photo.pixels[i - 3 * min(x, 6)]
        })
        let brighter = try RGBImage(width: size, height: size, pixels: photo.pixels.map { UInt8(min(Int($0) + 20, 255)) })

        let vectors = model.embed([photo, shifted, brighter, unrelated])
        let toShifted = cosine(vectors[0], vectors[1]), toBrighter = cosine(vectors[0], vectors[2])
        let toUnrelated = cosine(vectors[0], vectors[3])
        print("cosine to shifted \(toShifted), brighter \(toBrighter), unrelated \(toUnrelated)")
        #expect(toShifted > toUnrelated)
        #expect(toBrighter > toUnrelated)
    }

    @Test func wrongSizedImagesAreStretchedToTheInputSize() throws {
        let image = try RGBImage(width: 3, height: 2, pixels: [UInt8](repeating: 90, count: 18))
        let stretched = image.stretched(to: ImageEmbeddingModel.inputSize)
        #expect(stretched.width == ImageEmbeddingModel.inputSize && stretched.height == ImageEmbeddingModel.inputSize)
        #expect(stretched.pixels.allSatisfy { $0 == 90 })
    }

    @Test func pixelCountMustMatchTheSize() {
        #expect(throws: ImageEncoderError.self) { try RGBImage(width: 4, height: 4, pixels: [1, 2, 3]) }
        #expect(throws: ImageEncoderError.self) { try RGBImage(width: 0, height: 0, pixels: []) }
    }
}

@Suite("ONNX reading rejects bad input")
struct ONNXReadingTests {
    @Test func missingFileThrows() {
        let url = URL(fileURLWithPath: "/nonexistent/vit_s_focus.onnx")
        #expect(throws: ImageEncoderError.self) { try ImageEmbeddingModel(onnxFile: url) }
    }

    @Test func truncatedModelThrows() throws {
        let bytes = [UInt8](try Data(contentsOf: ImageFixtures.fetched.get().url))
        for length in [0, 1, 7, 100, 4_096, 1_000_000, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ImageEncoderError.self, "truncated to \(length) bytes") {
                try ONNXModel(bytes: Array(bytes[..<length]))
            }
        }
    }

    @Test func randomBytesThrow() throws {
        var generator = SplitMix64(seed: 42)
        for length in [1, 16, 1_000, 100_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("random-\(length).onnx")
            try Data(bytes).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(throws: ImageEncoderError.self) { try ImageEmbeddingModel(onnxFile: url) }
        }
    }

    @Test func wrongShapedInitializerThrows() throws {
        let name = "backbone.embeddings.patch_embeddings.projection.weight"
        let model = Proto.model(initializers: [Proto.tensor(name: name, dims: [384, 3, 16, 16])])
        #expect(throws: ImageEncoderError.unexpectedShape(name: name, expected: [384, 3, 14, 14], actual: [384, 3, 16, 16])) {
            _ = try DINOv2Weights(model: ONNXModel(bytes: model), grid: 16)
        }
    }

    @Test func rawDataOfTheWrongLengthThrows() {
        let model = Proto.model(initializers: [Proto.tensor(name: "w", dims: [4, 4], values: 15)])
        #expect(throws: ImageEncoderError.self) { try ONNXModel(bytes: model) }
    }

    @Test func wellFormedTensorsAreRead() throws {
        let model = try ONNXModel(bytes: Proto.model(initializers: [Proto.tensor(name: "w", dims: [2, 3])]))
        #expect(try model.tensor("w", shape: [2, 3]) == [0, 1, 2, 3, 4, 5])
        #expect(throws: ImageEncoderError.missingTensor("v")) { try model.tensor("v", shape: [1]) }
    }
}

/// Hand-written ONNX protobuf for the malformed-input tests.
enum Proto {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, bytes: [UInt8] = []
        repeat {
            bytes.append(UInt8(value & 0x7F) | (value >= 0x80 ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return bytes
    }

    static func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(payload.count)) + payload
    }

    /// A float32 TensorProto with values 0, 1, 2, … (`values` of them; by default as many as `dims` hold).
    static func tensor(name: String, dims: [Int], values: Int? = nil) -> [UInt8] {
        let count = values ?? dims.reduce(1, *)
        let raw = (0..<count).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian, Array.init) }
        return field(1, dims.flatMap { varint(UInt64($0)) }) + varint(2 << 3) + varint(1)
            + field(8, Array(name.utf8)) + field(9, raw)
    }

    static func model(initializers: [[UInt8]]) -> [UInt8] {
        field(7, initializers.flatMap { field(5, $0) })
    }
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
