import Foundation

extension Matrix {
    /// Layer normalisation of every row, with learned scale and shift.
    public mutating func layerNormalize(scale: [Float], shift: [Float], epsilon: Float) {
        precondition(scale.count == columns && shift.count == columns, "layer norm has the wrong size")
        let n = columns
        values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let base = r * n
                var mean: Float = 0
                for i in 0..<n { mean += v[base + i] }
                mean /= Float(n)
                var variance: Float = 0
                for i in 0..<n { let d = v[base + i] - mean; variance += d * d }
                variance /= Float(n)
                let inv = 1 / (variance + epsilon).squareRoot()
                for i in 0..<n { v[base + i] = (v[base + i] - mean) * inv * scale[i] + shift[i] }
            }
        }
    }

    /// GELU with the exact error function, as both DINOv2 and BERT use it.
    public mutating func gelu() {
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices {
                let x = v[i]
                v[i] = 0.5 * x * (1 + erf(x * 0.70710678))
            }
        }
    }

    /// Softmax of every row, numerically stable.
    public mutating func softmaxRows() {
        let n = columns
        values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let base = r * n
                var top = -Float.infinity
                for i in 0..<n { top = max(top, v[base + i]) }
                var sum: Float = 0
                for i in 0..<n { let e = exp(v[base + i] - top); v[base + i] = e; sum += e }
                let inv = 1 / sum
                for i in 0..<n { v[base + i] *= inv }
            }
        }
    }

    /// `self += other`, element by element (residual connections).
    public mutating func add(_ other: Matrix) {
        precondition(other.values.count == values.count, "added matrices differ in shape")
        values.withUnsafeMutableBufferPointer { v in
            other.values.withUnsafeBufferPointer { o in
                for i in v.indices { v[i] += o[i] }
            }
        }
    }

    /// Multiplies every row by `scale` per column (DINOv2's layer scale).
    public mutating func scaleColumns(_ scale: [Float]) {
        precondition(scale.count == columns, "column scale has the wrong size")
        let n = columns
        values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                for i in 0..<n { v[r * n + i] *= scale[i] }
            }
        }
    }
}

/// Scales `vector` to unit length (cosine similarity becomes a dot product); zero stays zero.
public func normalized(_ vector: [Float]) -> [Float] {
    var norm: Float = 0
    for x in vector { norm += x * x }
    guard norm > 0 else { return vector }
    let inv = 1 / norm.squareRoot()
    return vector.map { $0 * inv }
}
