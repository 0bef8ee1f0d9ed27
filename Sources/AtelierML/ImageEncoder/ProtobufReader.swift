/// A minimal, bounds-checked reader of the protobuf wire format: just enough to walk ONNX
/// messages. Every read checks the remaining length and throws instead of trapping.
struct ProtobufReader {
    enum WireType: Int {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    struct Field {
        let number: Int
        let wireType: WireType
        /// The value of a varint field (fixed-size values are read with `fixed32` instead).
        let varint: UInt64
        /// Byte range of a length-delimited or fixed-size payload within `bytes`.
        let payload: Range<Int>
    }

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let range = range ?? 0..<bytes.count
        position = range.lowerBound
        end = range.upperBound
    }

    /// A reader over the payload of a length-delimited field (a nested message).
    func nested(_ field: Field) -> ProtobufReader {
        ProtobufReader(bytes: bytes, range: field.payload)
    }

    var isAtEnd: Bool { position >= end }

    mutating func nextField() throws -> Field? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        let number = Int(truncatingIfNeeded: key >> 3)
        guard number > 0, let wireType = WireType(rawValue: Int(key & 7)) else {
            throw ImageEncoderError.malformedModel("unsupported protobuf field key \(key) at byte \(position)")
        }
        switch wireType {
        case .varint:
            return Field(number: number, wireType: wireType, varint: try readVarint(), payload: position..<position)
        case .fixed64:
            return Field(number: number, wireType: wireType, varint: 0, payload: try skip(8))
        case .fixed32:
            return Field(number: number, wireType: wireType, varint: 0, payload: try skip(4))
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(end - position) else {
                throw ImageEncoderError.malformedModel("protobuf field \(number) runs past the end of its message")
            }
            return Field(number: number, wireType: wireType, varint: 0, payload: try skip(Int(length)))
        }
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard position < end else { throw ImageEncoderError.malformedModel("truncated protobuf varint") }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return result }
        }
        throw ImageEncoderError.malformedModel("protobuf varint longer than 10 bytes")
    }

    private mutating func skip(_ count: Int) throws -> Range<Int> {
        guard count <= end - position else { throw ImageEncoderError.malformedModel("truncated protobuf field") }
        defer { position += count }
        return position..<position + count
    }

    // MARK: Field values

    func string(_ field: Field) throws -> String {
        guard field.wireType == .lengthDelimited else {
            throw ImageEncoderError.malformedModel("protobuf field \(field.number) should be a string")
        }
        return String(decoding: bytes[field.payload], as: UTF8.self)
    }

    /// Integers of a repeated int field, whether packed (one length-delimited run) or not.
    func integers(_ field: Field) throws -> [Int64] {
        switch field.wireType {
        case .varint:
            return [Int64(bitPattern: field.varint)]
        case .lengthDelimited:
            var packed = nested(field)
            var values: [Int64] = []
            while !packed.isAtEnd { values.append(Int64(bitPattern: try packed.readVarint())) }
            return values
        default:
            throw ImageEncoderError.malformedModel("protobuf field \(field.number) should hold integers")
        }
    }

    /// Little-endian float32 values of a byte range (ONNX `raw_data`, packed `float_data`).
    func floats(in range: Range<Int>) throws -> [Float] {
        guard range.count % 4 == 0 else {
            throw ImageEncoderError.malformedModel("float data of \(range.count) bytes is not a multiple of 4")
        }
        return [Float](unsafeUninitializedCapacity: range.count / 4) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<buffer.count {
                    let bits = raw.loadUnaligned(fromByteOffset: range.lowerBound + 4 * i, as: UInt32.self)
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            initialized = buffer.count
        }
    }
}
