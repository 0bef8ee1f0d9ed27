import Foundation
import Logging

/// Starts the catalogue's own jobs when they are due: each registered source once per its period
/// (once across every process sharing the database), and the re-embedding backfill while stored
/// vectors were made by other models than the installed ones.
public struct CatalogUpkeep: Sendable {
    let sources: any IngestionSourceStore
    let photos: ListingPhotos
    let jobs: JobService

    public init(sources: any IngestionSourceStore, photos: ListingPhotos, jobs: JobService) {
        self.sources = sources
        self.photos = photos
        self.jobs = jobs
    }

    /// The jobs this call started. A process that dies between claiming an occurrence and
    /// starting its job skips that occurrence; the next one runs as usual.
    @discardableResult
    public func startDueJobs(now: Date = Date()) async throws -> [Job] {
        let imports = try await startDueImports(now: now)
        guard try await photos.olderVectorCount() > 0, let backfill = try await startBackfill(now: now) else { return imports }
        return imports + [backfill]
    }

    private func startDueImports(now: Date) async throws -> [Job] {
        var started: [Job] = []
        for source in try await sources.sources() {
            let occurrence = Int64(now.timeIntervalSince1970) / Int64(source.everyMinutes * 60)
            guard try await jobs.claimOccurrence(name: "source:\(source.id)", occurrence: occurrence) else { continue }
            if let job = try await jobs.startSystemJob(SourceImport.spec.name, params: .object(["source_id": .string(source.id)]),
                                                       key: "source:\(source.id):\(occurrence)") {
                started.append(job)
            }
        }
        return started
    }

    /// The re-embedding job (vectors of other models than the installed ones remain), unless one runs.
    private func startBackfill(now: Date) async throws -> Job? {
        guard try await !jobs.hasActiveSystemJob(Reembedding.spec.name) else { return nil }
        // One per hour at most: a backfill that failed for good is tried again an hour later.
        let hour = Int64(now.timeIntervalSince1970) / 3600
        return try await jobs.startSystemJob(Reembedding.spec.name, params: .object([:]),
                                             key: "reembed:\(photos.modelIDs.joined(separator: ",")):\(hour)")
    }

    /// Queues an import of `source` now, besides its schedule.
    public func importNow(_ source: IngestionSource) async throws -> Job {
        let key = "source:\(source.id):now:\(Identifier.make())"
        guard let job = try await jobs.startSystemJob(SourceImport.spec.name, params: .object(["source_id": .string(source.id)]), key: key) else {
            throw JobError.keyInFlight  // a fresh key cannot have a job yet
        }
        return job
    }

    /// Checks every `interval` until the calling task is canceled. Counting older vectors reads
    /// every vector row, so it is skipped while no vector has been written since a count found
    /// none (vectors of another model arrive only by being written).
    public func run(every interval: Duration = .seconds(30), logger: Logger) async {
        var settled: Int64?
        while !Task.isCancelled {
            do {
                var started = try await startDueImports(now: Date())
                let vectors = try await photos.latestRevisions().vectors
                if vectors != settled {
                    let older = try await photos.olderVectorCount()
                    if older > 0, let job = try await startBackfill(now: Date()) { started.append(job) }
                    settled = older == 0 ? vectors : nil
                }
                for job in started {
                    logger.info("catalogue job started", metadata: ["job_id": .string(job.id), "processor": .string(job.processor)])
                }
            } catch {
                logger.error("catalogue jobs could not be started", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
