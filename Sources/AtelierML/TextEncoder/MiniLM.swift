/// The BERT encoder of all-MiniLM-L6-v2 (6 layers, 384 wide, 12 heads, FFN 1536, post-norm),
/// with weights as `transformers` names them in model.safetensors.
struct MiniLM: Sendable {
    static let width = 384
    static let heads = 12
    static let layerCount = 6
    static let feedForwardWidth = 1536
    static let maxPositions = 512
    static let epsilon: Float = 1e-12

    struct Norm: Sendable {
        let scale: [Float]
        let shift: [Float]
    }

    struct Layer: Sendable {
        /// Query, key and value fused into one `384 → 1152` projection: one sgemm instead of three.
        let queryKeyValue: Linear
        let attentionOutput: Linear
        let attentionNorm: Norm
        let feedForwardIn: Linear
        let feedForwardOut: Linear
        let outputNorm: Norm
    }

    let wordEmbeddings: [Float]
    let positionEmbeddings: [Float]
    /// Row 0 of the token type embeddings: every token is of segment A.
    let segmentEmbedding: [Float]
    let embeddingNorm: Norm
    let layers: [Layer]

    init(weights: SafeTensors, vocabularySize: Int) throws {
        let w = Self.width
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            try weights.floats(name, shape: shape)
        }
        func norm(_ prefix: String) throws -> Norm {
            Norm(scale: try tensor(prefix + ".weight", [w]), shift: try tensor(prefix + ".bias", [w]))
        }
        func linear(_ prefix: String, _ inputs: Int, _ outputs: Int) throws -> Linear {
            Linear(weight: try tensor(prefix + ".weight", [outputs, inputs]),
                   bias: try tensor(prefix + ".bias", [outputs]),
                   inputs: inputs, outputs: outputs, transposed: true)
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [vocabularySize, w])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [Self.maxPositions, w])
        segmentEmbedding = Array(try tensor("embeddings.token_type_embeddings.weight", [2, w])[..<w])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<Self.layerCount).map { index in
            let p = "encoder.layer.\(index)."
            let q = try linear(p + "attention.self.query", w, w)
            let k = try linear(p + "attention.self.key", w, w)
            let v = try linear(p + "attention.self.value", w, w)
            // PyTorch weights are outputs × inputs, so stacking rows stacks outputs.
            let qkv = Linear(weight: q.weight + k.weight + v.weight, bias: q.bias! + k.bias! + v.bias!,
                             inputs: w, outputs: 3 * w, transposed: true)
            return Layer(queryKeyValue: qkv,
                         attentionOutput: try linear(p + "attention.output.dense", w, w),
                         attentionNorm: try norm(p + "attention.output.LayerNorm"),
                         feedForwardIn: try linear(p + "intermediate.dense", w, Self.feedForwardWidth),
                         feedForwardOut: try linear(p + "output.dense", Self.feedForwardWidth, w),
                         outputNorm: try norm(p + "output.LayerNorm"))
        }
    }

    /// Mean-pooled, unnormalised sentence vectors of a batch of token id sequences
    /// (each non-empty, ≤ `maxPositions` long, ids below the vocabulary size).
    func pooledEmbeddings(_ sequences: [[Int]]) -> [[Float]] {
        let packed = PackedSequences(lengths: sequences.map(\.count))
        var x = embeddings(sequences, packed)
        for layer in layers {
            var attended = layer.attentionOutput(
                layer.queryKeyValue(x).multiHeadAttention(heads: Self.heads, sequences: packed))
            attended.add(x)
            attended.layerNormalize(scale: layer.attentionNorm.scale, shift: layer.attentionNorm.shift, epsilon: Self.epsilon)
            var hidden = layer.feedForwardIn(attended)
            hidden.gelu()
            x = layer.feedForwardOut(hidden)
            x.add(attended)
            x.layerNormalize(scale: layer.outputNorm.scale, shift: layer.outputNorm.shift, epsilon: Self.epsilon)
        }
        return x.meanRows(of: packed)
    }

    /// Word + position + segment embeddings of every token, layer-normalised.
    private func embeddings(_ sequences: [[Int]], _ packed: PackedSequences) -> Matrix {
        let w = Self.width
        var x = Matrix(zeros: packed.tokenCount, w)
        x.values.withUnsafeMutableBufferPointer { out in
            for (ids, range) in zip(sequences, packed.ranges) {
                precondition(ids.count <= Self.maxPositions, "sequence longer than the position table")
                for (position, id) in ids.enumerated() {
                    let row = (range.lowerBound + position) * w
                    for i in 0..<w {
                        out[row + i] = wordEmbeddings[id * w + i] + positionEmbeddings[position * w + i]
                            + segmentEmbedding[i]
                    }
                }
            }
        }
        x.layerNormalize(scale: embeddingNorm.scale, shift: embeddingNorm.shift, epsilon: Self.epsilon)
        return x
    }
}
