import CPackedGEMM

/// One linear layer of an encoder in the precision the model was loaded with: float32 on
/// sgemm, or packed int8 / bfloat16 products where the CPU has them. The forward passes call
/// these three uses and never need to know which.
enum Projection: Sendable {
    case float(Linear)
    case packed(PackedLinear)

    /// Packs `linear` for `precision` when the CPU and the shape allow it, else keeps float32.
    init(_ linear: Linear, precision: ModelPrecision) {
        let format: PackedLinear.Format? = switch precision {
        case .float32: nil
        case .bfloat16: .bfloat16
        case .int8: .int8
        }
        if let format, let packed = PackedLinear(linear, format: format) { self = .packed(packed) } else { self = .float(linear) }
    }

    var precision: ModelPrecision {
        switch self {
        case .float: .float32
        case let .packed(linear): linear.format == .int8 ? .int8 : .bfloat16
        }
    }

    /// `x·W + b`.
    func callAsFunction(_ x: Matrix) -> Matrix {
        switch self {
        case let .float(linear): return linear.rowsInParallel(x)
        case let .packed(linear):
            var out = Matrix(unfilled: x.rows, linear.outputs)
            linear.apply(x, PACKED_GEMM_STORE, into: &out)
            return out
        }
    }

    /// `residual += x·W + b`, fused into the packed kernels' output step.
    func add(_ x: Matrix, to residual: inout Matrix) {
        switch self {
        case let .float(linear): residual.add(linear.rowsInParallel(x))
        case let .packed(linear): linear.apply(x, PACKED_GEMM_ADD, into: &residual)
        }
    }

    /// GELU(`x·W + b`), fused into the packed kernels' output step.
    func gelu(_ x: Matrix) -> Matrix {
        switch self {
        case let .float(linear):
            var out = linear.rowsInParallel(x)
            out.fastGELU()
            return out
        case let .packed(linear):
            var out = Matrix(unfilled: x.rows, linear.outputs)
            linear.apply(x, PACKED_GEMM_STORE_GELU, into: &out)
            return out
        }
    }
}
