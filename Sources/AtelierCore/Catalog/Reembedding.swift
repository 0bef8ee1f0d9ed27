import Foundation

/// `catalog.reembed`: after a model change, makes listings' photo and text vectors again with the
/// installed models. Listings appear in the new model's search as they are done.
public struct Reembedding: ProcessorRunner {
    public static let spec = ProcessorSpec(
        name: "catalog.reembed", title: "Re-embed the catalogue",
        description: "Makes listings' vectors again with the installed models after a model change.",
        cost: 0, queue: .batch, mediaInputs: 0...0, timeout: .seconds(72 * 3600), maxAttempts: 3, system: true)

    let photos: ListingPhotos

    public init(photos: ListingPhotos) {
        self.photos = photos
    }

    public func run(_ input: JobInput, progress: any JobProgress) async throws -> JobOutput {
        let total = try await photos.olderVectorCount()
        await progress.report(0, step: "re-embedding \(total) vectors")
        let done = try await photos.catchUp(.olderModel) { done in
            let count = done.photosReady + done.photosFailed + done.textsEmbedded
            await progress.report(min(0.99, Double(count) / Double(max(total, 1))), step: "re-embedding")
        }
        try await progress.checkCancellation()
        await progress.report(1, step: "done")
        return JobOutput(data: [
            "photos": .number(Double(done.photosReady)), "photos_failed": .number(Double(done.photosFailed)),
            "texts": .number(Double(done.textsEmbedded)),
        ])
    }
}
