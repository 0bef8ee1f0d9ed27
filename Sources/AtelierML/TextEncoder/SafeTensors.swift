import Foundation

/// A read-only view of a `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data.
/// Everything the header claims is checked against the file before any byte is read.
public struct SafeTensors: Sendable {
    public struct Entry: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the data section (after the header).
        public let range: Range<Int>
    }

    /// The safetensors format caps the header at 100 MB; a bigger claim is garbage, not a header.
    static let maxHeaderBytes = 100_000_000
    static let elementBytes = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
    ]

    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw TextModelError.missingFile(url.path)
        }
        try self.init(data: data)
    }

    public init(data: Data) throws {
        guard data.count >= 8 else { throw TextModelError.malformedSafeTensors("file shorter than its header length") }
        let headerLength = data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(min(data.count - 8, Self.maxHeaderBytes)) else {
            throw TextModelError.malformedSafeTensors("header length \(headerLength) exceeds the file")
        }
        let start = data.startIndex + 8
        let header = data[start..<start + Int(headerLength)]
        guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw TextModelError.malformedSafeTensors("header is not a JSON object")
        }
        let available = data.count - 8 - Int(headerLength)
        var entries: [String: Entry] = [:]
        for (name, value) in json where name != "__metadata__" {
            entries[name] = try Self.entry(name, value, available: available)
        }
        self.entries = entries
        self.data = data
        self.dataStart = start + Int(headerLength)
    }

    private static func entry(_ name: String, _ value: Any, available: Int) throws -> Entry {
        guard let fields = value as? [String: Any],
              let dtype = fields["dtype"] as? String,
              let shape = fields["shape"] as? [Int],
              let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
        else { throw TextModelError.malformedSafeTensors("tensor \(name) has a malformed entry") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= available else {
            throw TextModelError.malformedSafeTensors("tensor \(name) lies outside the file (\(begin)..<\(end))")
        }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard dimension >= 0, !overflow else {
                throw TextModelError.malformedSafeTensors("tensor \(name) has an impossible shape \(shape)")
            }
            count = product
        }
        if let size = elementBytes[dtype] {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, bytes == end - begin else {
                throw TextModelError.malformedSafeTensors("tensor \(name) is \(end - begin) bytes, its shape needs \(bytes)")
            }
        }
        return Entry(dtype: dtype, shape: shape, range: begin..<end)
    }

    /// The tensor's values as Float (from F32, F16 or BF16), after checking its shape.
    public func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        guard let entry = entries[name] else { throw TextModelError.missingTensor(name) }
        guard entry.shape == expected else {
            throw TextModelError.wrongShape(tensor: name, expected: expected, actual: entry.shape)
        }
        let bytes = data[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)]
        return try bytes.withUnsafeBytes { raw in
            switch entry.dtype {
            case "F32":
                #if _endian(little)
                // Bulk copy: the word embeddings alone are 11 M values.
                return [Float](unsafeUninitializedCapacity: raw.count / 4) { buffer, count in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                    count = raw.count / 4
                }
                #else
                return (0..<raw.count / 4).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
                #endif
            case "F16":
                return (0..<raw.count / 2).map {
                    floatFromHalf(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))
                }
            case "BF16":
                return (0..<raw.count / 2).map {
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))
                    return Float(bitPattern: UInt32(bits) << 16)
                }
            default:
                throw TextModelError.malformedSafeTensors("tensor \(name) is \(entry.dtype), expected a float type")
            }
        }
    }
}

/// IEEE half → single precision, by hand because `Float16` is missing on Intel Macs.
func floatFromHalf(_ half: UInt16) -> Float {
    let sign: Float = half & 0x8000 == 0 ? 1 : -1
    let exponent = Int(half >> 10 & 0x1F)
    let mantissa = UInt32(half & 0x3FF)
    switch exponent {
    case 0: return sign * Float(mantissa) * 0x1p-24  // zero and subnormals
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default:
        let bits = UInt32(half & 0x8000) << 16 | UInt32(exponent - 15 + 127) << 23 | mantissa << 13
        return Float(bitPattern: bits)
    }
}
