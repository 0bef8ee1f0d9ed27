import Foundation
import Logging

/// Brings listings' photos and texts into search: fetches each pending listing's first photo
/// through the media pipeline (validated, variants, content hash), embeds it, and embeds listing
/// texts; also re-embeds whatever an older model made (the backfill after a model change).
public struct ListingPhotos: Sendable {
    public static let ownerID = PlatformAccount.id
    let listings: any ListingStore
    let media: MediaService
    let downloader: any ImageDownloader
    let photos: (any PhotoEmbedder)?
    let texts: (any TextEmbedder)?
    let logger: Logger

    public init(listings: any ListingStore, media: MediaService, downloader: any ImageDownloader,
                photos: (any PhotoEmbedder)?, texts: (any TextEmbedder)?, logger: Logger) {
        self.listings = listings
        self.media = media
        self.downloader = downloader
        self.photos = photos
        self.texts = texts
        self.logger = logger
    }

    public struct Progress: Sendable {
        public var photosReady = 0
        public var photosFailed = 0
        public var textsEmbedded = 0
    }

    /// Works until nothing is left, in batches; `progress` sees the counts after each batch.
    /// `.missing`: new listings (photos to fetch, vectors to make); `.olderModel`: the backfill
    /// after a model change (the `catalog.reembed` job).
    @discardableResult
    public func catchUp(_ need: VectorNeed = .missing, batch: Int = 16,
                        progress: @Sendable (Progress) async -> Void = { _ in }) async throws -> Progress {
        var done = Progress()
        // Each listing is tried once per call: one that cannot even be marked failed (a broken
        // database) must not be retried in a tight loop.
        var tried: Set<String> = []
        while !Task.isCancelled {
            // Without the image model, photos wait (still pending) until it is installed.
            let pending = photos == nil || need == .olderModel ? [] : try await listings.pendingImages(limit: batch)
            let stale = try await photos.asyncMap { try await listings.needingVectors(space: .image, model: $0.modelID, need, limit: batch) } ?? []
            let texts = try await self.texts.asyncMap { try await listings.needingVectors(space: .text, model: $0.modelID, need, limit: batch * 4) } ?? []
            let photoWork = (pending + stale).filter { tried.insert($0.id).inserted }
            let textWork = texts.filter { tried.insert("text:" + $0.id).inserted }
            if photoWork.isEmpty && textWork.isEmpty { break }
            await withTaskGroup(of: Bool.self) { group in
                // Photos are independent: fetch and decode a few at once, so a slow host doesn't
                // hold the rest up; the embedder batches what arrives together.
                for listing in photoWork { group.addTask { await fetchPhoto(of: listing) } }
                for await ready in group { if ready { done.photosReady += 1 } else { done.photosFailed += 1 } }
            }
            done.textsEmbedded += try await embedTexts(of: textWork)
            await progress(done)
        }
        return done
    }

    /// The installed models' ids.
    public var modelIDs: [String] { [photos?.modelID, texts?.modelID].compactMap { $0 } }

    /// The catalogue's newest listing and vector revisions.
    public func latestRevisions() async throws -> CatalogRevisions { try await listings.latestRevisions() }

    /// Vectors of live listings that older models made: the re-embedding backlog.
    public func olderVectorCount() async throws -> Int {
        let images = try await photos.asyncMap { try await listings.countOlderVectors(space: .image, model: $0.modelID) } ?? 0
        let texts = try await self.texts.asyncMap { try await listings.countOlderVectors(space: .text, model: $0.modelID) } ?? 0
        return images + texts
    }

    private func fetchPhoto(of listing: Listing) async -> Bool {
        guard let photos else { return false }
        do {
            let data: Data
            if let mediaID = listing.mediaID, let asset = try? await media.asset(id: mediaID, ownerID: Self.ownerID) {
                data = try await media.original(of: asset)
            } else {
                guard let url = listing.draft.imageURLs.first else { throw AtelierError.validation("The listing has no image url.") }
                data = try await downloader.download(url, maxBytes: media.limits.maxUploadBytes)
            }
            let (asset, _) = try await media.upload(data, ownerID: Self.ownerID)
            let embedding = try await photos.embed(data)
            let vector = ListingVector(listingID: listing.id, space: .image, model: photos.modelID, values: embedding.vector)
            try await listings.recordImage(listingID: listing.id, outcome: .stored(mediaID: asset.id, vector: vector))
            return true
        } catch {
            let reason = (error as? AtelierError)?.message ?? "\(error)"
            logger.info("listing photo failed", metadata: ["listing_id": .string(listing.id), "reason": .string(reason)])
            try? await listings.recordImage(listingID: listing.id, outcome: .failed(reason))
            return false
        }
    }

    private func embedTexts(of batch: [Listing]) async throws -> Int {
        guard let texts, !batch.isEmpty else { return 0 }
        let vectors = try await texts.embed(batch.map(\.searchableText))
        try await listings.saveVectors(zip(batch, vectors).map {
            ListingVector(listingID: $0.id, space: .text, model: texts.modelID, values: $1)
        })
        return batch.count
    }
}
