/// The DINOv2 forward pass up to the backbone's final layer norm, batched: all images of a
/// call go through each layer together, so every projection is one matrix product per layer.
extension DINOv2Weights {
    /// Final-layer-normed CLS token of each image (not yet L2-normalised).
    func classTokens(_ images: [RGBImage], size: Int) -> Matrix {
        let d = Self.hidden
        let grid = size / Self.patchSize
        let tokens = grid * grid + 1
        let patches = patchEmbedding(patchRows(images, size: size, patch: Self.patchSize))

        var x = Matrix(zeros: images.count * tokens, d)
        x.values.withUnsafeMutableBufferPointer { out in
            for image in 0..<images.count {
                let base = image * tokens * d
                for c in 0..<d { out[base + c] = classToken[c] }
                for p in 0..<grid * grid {
                    let target = base + (p + 1) * d, source = (image * grid * grid + p) * d
                    for c in 0..<d { out[target + c] = patches.values[source + c] + patchPositions[p * d + c] }
                }
            }
        }

        for layer in layers {
            let h = x.layerNormalized(layer.norm1, epsilon: Self.epsilon)
            let context = selfAttention(layer.qkv(h), images: images.count, tokens: tokens,
                                        heads: Self.heads, headSize: Self.headSize, bfloat16: attentionInBFloat16)
            layer.output.add(context, to: &x)
            layer.fc2.add(layer.fc1.gelu(x.layerNormalized(layer.norm2, epsilon: Self.epsilon)), to: &x)
        }

        // Only the CLS rows are pooled, so only they need the final norm.
        var cls = Matrix(rows: images.count, columns: d,
                         values: (0..<images.count).flatMap { x.row($0 * tokens) })
        cls.layerNormalize(scale: finalNorm.scale, shift: finalNorm.shift, epsilon: Self.epsilon)
        return cls
    }
}
