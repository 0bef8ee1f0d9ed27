/// Why an image model could not be loaded or an image could not be used.
public enum ImageEncoderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model file is missing or cannot be read.
    case unreadableFile(path: String, reason: String)
    /// The file is not a well-formed ONNX model.
    case malformedModel(String)
    /// A weight or graph node the encoder needs is not in the model.
    case missingTensor(String)
    /// A weight has a shape other than the encoder expects (a different model variant).
    case unexpectedShape(name: String, expected: [Int], actual: [Int])
    /// The model uses a feature this reader does not support (e.g. external tensor data).
    case unsupported(String)
    /// Pixel data does not match the stated image size.
    case invalidImage(String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read image model \(path): \(reason)"
        case let .malformedModel(detail): "malformed ONNX image model: \(detail)"
        case let .missingTensor(name): "image model lacks \(name)"
        case let .unexpectedShape(name, expected, actual):
            "image model weight \(name) has shape \(actual), expected \(expected)"
        case let .unsupported(detail): "unsupported ONNX image model: \(detail)"
        case let .invalidImage(detail): "invalid image: \(detail)"
        }
    }
}
