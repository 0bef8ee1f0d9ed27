import AtelierCore
import AtelierImaging
import Foundation

/// Made-up product photos: a few coloured shapes on a background, different for every seed, as
/// PNG (uncompressed deflate) so any crop or scale can be taken before libvips re-encodes them.
struct TestScene {
    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(seed: UInt64, width: Int = 320, height: Int = 400) {
        var random = SeededRandom(seed)
        self.width = width
        self.height = height
        let background = (0..<3).map { _ in UInt8(random.next() % 256) }
        pixels = (0..<width * height).flatMap { _ in background }
        for _ in 0..<(4 + Int(random.next() % 5)) {
            let colour = (0..<3).map { _ in UInt8(random.next() % 256) }
            let cx = Int(random.next() % UInt64(width)), cy = Int(random.next() % UInt64(height))
            let rx = 20 + Int(random.next() % 90), ry = 20 + Int(random.next() % 120)
            let round = random.next() % 2 == 0
            for y in max(0, cy - ry)..<min(height, cy + ry) {
                for x in max(0, cx - rx)..<min(width, cx + rx) {
                    let dx = Double(x - cx) / Double(rx), dy = Double(y - cy) / Double(ry)
                    guard !round || dx * dx + dy * dy <= 1 else { continue }
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = colour[c] }
                }
            }
        }
    }

    /// The middle `fraction` of the picture.
    func cropped(_ fraction: Double) -> TestScene {
        let w = Int(Double(width) * fraction), h = Int(Double(height) * fraction)
        let x0 = (width - w) / 2, y0 = (height - h) / 2
        var cropped: [UInt8] = []
        for y in 0..<h {
            let start: Int = ((y0 + y) * width + x0) * 3
            cropped.append(contentsOf: pixels[start..<start + w * 3])
        }
        return TestScene(width: w, height: h, pixels: cropped)
    }

    private init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    var png: Data {
        var raw = Data()
        for y in 0..<height {
            raw.append(0)
            raw.append(contentsOf: pixels[y * width * 3..<(y + 1) * width * 3])
        }
        var header = TestImages.be32(UInt32(width)) + TestImages.be32(UInt32(height))
        header += Data([8, 2, 0, 0, 0])
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + TestImages.pngChunk("IHDR", header)
            + TestImages.pngChunk("IDAT", Self.storedZlib(raw)) + TestImages.pngChunk("IEND", Data())
    }

    /// A JPEG of the picture scaled so its longer side is `side` (quality 82): resize and
    /// recompression in one.
    func jpeg(side: Int) async throws -> Data {
        try await VipsImageProcessor(maxConcurrent: 1).variant(of: png, maxSide: side, format: .jpeg).data
    }

    private static func storedZlib(_ data: Data) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let count = min(65535, data.count - offset)
            let last: UInt8 = offset + count >= data.count ? 1 : 0
            out.append(last)
            out.append(contentsOf: [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)])
            out.append(data[offset..<offset + count])
            offset += count
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + TestImages.be32(b << 16 | a)
    }
}

/// SplitMix64: the same scenes on every run.
struct SeededRandom {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The search models, installed once per machine by the real `atelier models fetch` into a
/// cache (ATELIER_TEST_MODELS, else the temp folder), then linked into each test's data folder.
enum TestModels {
    static let cache: URL = {
        let root = ProcessInfo.processInfo.environment["ATELIER_TEST_MODELS"].map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("atelier-models")
        return root.appendingPathComponent("server-data")
    }()

    private static let installed: Result<Void, any Error> = Result {
        let process = Process()
        process.executableURL = RunningAtelier.executable
        process.arguments = ["models", "fetch", "--data-dir", cache.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("atelier models fetch failed") }
    }

    static func install(into dataDir: URL) throws {
        try installed.get()
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dataDir.appendingPathComponent("models"), withDestinationURL: cache.appendingPathComponent("models"))
    }
}
