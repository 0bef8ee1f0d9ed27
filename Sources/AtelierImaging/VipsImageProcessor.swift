import AtelierCore
import CVips
import Dispatch
import Foundation

/// `ImageProcessor` on libvips. Decoding is CPU-bound and blocking, so it runs on its own threads,
/// at most `maxConcurrent` at a time, never on Swift's cooperative pool or an event loop.
public final class VipsImageProcessor: ImageProcessor, ImageEnhancer {
    private let queue = DispatchQueue(label: "atelier.vips", attributes: .concurrent)
    private let gate: ConcurrencyGate

    public init(maxConcurrent: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        try Vips.start()
        gate = ConcurrencyGate(slots: maxConcurrent)
    }

    public func header(of data: Data) async throws -> ImageHeader {
        try await run {
            var header = cvips_image_header()
            let status = data.withUnsafeBytes { cvips_header($0.baseAddress, $0.count, &header) }
            guard status == 0 else { throw MediaError.invalidImage(Vips.takeError()) }
            let loader = withUnsafeBytes(of: header.loader) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let format = Self.format(loader: loader, data: data) else {
                throw MediaError.unsupported("This file decodes as another format.")
            }
            // Orientations 5–8 turn the picture a quarter: report the size people will see.
            let turned = (5...8).contains(header.orientation)
            return ImageHeader(format: format, width: Int(turned ? header.height : header.width),
                               height: Int(turned ? header.width : header.height), hasAlpha: header.has_alpha != 0)
        }
    }

    public func variant(of data: Data, maxSide: Int, format: ImageFormat) async throws -> EncodedImage {
        try await run {
            var output: UnsafeMutableRawPointer?
            var length = 0
            var width: Int32 = 0
            var height: Int32 = 0
            let status = data.withUnsafeBytes {
                cvips_thumbnail($0.baseAddress, $0.count, Int32(maxSide), Vips.code(format), 82, &output, &length, &width, &height)
            }
            guard status == 0, let output else { throw MediaError.invalidImage(Vips.takeError()) }
            defer { cvips_free(output) }
            return EncodedImage(data: Data(bytes: output, count: length), format: format, width: Int(width), height: Int(height))
        }
    }

    public func enhance(_ data: Data, strength: Double) async throws -> Data {
        try await run {
            var output: UnsafeMutableRawPointer?
            var length = 0
            let status = data.withUnsafeBytes { cvips_enhance($0.baseAddress, $0.count, strength, &output, &length) }
            guard status == 0, let output else { throw MediaError.invalidImage(Vips.takeError()) }
            defer { cvips_free(output) }
            return Data(bytes: output, count: length)
        }
    }

    /// `side`×`side` RGB bytes for an image model (shorter side scaled, centre crop, upright).
    /// Check the header's pixel count first: this decodes the picture.
    public func squarePixels(of data: Data, side: Int) async throws -> [UInt8] {
        try await run {
            var pixels = [UInt8](repeating: 0, count: side * side * 3)
            let status = data.withUnsafeBytes { bytes in
                pixels.withUnsafeMutableBufferPointer { cvips_square_rgb(bytes.baseAddress, bytes.count, Int32(side), $0.baseAddress) }
            }
            guard status == 0 else { throw MediaError.invalidImage(Vips.takeError()) }
            return pixels
        }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await gate.run {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: Result { try work() }) }
            }
        }
    }

    /// From the loader's class name (`VipsForeignLoadJpegBuffer`…). libvips reads HEIC and AVIF
    /// with one loader; the container brand decides which it is.
    private static func format(loader: String, data: Data) -> ImageFormat? {
        let name = loader.lowercased()
        if name.contains("jpeg") { return .jpeg }
        if name.contains("png") { return .png }
        if name.contains("webp") { return .webp }
        if name.contains("heif") { return FormatSniffer.format(of: data) }
        return nil
    }
}

/// Process-wide libvips start-up and error text.
public enum Vips {
    private static let started: Bool = cvips_start(0) == 0

    public static func start() throws {
        guard started else { throw AtelierError(status: 500, code: "INTERNAL_ERROR", message: "libvips failed to start.") }
    }

    static func takeError() -> String {
        guard let raw = cvips_take_error() else { return "unknown error" }
        defer { cvips_free(raw) }
        let text = String(cString: raw)
        // The first line is enough for a user; libvips repeats itself per operation.
        return text.split(separator: "\n").first.map(String.init) ?? "unknown error"
    }

    static func code(_ format: ImageFormat) -> cvips_format {
        switch format {
        case .jpeg: CVIPS_JPEG
        case .png: CVIPS_PNG
        case .webp: CVIPS_WEBP
        case .heic: CVIPS_HEIC
        case .avif: CVIPS_AVIF
        }
    }

    /// Image work runs on many threads, and glibc gives each its own heap arena, each kept at its
    /// peak. Two arenas (and `releaseMemory`) keep a server near its idle size after a burst;
    /// the heap is trimmed by `releaseMemory` rather than on every free (see cvips.c).
    /// Call first thing, before other threads start.
    public static func configureHeap() {
        cvips_configure_heap()
    }

    /// Returns freed heap to the system. glibc keeps what decoding large images freed, so without
    /// this a server that handled a burst of uploads stays at its peak size forever.
    public static func releaseMemory() {
        cvips_release_memory()
    }

    /// One pixel's band values, for checking what a variant looks like.
    public static func pixel(of data: Data, x: Int, y: Int) throws -> [Double] {
        try start()
        var values = [Double](repeating: 0, count: 4)
        let count = data.withUnsafeBytes { cvips_pixel($0.baseAddress, $0.count, Int32(x), Int32(y), &values, 4) }
        guard count > 0 else { throw MediaError.invalidImage(takeError()) }
        return Array(values.prefix(Int(count)))
    }

    /// A generated picture (gradient plus noise), for tests and benchmarks.
    public static func generate(width: Int, height: Int, alpha: Bool = false, format: ImageFormat) throws -> Data {
        try start()
        var output: UnsafeMutableRawPointer?
        var length = 0
        guard cvips_generate(Int32(width), Int32(height), alpha ? 1 : 0, code(format), &output, &length) == 0, let output else {
            throw MediaError.invalidImage(takeError())
        }
        defer { cvips_free(output) }
        return Data(bytes: output, count: length)
    }
}
