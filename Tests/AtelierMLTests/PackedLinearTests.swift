import Testing
@testable import AtelierML

/// The int8 and bf16 kernels against the float32 linear layer they replace, on random data
/// with the awkward shapes the encoder has (257 rows: not a multiple of the 6-row tile; 588
/// inputs: padded). Not run on CPUs without the instructions, where `Projection` stays float32.
@Suite("Reduced-precision linear layers")
struct Int8LinearTests {
    /// Deterministic values in [-1, 1), with a few large ones like real activations have.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Float(state >> 40) / Float(1 << 24) * 2 - 1
            return index % 97 == 0 ? unit * 8 : unit
        }
    }

    static func linear(inputs: Int, outputs: Int, transposed: Bool) -> Linear {
        Linear(weight: values(inputs * outputs, seed: 1).map { $0 * 0.05 }, bias: values(outputs, seed: 2),
               inputs: inputs, outputs: outputs, transposed: transposed)
    }

    /// Largest error relative to the largest reference value.
    static func relativeError(_ got: Matrix, _ expected: Matrix) -> Float {
        let scale = expected.values.map(abs).max() ?? 1
        return zip(got.values, expected.values).map { abs($0 - $1) }.max()! / scale
    }

    @Test(.enabled(if: PackedLinear.Format.int8.isSupported))
    func int8FollowsFloat() { checkStoreAddAndGELU(.int8, tolerance: 0.02) }

    @Test(.enabled(if: PackedLinear.Format.bfloat16.isSupported))
    func bfloat16FollowsFloat() { checkStoreAddAndGELU(.bfloat16, tolerance: 0.005) }

    func checkStoreAddAndGELU(_ precision: ImageEmbeddingModel.Precision, tolerance: Float) {
        for (inputs, outputs, transposed) in [(588, 384, true), (384, 1152, false), (1536, 384, false)] {
            let reference = Self.linear(inputs: inputs, outputs: outputs, transposed: transposed)
            let fast = Projection(reference, precision: precision)
            guard case .packed = fast else { Issue.record("\(precision) projection not built"); return }
            let x = Matrix(rows: 257, columns: inputs, values: Self.values(257 * inputs, seed: 3))

            let expected = reference(x)
            #expect(Self.relativeError(fast(x), expected) < tolerance)

            var residual = Matrix(rows: 257, columns: outputs, values: Self.values(257 * outputs, seed: 4))
            var expectedSum = residual
            expectedSum.add(expected)
            fast.add(x, to: &residual)
            #expect(Self.relativeError(residual, expectedSum) < tolerance)

            var expectedGELU = expected
            expectedGELU.gelu()
            #expect(Self.relativeError(fast.gelu(x), expectedGELU) < tolerance)
        }
    }

    @Test func floatIsKeptWhenAskedFor() {
        let projection = Projection(Self.linear(inputs: 384, outputs: 384, transposed: false), precision: .float32)
        guard case .float = projection else { Issue.record("float32 projection was quantised"); return }
    }
}
