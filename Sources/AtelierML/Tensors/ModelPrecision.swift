/// Number format of a model's matrix products (~95 % of its work), where the CPU has the
/// instructions; elsewhere (Apple platforms, older x86) models run float32.
public enum ModelPrecision: Sendable, Equatable {
    /// float32 sgemm: the reference, matches onnxruntime and sentence-transformers (the parity
    /// tests use it).
    case float32
    /// bfloat16 products with float32 sums (AVX-512 BF16): embeddings within ~0.9999 cosine
    /// of float32, ~2× faster, half the weights' memory.
    case bfloat16
    /// int8 products (AVX-512 VNNI): embeddings within ~0.9996 cosine of float32, ~3×
    /// faster, a quarter of the memory; retrieval rankings mostly, not exactly, the same.
    case int8

    /// Whether this CPU runs it (float32 always; the others need AVX-512 BF16 or VNNI).
    public var isSupported: Bool {
        switch self {
        case .float32: true
        case .bfloat16: PackedLinear.Format.bfloat16.isSupported
        case .int8: PackedLinear.Format.int8.isSupported
        }
    }
}
