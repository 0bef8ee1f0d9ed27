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
        /// Query, key and value fused into one `384 → 1152` projection: one product instead of three.
        let queryKeyValue: Projection
        let attentionOutput: Projection
        let attentionNorm: Norm
        let feedForwardIn: Projection
        let feedForwardOut: Projection
        let outputNorm: Norm
    }

    /// The vocabulary's rows (half of all the weights), as bfloat16 bit patterns when the
    /// layers run bfloat16: a row only seeds a token, whose first layer norm follows.
    let wordEmbeddings: WordEmbeddings
    let positionEmbeddings: [Float]
    /// Row 0 of the token type embeddings: every token is of segment A.
    let segmentEmbedding: [Float]
    let embeddingNorm: Norm
    let layers: [Layer]

    init(weights: SafeTensors, vocabularySize: Int, precision: ModelPrecision = .float32) throws {
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
        let words = try tensor("embeddings.word_embeddings.weight", [vocabularySize, w])
        wordEmbeddings = precision != .float32 && precision.isSupported ? .bfloat16(words.map(bfloat16Bits)) : .float32(words)
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
            return Layer(queryKeyValue: Projection(qkv, precision: precision),
                         attentionOutput: Projection(try linear(p + "attention.output.dense", w, w), precision: precision),
                         attentionNorm: try norm(p + "attention.output.LayerNorm"),
                         feedForwardIn: Projection(try linear(p + "intermediate.dense", w, Self.feedForwardWidth), precision: precision),
                         feedForwardOut: Projection(try linear(p + "output.dense", Self.feedForwardWidth, w), precision: precision),
                         outputNorm: try norm(p + "output.LayerNorm"))
        }
    }

    /// Mean-pooled, unnormalised sentence vectors of a batch of token id sequences
    /// (each non-empty, ≤ `maxPositions` long, ids below the vocabulary size).
    func pooledEmbeddings(_ sequences: [[Int]]) -> [[Float]] {
        let packed = PackedSequences(lengths: sequences.map(\.count))
        var x = embeddings(sequences, packed)
        for layer in layers {
            // Residuals are added in the products' output step: `x += context·W + b`.
            layer.attentionOutput.add(layer.queryKeyValue(x).multiHeadAttention(heads: Self.heads, sequences: packed), to: &x)
            x.layerNormalize(scale: layer.attentionNorm.scale, shift: layer.attentionNorm.shift, epsilon: Self.epsilon)
            layer.feedForwardOut.add(layer.feedForwardIn.gelu(x), to: &x)
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

extension MiniLM {
    enum WordEmbeddings: Sendable {
        case float32([Float])
        case bfloat16([UInt16])

        subscript(index: Int) -> Float {
            switch self {
            case let .float32(values): values[index]
            case let .bfloat16(bits): Float(bitPattern: UInt32(bits[index]) << 16)
            }
        }
    }
}

/// The bfloat16 nearest to `value` (ties to even), as its bit pattern.
func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
}
