import AtelierML
import Foundation

// Usage: embedding-bench MODEL.onnx [seconds per measurement, default 10] [batch sizes, default 1 16]
//        [--int8 | --bfloat16]
// Prints, per batch size, images/s of ImageEmbeddingModel.embed (wall clock) and the process's
// CPU time per image (user + system, all threads): on a shared machine the second is steadier.
let precision: ImageEmbeddingModel.Precision =
    CommandLine.arguments.contains("--int8") ? .int8 : CommandLine.arguments.contains("--bfloat16") ? .bfloat16 : .float32
let arguments = CommandLine.arguments.filter { !$0.hasPrefix("--") }
guard arguments.count >= 2 else {
    print("usage: embedding-bench vit_s_focus.onnx [seconds] [batch sizes…]")
    exit(2)
}
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 10 : 10
let batches = arguments.count > 3 ? arguments[3...].compactMap { Int($0) } : [1, 16]
let model = try ImageEmbeddingModel(onnxFile: URL(fileURLWithPath: arguments[1]), precision: precision)
let engine = "\(model.precision)".padding(toLength: 9, withPad: " ", startingAt: 0)
let size = ImageEmbeddingModel.inputSize

/// A deterministic noisy pattern; the encoder's cost does not depend on the content.
func testImage(_ seed: Int) -> RGBImage {
    try! RGBImage(width: size, height: size, pixels: (0..<size * size * 3).map { UInt8(truncatingIfNeeded: ($0 &+ seed) &* 2_654_435_761 >> 16) })
}

func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func measure(batch: Int) -> (imagesPerSecond: Double, cpuMillisecondsPerImage: Double) {
    let images = (0..<batch).map(testImage)
    _ = model.embed(images)  // warm-up: page in weights, start BLAS threads
    var done = 0
    let cpuStart = cpuSeconds()
    let start = Date()
    while Date().timeIntervalSince(start) < seconds {
        _ = model.embed(images)
        done += batch
    }
    let elapsed = Date().timeIntervalSince(start)
    return (Double(done) / elapsed, (cpuSeconds() - cpuStart) * 1000 / Double(done))
}

print("engine   batch  images/s  cpu-ms/image")
for batch in batches {
    let result = measure(batch: batch)
    print(engine + String(batch).padding(toLength: 7, withPad: " ", startingAt: 0)
        + String(format: "%8.2f  %12.1f", result.imagesPerSecond, result.cpuMillisecondsPerImage))
}
