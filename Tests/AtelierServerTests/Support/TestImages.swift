import AtelierCore
import AtelierImaging
import Foundation

/// Pictures made for tests: real encodings from libvips, plus hand-built EXIF and PNG headers.
enum TestImages {
    static func make(_ format: ImageFormat, width: Int = 640, height: Int = 480, alpha: Bool = false) throws -> Data {
        try Vips.generate(width: width, height: height, alpha: alpha, format: format)
    }

    /// A JPEG carrying an EXIF block with the given orientation and a GPS position.
    static func jpegWithEXIF(width: Int, height: Int, orientation: UInt16) throws -> Data {
        let jpeg = try make(.jpeg, width: width, height: height)
        var tiff = Data("MM".utf8) + be16(42) + be32(8)
        // IFD0: Orientation and a pointer to the GPS IFD.
        tiff += be16(2)
        tiff += be16(0x0112) + be16(3) + be32(1) + be16(orientation) + be16(0)
        let gpsOffset = UInt32(8 + 2 + 2 * 12 + 4)
        tiff += be16(0x8825) + be16(4) + be32(1) + be32(gpsOffset)
        tiff += be32(0)
        // GPS IFD: latitude reference "N" and latitude 48° 51' 24" (rationals stored after the IFD).
        let rationalsOffset = gpsOffset + 2 + 2 * 12 + 4
        tiff += be16(2)
        tiff += be16(0x0001) + be16(2) + be32(2) + Data("N\0".utf8) + be16(0)
        tiff += be16(0x0002) + be16(5) + be32(3) + be32(rationalsOffset)
        tiff += be32(0)
        for (numerator, denominator) in [(48, 1), (51, 1), (24, 1)] { tiff += be32(UInt32(numerator)) + be32(UInt32(denominator)) }
        let app1 = Data("Exif\0\0".utf8) + tiff
        let segment = Data([0xFF, 0xE1]) + be16(UInt16(app1.count + 2)) + app1
        return jpeg.prefix(2) + segment + jpeg.dropFirst(2)
    }

    /// A PNG whose header claims `width`×`height` pixels of zeros, with only the first few KB of
    /// compressed data: cheap to send, ruinous to decode.
    static func pngBomb(width: UInt32 = 30000, height: UInt32 = 30000) -> Data {
        var ihdr = be32(width) + be32(height)
        ihdr += Data([8, 0, 0, 0, 0])  // 8-bit greyscale, no interlace
        var deflate = BitWriter()
        deflate.write(0, count: 1)  // not the final block
        deflate.write(1, count: 2)  // fixed Huffman codes
        for _ in 0..<2000 {
            deflate.writeCode(0b0011_0000, count: 8)  // literal 0
            deflate.writeCode(0b1100_0101, count: 8)  // length 258
            deflate.writeCode(0b00000, count: 5)  // distance 1
        }
        let idat = Data([0x78, 0x01]) + deflate.bytes
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat) + pngChunk("IEND", Data())
    }

    /// True when an EXIF block (and so any GPS position in it) is in the file.
    static func containsEXIF(_ data: Data) -> Bool {
        data.range(of: Data("Exif\0\0".utf8)) != nil
    }

    /// The marker types of a JPEG's header segments, up to the start of the scan.
    static func jpegMarkers(_ data: Data) -> [UInt8] {
        let bytes = [UInt8](data)
        var markers: [UInt8] = []
        var index = 2
        while index + 4 <= bytes.count, bytes[index] == 0xFF {
            let marker = bytes[index + 1]
            markers.append(marker)
            if marker == 0xDA { break }
            index += 2 + (Int(bytes[index + 2]) << 8 | Int(bytes[index + 3]))
        }
        return markers
    }

    static func pngChunk(_ type: String, _ payload: Data) -> Data {
        let typed = Data(type.utf8) + payload
        return be32(UInt32(payload.count)) + typed + be32(crc32(typed))
    }

    static func be16(_ value: UInt16) -> Data { Data([UInt8(value >> 8), UInt8(value & 0xFF)]) }
    static func be32(_ value: UInt32) -> Data { Data((0..<4).map { UInt8((value >> (24 - 8 * UInt32($0))) & 0xFF) }) }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Deflate's bit order: values least-significant bit first, Huffman codes most-significant first.
struct BitWriter {
    private(set) var bytes = Data()
    private var current: UInt8 = 0
    private var used = 0

    mutating func write(_ value: UInt32, count: Int) {
        for i in 0..<count { push(UInt8((value >> UInt32(i)) & 1)) }
    }

    mutating func writeCode(_ code: UInt32, count: Int) {
        for i in (0..<count).reversed() { push(UInt8((code >> UInt32(i)) & 1)) }
    }

    private mutating func push(_ bit: UInt8) {
        current |= bit << UInt8(used)
        used += 1
        if used == 8 {
            bytes.append(current)
            current = 0
            used = 0
        }
    }
}
