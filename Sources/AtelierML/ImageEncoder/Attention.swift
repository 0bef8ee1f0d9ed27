#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import CPackedGEMM
import Foundation

/// Multi-head self-attention of every image separately, given the fused projections
/// `qkv = [Q | K | V]` (`images·tokens × 3·hidden`). Per image: one sgemm per head for Q·Kᵀ,
/// the softmax of all heads' rows spread over the cores, one sgemm per head for ·V. Heads are
/// read and written in place through the leading dimension, so nothing is transposed or copied.
/// The sgemm calls run side by side only when BLAS itself is single-threaded.
/// `bfloat16`: each head in one call of `CPackedGEMM`'s bfloat16 attention instead (64-wide
/// heads, AVX-512 BF16; the caller checks both), half the work of the float32 products.
func selfAttention(_ qkv: Matrix, images: Int, tokens: Int, heads: Int, headSize: Int, bfloat16: Bool = false) -> Matrix {
    let hidden = heads * headSize
    precondition(qkv.rows == images * tokens && qkv.columns == 3 * hidden, "fused QKV has the wrong shape")
    if bfloat16 {
        return bfloat16Attention(qkv, images: images, tokens: tokens, heads: heads, headSize: headSize)
    }
    var context = Matrix(unfilled: images * tokens, hidden)  // sgemm with β = 0 writes all of both
    var scores = [Float](unsafeUninitializedCapacity: heads * tokens * tokens) { _, count in count = heads * tokens * tokens }
    let t = Int32(tokens), hs = Int32(headSize), ld = Int32(3 * hidden)
    let scale = 1 / Float(headSize).squareRoot()
    let blasWorkers = coresLeftByBLAS
    qkv.values.withUnsafeBufferPointer { qkvBuffer in
        context.values.withUnsafeMutableBufferPointer { contextBuffer in
            scores.withUnsafeMutableBufferPointer { scoresBuffer in
                let s = SharedBuffer(pointer: scoresBuffer.baseAddress!)
                for image in 0..<images {
                    let block = SharedBuffer(pointer: UnsafeMutablePointer(
                        mutating: qkvBuffer.baseAddress! + image * tokens * 3 * hidden))
                    let out = SharedBuffer(pointer: contextBuffer.baseAddress! + image * tokens * hidden)
                    concurrentChunks(heads, minimumChunk: 1, workers: blasWorkers) { headRange in
                        for head in headRange {
                            let q = block.pointer + head * headSize
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, hs,
                                        scale, q, ld, q + hidden, ld, 0, s.pointer + head * tokens * tokens, t)
                        }
                    }
                    concurrentChunks(heads * tokens, minimumChunk: 64) { rows in
                        softmaxRows(s.pointer, rows: rows, columns: tokens)
                    }
                    concurrentChunks(heads, minimumChunk: 1, workers: blasWorkers) { headRange in
                        for head in headRange {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, hs, t,
                                        1, s.pointer + head * tokens * tokens, t,
                                        block.pointer + 2 * hidden + head * headSize, ld,
                                        0, out.pointer + head * headSize, Int32(hidden))
                        }
                    }
                }
            }
        }
    }
    return context
}

private func bfloat16Attention(_ qkv: Matrix, images: Int, tokens: Int, heads: Int, headSize: Int) -> Matrix {
    precondition(headSize == 64, "the bfloat16 attention takes 64-wide heads")
    let hidden = heads * headSize
    var context = Matrix(unfilled: images * tokens, hidden)  // every head writes all its rows
    let scratchBytes = Int(bfloat16_attention_scratch_bytes(Int32(tokens)))
    let scale = 1 / Float(headSize).squareRoot()
    qkv.values.withUnsafeBufferPointer { qkvBuffer in
        context.values.withUnsafeMutableBufferPointer { contextBuffer in
            let source = SharedBuffer(pointer: UnsafeMutablePointer(mutating: qkvBuffer.baseAddress!))
            let out = SharedBuffer(pointer: contextBuffer.baseAddress!)
            // Every (image, head) pair is independent: one share of them per core.
            concurrentChunks(images * heads, minimumChunk: 1) { pairs in
                let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
                defer { scratch.deallocate() }
                for pair in pairs {
                    let (image, head) = pair.quotientAndRemainder(dividingBy: heads)
                    let q = source.pointer + image * tokens * 3 * hidden + head * headSize
                    bfloat16_attention(q, q + hidden, q + 2 * hidden, Int32(3 * hidden), Int32(tokens), scale,
                                       out.pointer + image * tokens * hidden + head * headSize, Int32(hidden), scratch)
                }
            }
        }
    }
    return context
}
