import Foundation

/// Processors this binary does not implement (GPU models), declared in a JSON file
/// (`ATELIER_EXTERNAL_PROCESSORS`) so that the catalogue lists them and their jobs wait for an
/// external worker:
///
///     [{"name": "iris.segment", "title": "Iris segmentation", "cost": 5, "queue": "interactive",
///       "media_inputs": [1, 1], "timeout_seconds": 300,
///       "params": {"properties": {"detail": {"type": "number", "minimum": 0, "maximum": 1}}, "required": []}}]
public enum ProcessorDeclarations {
    struct Declaration: Decodable {
        let name: String
        let version: Int?
        let title: String
        let description: String?
        let cost: Int
        let queue: QueueClass
        let premium: Bool?
        let featured: Bool?
        let mediaInputs: [Int]?
        let params: Params?
        let timeoutSeconds: Int?
        let maxAttempts: Int?
    }

    struct Params: Decodable {
        let properties: [String: Property]
        let required: [String]?
    }

    struct Property: Decodable {
        let type: String
        let minimum: Double?
        let maximum: Double?
        let `enum`: [String]?
        let description: String?
    }

    public static func read(_ file: URL) throws -> [ProcessorSpec] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let declarations: [Declaration]
        do {
            declarations = try decoder.decode([Declaration].self, from: try Data(contentsOf: file))
        } catch {
            throw ProcessorDeclarationError("\(file.path) is not a JSON array of processors: \(error)")
        }
        return try declarations.map(spec)
    }

    static func spec(_ declaration: Declaration) throws -> ProcessorSpec {
        let name = declaration.name
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || ".-_".contains($0)) }) else {
            throw ProcessorDeclarationError("processor name \(name) must be 1–64 lowercase letters, digits, '.', '-' or '_'")
        }
        let inputs = declaration.mediaInputs ?? [0, 0]
        guard inputs.count == 2, inputs[0] >= 0, inputs[0] <= inputs[1], inputs[1] <= 10 else {
            throw ProcessorDeclarationError("\(name): media_inputs must be [min, max] within 0…10")
        }
        guard declaration.cost >= 0 else { throw ProcessorDeclarationError("\(name): cost must not be negative") }
        var properties: [String: ParamsSchema.Property] = [:]
        for (key, property) in declaration.params?.properties ?? [:] {
            guard let kind = ParamsSchema.Kind(rawValue: property.type) else {
                throw ProcessorDeclarationError("\(name): params.\(key) has an unknown type \(property.type)")
            }
            properties[key] = ParamsSchema.Property(kind: kind, minimum: property.minimum, maximum: property.maximum,
                                                    choices: property.enum, description: property.description ?? "")
        }
        return ProcessorSpec(
            name: name, version: declaration.version ?? 1, title: declaration.title, description: declaration.description ?? "",
            cost: declaration.cost, queue: declaration.queue, premium: declaration.premium ?? false, featured: declaration.featured ?? false,
            mediaInputs: inputs[0]...inputs[1],
            params: ParamsSchema(properties: properties, required: declaration.params?.required ?? []),
            timeout: .seconds(declaration.timeoutSeconds ?? 600), maxAttempts: declaration.maxAttempts ?? 3)
    }
}

public struct ProcessorDeclarationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
