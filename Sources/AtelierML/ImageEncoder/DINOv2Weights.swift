/// Weights of the DINOv2 ViT-S/14 backbone (Hugging Face `Dinov2Model` layout, as exported to
/// ONNX under `backbone.`), rearranged for batched inference.
struct DINOv2Weights: Sendable {
    static let hidden = 384
    static let heads = 6
    static let headSize = 64
    static let mlpHidden = 1536
    static let patchSize = 14
    /// Every layer norm of the backbone uses 1e-6 (read off the graph's Add constants).
    static let epsilon: Float = 1e-6

    struct LayerNorm: Sendable {
        let scale: [Float]
        let shift: [Float]
    }

    struct Layer: Sendable {
        let norm1: LayerNorm
        /// Query, key and value fused into one `384 × 1152` projection: one product instead of three.
        let qkv: Projection
        /// The attention output projection and `fc2` have their layer scale (`lambda1`) folded
        /// into their columns, so the residual branches need no separate scaling pass.
        let output: Projection
        let norm2: LayerNorm
        let fc1: Projection
        let fc2: Projection
    }

    /// The 14×14×3 patch convolution as a `588 → 384` linear map over flattened (c, y, x) patches.
    let patchEmbedding: Projection
    /// CLS token with its position embedding already added.
    let classToken: [Float]
    /// Patch position embeddings resized to the input's patch grid, `grid² × 384`, row-major.
    let patchPositions: [Float]
    let layers: [Layer]
    let finalNorm: LayerNorm
    /// Reduced-precision models take attention's products in bfloat16 too, where the CPU can.
    let attentionInBFloat16: Bool

    /// `precision`: of the linear layers' products, where the CPU supports it (else float32).
    init(model: ONNXModel, grid: Int, precision: ImageEmbeddingModel.Precision = .float32) throws {
        let d = Self.hidden
        let patchInputs = 3 * Self.patchSize * Self.patchSize
        patchEmbedding = Projection(Linear(
            weight: try model.tensor("backbone.embeddings.patch_embeddings.projection.weight",
                                     shape: [d, 3, Self.patchSize, Self.patchSize]),
            bias: try model.tensor("backbone.embeddings.patch_embeddings.projection.bias", shape: [d]),
            inputs: patchInputs, outputs: d, transposed: true), precision: precision)

        // The position embeddings are anonymous constants: the class one is concatenated in front
        // of the (resized) patch ones, and the patch ones are reshaped to their square grid.
        let classPosition = try model.tensor(
            model.input(0, of: "/backbone/embeddings/Concat_6"), shape: [1, 1, d])
        let token = try model.tensor("backbone.embeddings.cls_token", shape: [1, 1, d])
        classToken = zip(token, classPosition).map { $0 + $1 }

        let positionName = try model.input(0, of: "/backbone/embeddings/Reshape_1")
        let positionCount = model.initializers[positionName]?.dims.dropFirst().first ?? 0
        let trainedGrid = Int(Double(positionCount).squareRoot().rounded())
        guard trainedGrid > 0 else {
            throw ImageEncoderError.unexpectedShape(name: positionName, expected: [1, 1369, d], actual: [1, positionCount, d])
        }
        let trained = try model.tensor(positionName, shape: [1, trainedGrid * trainedGrid, d])
        patchPositions = bicubicResize(trained, from: trainedGrid, to: grid, channels: d)

        var layers: [Layer] = []
        while model.initializers["backbone.encoder.layer.\(layers.count).norm1.weight"] != nil {
            layers.append(try Self.layer(layers.count, in: model, precision: precision))
        }
        guard !layers.isEmpty else { throw ImageEncoderError.missingTensor("backbone.encoder.layer.0") }
        self.layers = layers
        finalNorm = try Self.layerNorm("backbone.layernorm", in: model)
        attentionInBFloat16 = precision != .float32 && ModelPrecision.bfloat16.isSupported
    }

    private static func layer(_ index: Int, in model: ONNXModel, precision: ImageEmbeddingModel.Precision) throws -> Layer {
        let d = hidden
        let prefix = "backbone.encoder.layer.\(index)."
        let node = "/backbone/encoder/layer.\(index)/"
        func matmul(_ path: String, _ rows: Int, _ columns: Int) throws -> [Float] {
            try model.tensor(model.input(1, of: node + path + "/MatMul"), shape: [rows, columns])
        }
        func vector(_ name: String, _ count: Int = d) throws -> [Float] {
            try model.tensor(prefix + name, shape: [count])
        }
        /// `x·W + b` followed by `⊙ scale` equals `x·(W·diag(scale)) + b ⊙ scale`.
        func scaled(_ weight: [Float], _ bias: [Float], by scale: [Float], inputs: Int) -> Linear {
            let columns = scale.count
            let weight = weight.indices.map { weight[$0] * scale[$0 % columns] }
            let bias = zip(bias, scale).map { $0 * $1 }
            return Linear(weight: weight, bias: bias, inputs: inputs, outputs: columns, transposed: false)
        }

        let parts = try ["query", "key", "value"].map { try matmul("attention/attention/\($0)", d, d) }
        var fused = [Float]()
        fused.reserveCapacity(3 * d * d)
        for row in 0..<d {
            for part in parts { fused += part[row * d..<(row + 1) * d] }
        }
        let fusedBias = try ["query", "key", "value"].flatMap { try vector("attention.attention.\($0).bias") }

        return Layer(
            norm1: try layerNorm(prefix + "norm1", in: model),
            qkv: Projection(Linear(weight: fused, bias: fusedBias, inputs: d, outputs: 3 * d, transposed: false),
                            precision: precision),
            output: Projection(scaled(try matmul("attention/output/dense", d, d), try vector("attention.output.dense.bias"),
                                      by: try vector("layer_scale1.lambda1"), inputs: d), precision: precision),
            norm2: try layerNorm(prefix + "norm2", in: model),
            fc1: Projection(Linear(weight: try matmul("mlp/fc1", d, mlpHidden), bias: try vector("mlp.fc1.bias", mlpHidden),
                                   inputs: d, outputs: mlpHidden, transposed: false), precision: precision),
            fc2: Projection(scaled(try matmul("mlp/fc2", mlpHidden, d), try vector("mlp.fc2.bias"),
                                   by: try vector("layer_scale2.lambda1"), inputs: mlpHidden), precision: precision))
    }

    private static func layerNorm(_ prefix: String, in model: ONNXModel) throws -> LayerNorm {
        LayerNorm(scale: try model.tensor(prefix + ".weight", shape: [hidden]),
                  shift: try model.tensor(prefix + ".bias", shape: [hidden]))
    }
}
