/// pgvector's text form of a vector, `[0.1,-0.2,…]`, which the stores bind and cast to `vector`.
/// Swift prints each float in its shortest form that reads back to the same float, so nothing is
/// lost on the way.
enum PGVector {
    /// The width of the `embedding` column (migration 8): both models' vectors are 384-d.
    static let dimensions = 384

    static func fits(_ values: [Float]) -> Bool {
        values.count == dimensions && values.allSatisfy(\.isFinite)
    }

    static func literal(_ values: [Float]) -> String {
        "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
    }
}
