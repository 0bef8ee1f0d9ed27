/// `image.enhance`: auto-levels, local contrast and sharpening, written as a new media asset.
public struct ImageEnhance: ProcessorRunner {
    public static let spec = ProcessorSpec(
        name: "image.enhance", title: "Enhance", description: "Auto-levels, local contrast and sharpening of one photo.",
        cost: 1, queue: .interactive, featured: true, mediaInputs: 1...1,
        params: ParamsSchema(properties: ["strength": .number("How much local contrast to add (0–1, default 0.5).", minimum: 0, maximum: 1)]),
        timeout: .seconds(60))

    let media: MediaService
    let enhancer: any ImageEnhancer

    public init(media: MediaService, enhancer: any ImageEnhancer) {
        self.media = media
        self.enhancer = enhancer
    }

    public func run(_ input: JobInput, progress: any JobProgress) async throws -> JobOutput {
        await progress.report(0.1, step: "loading")
        let asset = try await media.asset(id: input.mediaIDs[0], ownerID: input.ownerID)
        let original = try await media.original(of: asset)
        try await progress.checkCancellation()
        await progress.report(0.3, step: "enhancing")
        let enhanced = try await enhancer.enhance(original, strength: input.params["strength"]?.number ?? 0.5)
        try await progress.checkCancellation()
        await progress.report(0.8, step: "saving")
        let (result, _) = try await media.upload(enhanced, ownerID: input.ownerID)
        await progress.report(1, step: "done")
        return JobOutput(mediaIDs: [result.id], data: ["source_media_id": .string(asset.id)])
    }
}
