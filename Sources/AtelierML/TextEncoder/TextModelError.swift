/// Why a text embedding model could not be loaded.
public enum TextModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A required file is not in the model folder (or cannot be read).
    case missingFile(String)
    /// The safetensors file is not what its header claims.
    case malformedSafeTensors(String)
    /// The weights lack a tensor the model needs.
    case missingTensor(String)
    /// A tensor is there with the wrong shape.
    case wrongShape(tensor: String, expected: [Int], actual: [Int])
    /// vocab.txt is empty or lacks the special tokens.
    case malformedVocabulary(String)

    public var description: String {
        switch self {
        case .missingFile(let path): "missing model file: \(path)"
        case .malformedSafeTensors(let why): "malformed safetensors: \(why)"
        case .missingTensor(let name): "missing tensor: \(name)"
        case .wrongShape(let name, let expected, let actual):
            "tensor \(name) has shape \(actual), expected \(expected)"
        case .malformedVocabulary(let why): "malformed vocabulary: \(why)"
        }
    }
}
