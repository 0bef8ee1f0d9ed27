import Foundation

/// Nearest-neighbour search over one vector space, keyed by listing id. Vectors are unit length;
/// scores are cosine similarities, best first.
public protocol ListingVectorIndex: Sendable {
    var count: Int { get }
    /// The last vector revision applied; kept with the index, so a restart resumes from there.
    var appliedRevision: Int64 { get }
    /// True while the index builds the graph its size calls for (searches are exact meanwhile).
    var isBuildingGraph: Bool { get }
    /// Inserts or replaces vectors (in revision order) and records the last revision.
    func apply(_ vectors: [ListingVector]) throws
    func remove(_ listingID: String) throws
    /// Exactly min(limit, listings passing `filter`) results: a filter never makes it come back short.
    /// `filter` takes the listing id as a UUID (listing ids are UUIDs), asked per candidate.
    func search(_ query: [Float], limit: Int, where filter: (@Sendable (UUID) -> Bool)?) -> [(listingID: String, score: Float)]
}

/// A photo → its embedding, with how long decoding and the model took.
public struct PhotoEmbedding: Sendable {
    public let vector: [Float]
    public let decodeSeconds: Double
    public let embedSeconds: Double

    public init(vector: [Float], decodeSeconds: Double, embedSeconds: Double) {
        self.vector = vector
        self.decodeSeconds = decodeSeconds
        self.embedSeconds = embedSeconds
    }
}

public protocol PhotoEmbedder: Sendable {
    /// Vectors are tagged with it; another model means re-embedding.
    var modelID: String { get }
    func embed(_ photo: Data) async throws -> PhotoEmbedding
}

public protocol TextEmbedder: Sendable {
    var modelID: String { get }
    func embed(_ texts: [String]) async throws -> [[Float]]
}

extension AtelierError {
    public static func modelUnavailable(_ what: String) -> AtelierError {
        AtelierError(status: 503, code: "MODEL_UNAVAILABLE",
                     message: "The \(what) model is not installed on this server; run `atelier models fetch`.")
    }
}
