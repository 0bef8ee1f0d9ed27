import Foundation

/// Runs a model on its own thread, one batch at a time: inputs that arrive while a batch is being
/// computed wait and go together in the next one, so under load the big matrix products grow
/// instead of the queue. The model's work never blocks Swift's shared threads.
actor EmbeddingBatcher<Input: Sendable> {
    private let maxBatch: Int
    private let model: @Sendable ([Input]) -> [[Float]]
    private var waiting: [(Input, CheckedContinuation<[Float], any Error>)] = []
    private var running = false
    private let thread = DispatchQueue(label: "atelier.embedding")

    init(maxBatch: Int, model: @escaping @Sendable ([Input]) -> [[Float]]) {
        self.maxBatch = maxBatch
        self.model = model
    }

    func embed(_ input: Input) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append((input, continuation))
            if !running {
                running = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maxBatch))
            waiting.removeFirst(batch.count)
            let inputs = batch.map(\.0)
            let model = model
            let vectors = await withCheckedContinuation { done in
                thread.async { done.resume(returning: model(inputs)) }
            }
            for (index, entry) in batch.enumerated() {
                if index < vectors.count { entry.1.resume(returning: vectors[index]) } else { entry.1.resume(throwing: CancellationError()) }
            }
        }
        running = false
    }
}
