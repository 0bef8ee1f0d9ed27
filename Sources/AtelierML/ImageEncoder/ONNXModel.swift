import Foundation

/// The parts of an ONNX file the encoder needs: float initializers by name and the graph's
/// nodes (to find anonymous MatMul weights through the node that consumes them).
/// Field numbers follow onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
/// NodeProto input = 1, output = 2, name = 3, op_type = 4; TensorProto dims = 1, data_type = 2,
/// float_data = 4, name = 8, raw_data = 9, data_location = 14.
struct ONNXModel: Sendable {
    struct Node: Sendable {
        var name = ""
        var opType = ""
        var inputs: [String] = []
        var outputs: [String] = []
    }

    struct Tensor: Sendable {
        var name = ""
        var dims: [Int] = []
        var values: [Float] = []
    }

    private(set) var nodes: [Node] = []
    private(set) var initializers: [String: Tensor] = [:]

    init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ImageEncoderError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data))
    }

    init(bytes: [UInt8]) throws {
        var model = ProtobufReader(bytes: bytes)
        var sawGraph = false
        while let field = try model.nextField() {
            guard field.number == 7, field.wireType == .lengthDelimited else { continue }
            sawGraph = true
            try readGraph(model.nested(field))
        }
        guard sawGraph else { throw ImageEncoderError.malformedModel("the file holds no ONNX graph") }
    }

    /// The node with this exact name, e.g. `/backbone/encoder/layer.0/mlp/fc1/MatMul`.
    func node(named name: String) throws -> Node {
        guard let node = nodes.first(where: { $0.name == name }) else {
            throw ImageEncoderError.missingTensor("graph node \(name)")
        }
        return node
    }

    /// A float initializer, checked against the expected shape.
    func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let tensor = initializers[name] else { throw ImageEncoderError.missingTensor(name) }
        guard tensor.dims == shape, tensor.values.count == shape.reduce(1, *) else {
            throw ImageEncoderError.unexpectedShape(name: name, expected: shape, actual: tensor.dims)
        }
        return tensor.values
    }

    /// The name of input `index` of the named node: how anonymous `onnx::MatMul_…` weights are found.
    func input(_ index: Int, of nodeName: String) throws -> String {
        let node = try node(named: nodeName)
        guard node.inputs.indices.contains(index) else {
            throw ImageEncoderError.malformedModel("graph node \(nodeName) has no input \(index)")
        }
        return node.inputs[index]
    }

    private mutating func readGraph(_ graph: ProtobufReader) throws {
        var graph = graph
        while let field = try graph.nextField() {
            guard field.wireType == .lengthDelimited else { continue }
            switch field.number {
            case 1: nodes.append(try Self.readNode(graph.nested(field)))
            case 5:
                let tensor = try Self.readTensor(graph.nested(field))
                initializers[tensor.name] = tensor
            default: continue
            }
        }
    }

    private static func readNode(_ reader: ProtobufReader) throws -> Node {
        var reader = reader
        var node = Node()
        while let field = try reader.nextField() {
            switch field.number {
            case 1: node.inputs.append(try reader.string(field))
            case 2: node.outputs.append(try reader.string(field))
            case 3: node.name = try reader.string(field)
            case 4: node.opType = try reader.string(field)
            default: continue
            }
        }
        return node
    }

    private static func readTensor(_ reader: ProtobufReader) throws -> Tensor {
        var reader = reader
        var tensor = Tensor()
        var dataType: UInt64 = 0
        var rawData: Range<Int>?
        var floatData: [Float] = []
        while let field = try reader.nextField() {
            switch field.number {
            case 1:
                for dim in try reader.integers(field) {
                    guard dim >= 0, dim <= Int64(Int32.max) else {
                        throw ImageEncoderError.malformedModel("tensor has an invalid dimension \(dim)")
                    }
                    tensor.dims.append(Int(dim))
                }
            case 2: dataType = field.varint
            case 4:
                switch field.wireType {
                case .fixed32, .lengthDelimited: floatData += try reader.floats(in: field.payload)
                default: throw ImageEncoderError.malformedModel("float_data has the wrong wire type")
                }
            case 8: tensor.name = try reader.string(field)
            case 9: rawData = field.payload
            case 14 where field.varint == 1:
                throw ImageEncoderError.unsupported("tensor \(tensor.name) keeps its data in an external file")
            default: continue
            }
        }
        // Only float32 (data_type 1) initializers are decoded; the encoder needs no others.
        guard dataType == 1 else { return tensor }
        tensor.values = try rawData.map(reader.floats(in:)) ?? floatData
        var count = 1
        for dim in tensor.dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw ImageEncoderError.malformedModel("tensor \(tensor.name) is too large") }
            count = product
        }
        guard tensor.values.count == count else {
            throw ImageEncoderError.malformedModel(
                "tensor \(tensor.name) has \(tensor.values.count) values for shape \(tensor.dims)")
        }
        return tensor
    }
}
