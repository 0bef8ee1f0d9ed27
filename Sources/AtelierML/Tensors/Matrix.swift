#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// A row-major matrix of Float: `rows` tokens (or vectors) of `columns` features each.
public struct Matrix: Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "matrix shape does not match its values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
    }

    public func row(_ index: Int) -> ArraySlice<Float> {
        values[index * columns..<(index + 1) * columns]
    }
}

/// Weights of a fully connected layer, stored as `inputs × outputs` (row-major), as ONNX MatMul
/// initializers are; `transposed` weights are stored `outputs × inputs` (PyTorch / safetensors).
public struct Linear: Sendable {
    public let weight: [Float]
    public let bias: [Float]?
    public let inputs: Int
    public let outputs: Int
    public let transposed: Bool

    public init(weight: [Float], bias: [Float]?, inputs: Int, outputs: Int, transposed: Bool) {
        precondition(weight.count == inputs * outputs, "linear weight has the wrong size")
        precondition(bias.map { $0.count == outputs } ?? true, "linear bias has the wrong size")
        self.weight = weight
        self.bias = bias
        self.inputs = inputs
        self.outputs = outputs
        self.transposed = transposed
    }

    /// `x · W (+ b)` for every row of `x`, one `cblas_sgemm` call.
    public func callAsFunction(_ x: Matrix) -> Matrix {
        precondition(x.columns == inputs, "linear input has \(x.columns) features, expected \(inputs)")
        var out = Matrix(zeros: x.rows, outputs)
        if let bias {
            for r in 0..<x.rows {
                out.values.replaceSubrange(r * outputs..<(r + 1) * outputs, with: bias)
            }
        }
        let beta: Float = bias == nil ? 0 : 1
        x.values.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                out.values.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, transposed ? CblasTrans : CblasNoTrans,
                        Int32(x.rows), Int32(outputs), Int32(inputs),
                        1, a.baseAddress, Int32(inputs),
                        w.baseAddress, Int32(transposed ? inputs : outputs),
                        beta, c.baseAddress, Int32(outputs))
                }
            }
        }
        return out
    }
}
