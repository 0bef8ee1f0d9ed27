import Foundation

/// Where a job waits: interactive jobs (a person watching) before standard before batch, each
/// queue with workers of its own so that no queue starves another.
public enum QueueClass: String, Sendable, CaseIterable, Codable {
    case interactive, standard, batch
}

/// A named, versioned unit of work and everything the catalogue and the job API need to know about it.
public struct ProcessorSpec: Sendable {
    public let name: String
    public let version: Int
    public let title: String
    public let description: String
    public let cost: Int
    public let queue: QueueClass
    public let premium: Bool
    public let featured: Bool
    /// How many media ids a job takes.
    public let mediaInputs: ClosedRange<Int>
    public let params: ParamsSchema
    public let timeout: Duration
    public let maxAttempts: Int
    /// Work the platform gives itself (catalogue imports, re-embedding): not in the public
    /// catalogue, not for users to start, and run by a worker of its own so that hours of
    /// upkeep never hold up users' jobs.
    public let system: Bool

    public init(name: String, version: Int = 1, title: String, description: String, cost: Int, queue: QueueClass,
                premium: Bool = false, featured: Bool = false, mediaInputs: ClosedRange<Int>, params: ParamsSchema = ParamsSchema(),
                timeout: Duration = .seconds(120), maxAttempts: Int = 3, system: Bool = false) {
        self.name = name
        self.version = version
        self.title = title
        self.description = description
        self.cost = cost
        self.queue = queue
        self.premium = premium
        self.featured = featured
        self.mediaInputs = mediaInputs
        self.params = params
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.system = system
    }
}

/// What a running job can do: report progress and learn whether it was canceled.
public protocol JobProgress: Sendable {
    /// Fraction 0…1 and the name of the current step.
    func report(_ fraction: Double, step: String) async
    /// Throws `CancellationError` once the job has been canceled.
    func checkCancellation() async throws
}

public struct JobInput: Sendable {
    public let jobID: String
    public let ownerID: String
    public let mediaIDs: [String]
    public let params: JSONValue
}

public struct JobOutput: Sendable {
    public var mediaIDs: [String]
    public var data: [String: JSONValue]

    public init(mediaIDs: [String] = [], data: [String: JSONValue] = [:]) {
        self.mediaIDs = mediaIDs
        self.data = data
    }
}

/// A failure worth trying again (a provider's 503, a timeout), with backoff, up to the processor's attempts.
public struct RetryableJobError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// The code that does a processor's work in this process. Processors without one (GPU models)
/// are still in the catalogue; their jobs wait for an external worker.
public protocol ProcessorRunner: Sendable {
    func run(_ input: JobInput, progress: any JobProgress) async throws -> JobOutput
}

public struct Processor: Sendable {
    public let spec: ProcessorSpec
    public let runner: (any ProcessorRunner)?

    public init(spec: ProcessorSpec, runner: (any ProcessorRunner)?) {
        self.spec = spec
        self.runner = runner
    }
}

/// The processors this server knows, by name.
public struct ProcessorCatalogue: Sendable {
    public let processors: [Processor]

    public init(_ processors: [Processor]) {
        self.processors = processors.sorted { $0.spec.name < $1.spec.name }
    }

    public func processor(named name: String) -> Processor? {
        processors.first { $0.spec.name == name }
    }

    /// What users may see and start.
    public var published: [Processor] { processors.filter { !$0.spec.system } }
}
