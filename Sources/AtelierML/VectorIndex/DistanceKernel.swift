/// Dot product of two `dimensions`-long vectors: the similarity of every search (vectors are
/// unit length, so it is their cosine). Two SIMD16 accumulators hide the add latency; the
/// tail (dimensions not a multiple of 16) is scalar.
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dimensions: Int) -> Float {
    let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
    var s0 = SIMD16<Float>(), s1 = SIMD16<Float>()
    var i = 0
    while i + 32 <= dimensions {
        s0 += rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        s1 += rawA.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
        i += 32
    }
    if i + 16 <= dimensions {
        s0 += rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            * rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    var sum = (s0 + s1).sum()
    while i < dimensions {
        sum += a[i] * b[i]
        i += 1
    }
    return sum
}

/// A vector in the int8 form the graph walks on: `x[i] ≈ codes[i] × scale`. A quarter of the
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
