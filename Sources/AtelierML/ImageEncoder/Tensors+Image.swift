// Element-wise kernels for the image encoder. The shared `Tensors` versions call libm's
// `expf`/`erff` per element, which costs as much as the matrix products here: a ViT-S forward
// pass evaluates ~5 M exponentials (softmax) and ~5 M error functions (GELU) per image. These
// are branch-free scalar code over raw pointers, which the optimiser vectorises (and which,
// unlike generic SIMD types, stays tolerable in debug builds).

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import CPackedGEMM
import Dispatch
import Foundation

/// Whether the AVX-512 element-wise kernels of `CPackedGEMM` run here.
let hasAVX512Kernels = packed_gemm_supports_avx512() != 0

/// Splits `0..<count` into one contiguous range per worker (at most one per core) and runs
/// `body` on them concurrently. Nested calls run serially (libdispatch divides the cores).
func concurrentChunks(_ count: Int, minimumChunk: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                      _ body: @Sendable (Range<Int>) -> Void) {
    let workers = min(workers, count / max(minimumChunk, 1))
    guard workers > 1 else { return body(0..<count) }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        body(count * worker / workers..<count * (worker + 1) / workers)
    }
}

/// Runs `body` on `0..<count` cut into blocks of `block` (the last may be shorter), handed to
/// the cores as they come free: a core slowed by other work takes fewer blocks instead of
/// holding up the others, which equal static halves would.
func concurrentRowBlocks(_ count: Int, block: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let blocks = (count + block - 1) / max(block, 1)
    guard blocks > 1, ProcessInfo.processInfo.activeProcessorCount > 1 else { return body(0..<count) }
    DispatchQueue.concurrentPerform(iterations: blocks) { index in
        body(index * block..<min(count, (index + 1) * block))
    }
}

/// eˣ to within ~2 ulp for x in [-87, 88] (Cephes `expf` polynomial); inputs are clamped, so
/// very negative attention scores underflow to ~0 instead of producing NaN.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let x = min(max(x, -87.3), 88.3)
    // Adding 1.5·2²³ rounds x·log₂e to the nearest integer n and leaves n in the low mantissa
    // bits: no libm rounding call and no checked conversion, so the loop stays vectorisable.
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * r * r + r + 1
    let twoToTheN = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return p * twoToTheN
}

/// GELU in the erf form, erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
@inline(__always)
func fastGELU(_ x: Float) -> Float {
    let z = abs(x) * 0.707_106_78
    let t = 1 / (1 + 0.327_591_1 * z)
    var poly: Float = 1.061_405_429
    poly = poly * t - 1.453_152_027
    poly = poly * t + 1.421_413_741
    poly = poly * t - 0.284_496_736
    poly = poly * t + 0.254_829_592
    // q = 1 − erf(|x|/√2), so GELU(x) = x·(1 − q/2) for x ≥ 0 and x·q/2 for x < 0.
    let half = 0.5 * poly * t * fastExp(-z * z)
    return x * (x < 0 ? half : 1 - half)
}

/// Cores not already used by BLAS's own threads: with single-threaded OpenBLAS
/// (`OPENBLAS_NUM_THREADS=1`) images can run side by side on all cores without the two kinds
/// of threads fighting over them.
var coresLeftByBLAS: Int {
    #if canImport(Accelerate)
    return 1
    #else
    return max(1, ProcessInfo.processInfo.activeProcessorCount / max(Int(openblas_get_num_threads()), 1))
    #endif
}

/// A buffer that concurrent workers write in disjoint ranges (the caller guarantees that).
struct SharedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
}

extension Linear {
    /// `x·W + b` like `callAsFunction`, but with the rows of `x` split across the cores when
    /// BLAS leaves cores free (a multi-threaded BLAS already spreads a single call), in blocks
    /// handed out as cores come free rather than one static share per core.
    func rowsInParallel(_ x: Matrix) -> Matrix {
        let workers = coresLeftByBLAS
        guard workers > 1, x.rows >= 64 else { return self(x) }
        precondition(x.columns == inputs, "linear input has \(x.columns) features, expected \(inputs)")
        var out = Matrix(unfilled: x.rows, outputs)
        let (inputs, outputs, transposed, bias) = (inputs, outputs, transposed, bias)
        x.values.withUnsafeBufferPointer { xBuffer in
            weight.withUnsafeBufferPointer { wBuffer in
                out.values.withUnsafeMutableBufferPointer { outBuffer in
                    let a = SharedBuffer(pointer: UnsafeMutablePointer(mutating: xBuffer.baseAddress!))
                    let w = SharedBuffer(pointer: UnsafeMutablePointer(mutating: wBuffer.baseAddress!))
                    let c = SharedBuffer(pointer: outBuffer.baseAddress!)
                    concurrentRowBlocks(x.rows, block: 64) { rows in
                        if let bias {
                            for r in rows { (c.pointer + r * outputs).update(from: bias, count: outputs) }
                        }
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposed ? CblasTrans : CblasNoTrans,
                                    Int32(rows.count), Int32(outputs), Int32(inputs),
                                    1, a.pointer + rows.lowerBound * inputs, Int32(inputs),
                                    w.pointer, Int32(transposed ? inputs : outputs),
                                    bias == nil ? 0 : 1, c.pointer + rows.lowerBound * outputs, Int32(outputs))
                    }
                }
            }
        }
        return out
    }
}

extension Matrix {
    /// A matrix the caller fills completely before reading it: skips zero-filling megabytes
    /// per layer that the matrix products overwrite anyway.
    init(unfilled rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns,
                  values: [Float](unsafeUninitializedCapacity: rows * columns) { _, count in count = rows * columns })
    }

    /// A layer-normalised copy, on AVX-512 where available.
    func layerNormalized(_ norm: DINOv2Weights.LayerNorm, epsilon: Float) -> Matrix {
        guard hasAVX512Kernels else {
            var copy = self
            copy.layerNormalize(scale: norm.scale, shift: norm.shift, epsilon: epsilon)
            return copy
        }
        precondition(norm.scale.count == columns && norm.shift.count == columns, "layer norm has the wrong size")
        return Matrix(rows: rows, columns: columns, values: [Float](unsafeUninitializedCapacity: values.count) { out, count in
            avx512_layer_norm(values, out.baseAddress!, Int32(rows), Int32(columns), norm.scale, norm.shift, epsilon)
            count = values.count
        })
    }

    /// GELU (erf form) of every element, spread over the cores.
    mutating func fastGELU() {
        values.withUnsafeMutableBufferPointer { v in
            guard let base = v.baseAddress.map(SharedBuffer.init) else { return }
            concurrentChunks(v.count, minimumChunk: 16_384) { range in
                if hasAVX512Kernels { return avx512_gelu(base.pointer + range.lowerBound, range.count) }
                for i in range { base.pointer[i] = AtelierML.fastGELU(base.pointer[i]) }
            }
        }
    }
}

/// Numerically stable softmax of each row of a raw `rows × columns` buffer (attention scores
/// live in a scratch buffer reused across heads, not in a `Matrix`). The exponentials get a
/// loop of their own and the reductions four accumulators, so both vectorise.
func softmaxRows(_ base: UnsafeMutablePointer<Float>, rows: Range<Int>, columns: Int) {
    if hasAVX512Kernels {
        return avx512_softmax_rows(base + rows.lowerBound * columns, Int32(rows.count), Int32(columns))
    }
    for r in rows {
        let row = base + r * columns
        var top = -Float.infinity
        for i in 0..<columns { top = max(top, row[i]) }
        for i in 0..<columns { row[i] = fastExp(row[i] - top) }
        var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
        var i = 0
        while i + 4 <= columns {
            sums.0 += row[i]; sums.1 += row[i + 1]; sums.2 += row[i + 2]; sums.3 += row[i + 3]
            i += 4
        }
        while i < columns { sums.0 += row[i]; i += 1 }
        let inverse = 1 / ((sums.0 + sums.1) + (sums.2 + sums.3))
        for i in 0..<columns { row[i] *= inverse }
    }
}
