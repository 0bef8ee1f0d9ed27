/// A vector in the int8 form the index keeps: `x[i] ≈ codes[i] × scale`. A quarter of the
/// bytes of the float vector, so four times less memory traffic per comparison, which is what
/// bounds a graph walk over a large index.
struct QuantizedVector {
    let codes: UnsafePointer<Int8>
    let scale: Float
}

/// Writes the int8 codes of `vector` (symmetric, per-vector scale, codes in -127...127) and
/// returns the scale.
func quantize(_ vector: UnsafePointer<Float>, _ dimensions: Int, into codes: UnsafeMutablePointer<Int8>) -> Float {
    var largest: Float = 0
    for i in 0..<dimensions { largest = max(largest, abs(vector[i])) }
    guard largest > 0 else {
        codes.initialize(repeating: 0, count: dimensions)
        return 0
    }
    let inverse = 127 / largest
    for i in 0..<dimensions { codes[i] = Int8((vector[i] * inverse).rounded()) }
    return largest / 127
}

/// Approximate dot product of two quantized vectors. A plain loop on purpose: LLVM vectorises
/// it into widening multiply-adds, where SIMD type conversions stay generic calls.
@inline(__always)
func dot(_ a: QuantizedVector, _ b: QuantizedVector, _ dimensions: Int) -> Float {
    var sum: Int32 = 0
    for i in 0..<dimensions {
        sum &+= Int32(a.codes[i]) &* Int32(b.codes[i])
    }
    return Float(sum) * a.scale * b.scale
}
