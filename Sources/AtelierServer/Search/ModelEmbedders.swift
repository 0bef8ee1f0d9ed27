import AtelierCore
import AtelierImaging
import AtelierML
import Foundation

/// Photos → DINOv2 vectors: header check (pixel limit), libvips decode to the model's square,
/// then the model, with requests that arrive together embedded as one batch.
struct ModelPhotoEmbedder: PhotoEmbedder {
    let model: ImageEmbeddingModel
    let images: VipsImageProcessor
    let maxPixels: Int
    let batcher: EmbeddingBatcher<RGBImage>

    init(model: ImageEmbeddingModel, images: VipsImageProcessor, maxPixels: Int) {
        self.model = model
        self.images = images
        self.maxPixels = maxPixels
        batcher = EmbeddingBatcher(maxBatch: 16) { model.embed($0) }
    }

    var modelID: String { model.id }

    func embed(_ photo: Data) async throws -> PhotoEmbedding {
        let started = ContinuousClock.now
        let header = try await images.header(of: photo)
        guard header.width * header.height <= maxPixels else {
            throw MediaError.tooManyPixels(width: header.width, height: header.height, limit: maxPixels)
        }
        let side = ImageEmbeddingModel.inputSize
        let square = try RGBImage(width: side, height: side, pixels: try await images.squarePixels(of: photo, side: side))
        let decoded = ContinuousClock.now
        let vector = try await batcher.embed(square)
        return PhotoEmbedding(vector: vector, decodeSeconds: (decoded - started).seconds, embedSeconds: (ContinuousClock.now - decoded).seconds)
    }
}

/// Texts → MiniLM vectors, on the embedding thread.
struct ModelTextEmbedder: TextEmbedder {
    let model: TextEmbeddingModel
    let batcher: EmbeddingBatcher<String>

    init(model: TextEmbeddingModel) {
        self.model = model
        batcher = EmbeddingBatcher(maxBatch: 32) { model.embed($0) }
    }

    var modelID: String { model.id }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() { group.addTask { (index, try await batcher.embed(text)) } }
            var vectors = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { vectors[index] = vector }
            return vectors
        }
    }
}
