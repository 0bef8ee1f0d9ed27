#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Where each sequence of a packed batch lies: rows `start..<start + count` of the token matrices.
/// Packing sequences back to back (instead of padding them to one length) keeps every dense layer
/// one sgemm over the batch while no row is spent on padding; attention, the only step that
/// mixes tokens, is done per sequence, which is what BERT's padding mask amounts to.
struct PackedSequences: Sendable {
    let ranges: [Range<Int>]
    var tokenCount: Int { ranges.last?.upperBound ?? 0 }

    init(lengths: [Int]) {
        var start = 0
        ranges = lengths.map { length in
            defer { start += length }
            return start..<start + length
        }
    }
}

extension Matrix {
    /// Multi-head scaled dot-product attention of a packed batch. `self` holds one row per token:
    /// queries, keys and values side by side (`3 × width` columns); returns the `width`-wide context.
    /// Heads are read in place through sgemm's leading dimensions, without copies.
    func multiHeadAttention(heads: Int, sequences: PackedSequences) -> Matrix {
        let width = columns / 3
        let headWidth = width / heads
        precondition(columns == 3 * width && width == heads * headWidth, "attention input is not Q|K|V")
        let scale = 1 / Float(headWidth).squareRoot()
        var context = Matrix(zeros: rows, width)
        values.withUnsafeBufferPointer { qkv in
            context.values.withUnsafeMutableBufferPointer { out in
                for range in sequences.ranges where !range.isEmpty {
                    let n = range.count
                    var scores = Matrix(zeros: n, n)
                    for head in 0..<heads {
                        let query = qkv.baseAddress! + range.lowerBound * columns + head * headWidth
                        let key = query + width
                        let value = query + 2 * width
                        scores.values.withUnsafeMutableBufferPointer { s in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                        Int32(n), Int32(n), Int32(headWidth),
                                        scale, query, Int32(columns), key, Int32(columns),
                                        0, s.baseAddress, Int32(n))
                        }
                        scores.softmaxRows()
                        scores.values.withUnsafeBufferPointer { p in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                        Int32(n), Int32(headWidth), Int32(n),
                                        1, p.baseAddress, Int32(n), value, Int32(columns),
                                        0, out.baseAddress! + range.lowerBound * width + head * headWidth,
                                        Int32(width))
                        }
                    }
                }
            }
        }
        return context
    }

    /// The mean of each sequence's rows (mean pooling over its real tokens).
    func meanRows(of sequences: PackedSequences) -> [[Float]] {
        sequences.ranges.map { range in
            var sum = [Float](repeating: 0, count: columns)
            for r in range {
                for (i, x) in row(r).enumerated() { sum[i] += x }
            }
            let inverse = 1 / Float(max(range.count, 1))
            return sum.map { $0 * inverse }
        }
    }
}
