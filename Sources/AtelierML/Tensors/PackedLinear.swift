import CPackedGEMM
import Foundation

/// A linear layer packed once for the AVX-512 int8 or bfloat16 kernels of `CPackedGEMM` (see
/// `packed_gemm.h`); the activations are quantised or rounded per call, row by row.
struct PackedLinear: Sendable {
    enum Format: Sendable {
        case int8, bfloat16

        /// Whether this CPU has the instructions (never off x86-64).
        var isSupported: Bool {
            switch self {
            case .int8: Self.int8Supported
            case .bfloat16: Self.bfloat16Supported
            }
        }

        private static let int8Supported = packed_gemm_supports_int8() != 0
        private static let bfloat16Supported = packed_gemm_supports_bfloat16() != 0
    }

    let format: Format
    let inputs: Int
    let outputs: Int
    /// int8 weights, or bfloat16 bit patterns, in the kernel's panel order.
    let weights: [UInt16]
    /// int8 only: each column's scale, and scale × its int8 sum (adds back the rows' minimum).
    let scales: [Float]
    let sums: [Float]
    let bias: [Float]?

    /// Packs `linear`, or nil when the kernel cannot take it (unsupported CPU, or a column count
    /// that is not a whole number of 64-column panels).
    init?(_ linear: Linear, format: Format) {
        guard format.isSupported, linear.outputs % Int(PACKED_GEMM_PANEL) == 0 else { return nil }
        (self.format, inputs, outputs, bias) = (format, linear.inputs, linear.outputs, linear.bias)
        let count = Int(packed_gemm_padded_inputs(Int32(inputs))) * outputs
        let (rows, columns, transposed) = (Int32(inputs), Int32(outputs), Int32(linear.transposed ? 1 : 0))
        var scales = [Float](), sums = [Float]()
        // Stored as UInt16 either way: int8 weights fill the first half of the bytes.
        var weights = [UInt16](repeating: 0, count: format == .int8 ? (count + 1) / 2 : count)
        switch format {
        case .int8:
            scales = [Float](repeating: 0, count: outputs)
            sums = scales
            weights.withUnsafeMutableBytes { raw in
                int8_pack_weights(linear.weight, rows, columns, transposed,
                                  raw.baseAddress!.assumingMemoryBound(to: Int8.self), &scales, &sums)
            }
        case .bfloat16:
            bfloat16_pack_weights(linear.weight, rows, columns, transposed, &weights)
        }
        (self.weights, self.scales, self.sums) = (weights, scales, sums)
    }

    /// Writes (or, for `PACKED_GEMM_ADD`, adds) `x·W + b` into `out`, rows spread over the
    /// cores. Each worker converts its own rows and multiplies them: no step waits for another.
    func apply(_ x: Matrix, _ mode: packed_gemm_mode, into out: inout Matrix) {
        precondition(x.columns == inputs && out.rows == x.rows && out.columns == outputs,
                     "packed linear shapes do not match")
        let padded = Int(packed_gemm_padded_inputs(Int32(inputs)))
        // Converted rows (bytes or bfloat16s), then for int8 each row's scale and zero: all
        // written by the conversion before the kernel reads them.
        let rowBytes = format == .int8 ? padded : 2 * padded
        let scratchBytes = x.rows * (rowBytes + 8)
        var scratch = [UInt8](unsafeUninitializedCapacity: scratchBytes) { _, count in count = scratchBytes }
        x.values.withUnsafeBufferPointer { xBuffer in
            out.values.withUnsafeMutableBufferPointer { outBuffer in
                scratch.withUnsafeMutableBytes { scratchBuffer in
                    weights.withUnsafeBytes { weightBuffer in
                        scales.withUnsafeBufferPointer { scaleBuffer in
                            sums.withUnsafeBufferPointer { sumBuffer in
                                bias.withOptionalPointer { biasPointer in
                                    let product = PackedProduct(
                                        format: format, inputs: inputs, outputs: outputs, rows: x.rows,
                                        rowBytes: rowBytes, x: xBuffer.baseAddress!, out: outBuffer.baseAddress!,
                                        scratch: scratchBuffer.baseAddress!, weights: weightBuffer.baseAddress!,
                                        scales: scaleBuffer.baseAddress, sums: sumBuffer.baseAddress,
                                        bias: biasPointer, mode: mode)
                                    concurrentRowBlocks(x.rows, block: Self.rowBlock(x.rows)) { product.run($0) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension PackedLinear {
    /// Rows per block handed to a core: whole 6-row tiles, a whole number of blocks per core
    /// (one image's 257 rows on 2 cores: 132 + 125 rather than 144 + 113 with fixed 48-row
    /// blocks), and ~48-row blocks for big batches so a core slowed by other work takes fewer.
    static func rowBlock(_ rows: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let tiles = (rows + 5) / 6
        let blocks = max(cores, 1) * max(2, tiles / (8 * max(cores, 1)))
        return 6 * ((tiles + blocks - 1) / blocks)
    }
}

/// Everything one `PackedLinear.apply` shares with its workers, which touch disjoint rows.
private struct PackedProduct: @unchecked Sendable {
    let format: PackedLinear.Format
    let inputs, outputs, rows, rowBytes: Int
    let x: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutableRawPointer
    let weights: UnsafeRawPointer
    let scales, sums, bias: UnsafePointer<Float>?
    let mode: packed_gemm_mode

    func run(_ block: Range<Int>) {
        let (first, end, count) = (Int32(block.lowerBound), Int32(block.upperBound), Int32(block.count))
        let source = x + block.lowerBound * inputs
        switch format {
        case .int8:
            let quantized = scratch.assumingMemoryBound(to: UInt8.self)
            let rowScales = (scratch + rows * rowBytes).assumingMemoryBound(to: Float.self), rowZeros = rowScales + rows
            int8_quantize_rows(source, count, Int32(inputs), quantized + block.lowerBound * rowBytes,
                               rowScales + block.lowerBound, rowZeros + block.lowerBound)
            int8_gemm(quantized, rowScales, rowZeros, first, end, Int32(inputs),
                      weights.assumingMemoryBound(to: Int8.self), scales, sums, bias, Int32(outputs), out, mode)
        case .bfloat16:
            let converted = scratch.assumingMemoryBound(to: UInt16.self)
            bfloat16_convert_rows(source, count, Int32(inputs), converted + block.lowerBound * rowBytes / 2)
            bfloat16_gemm(converted, first, end, Int32(inputs), weights.assumingMemoryBound(to: UInt16.self),
                          bias, Int32(outputs), out, mode)
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with the array's storage, or nil.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case let .some(array): array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}
