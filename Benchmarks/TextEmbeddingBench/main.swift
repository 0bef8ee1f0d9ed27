import AtelierML
import Foundation

// Sentences per second of TextEmbeddingModel.embed on listing-like texts, at batch 1 and 32.
// Usage: text-embedding-bench [MODEL_DIR] [SECONDS_PER_CASE]
// MODEL_DIR holds model.safetensors + vocab.txt; by default the tests' cache
// ($ATELIER_TEST_MODELS or $TMPDIR/atelier-models)/all-minilm-l6-v2-0.1.0.

let environment = ProcessInfo.processInfo.environment
let arguments = CommandLine.arguments
let cache = environment["ATELIER_TEST_MODELS"]
    ?? (environment["TMPDIR"] ?? "/tmp") + "/atelier-models"
let directory = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : cache + "/all-minilm-l6-v2-0.1.0")
let secondsPerCase = arguments.count > 2 ? Double(arguments[2]) ?? 5 : 5

/// "title + brand + description", as the catalogue embeds them, and a few search queries.
let listings = [
    "Red leather biker jacket AllSaints Genuine lambskin leather, size M, asymmetric zip, worn twice. Smoke-free home.",
    "Vintage Levi's 501 jeans Levi's W32 L34 straight leg, stonewash blue, made in USA, small repair on the back pocket.",
    "Nike Air Max 90 sneakers Nike White and infrared colourway, EU 42, box included, soles in excellent condition.",
    "Oak dining table with six chairs IKEA Solid oak, 180 × 90 cm, minor scratches on the top, collection only in Lyon.",
    "iPhone 13 128 GB Apple Midnight, battery health 89 %, always in a case, charger and original box included.",
    "Café crème espresso machine De'Longhi Bean-to-cup, descaled monthly, makes great cappuccino, 2 years old.",
    "Children's bike 16 inch Decathlon B'Twin with stabilisers, blue, suits ages 4–6, brakes recently adjusted.",
    "Handmade ceramic vase Unbranded Glazed stoneware, 25 cm tall, deep green, perfect for dried flowers.",
    "red leather jacket",
    "burgundy biker jacket size m",
    "cheap sofa bed delivery paris",
    "vintage denim",
]

/// CPU seconds used by this process (all threads): on a shared machine, wall time alone misleads.
func processorSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func measure(_ label: String, batchSize: Int, model: TextEmbeddingModel) {
    let batch = (0..<batchSize).map { listings[$0 % listings.count] }
    _ = model.embed(batch)  // warm-up
    let start = Date()
    let cpuStart = processorSeconds()
    var sentences = 0
    while Date().timeIntervalSince(start) < secondsPerCase {
        sentences += model.embed(batch).count
    }
    let wall = Date().timeIntervalSince(start)
    let cpu = processorSeconds() - cpuStart
    print("\(label): \(String(format: "%.1f", Double(sentences) / wall)) sentences/s, "
          + "\(String(format: "%.1f", Double(sentences) / cpu)) per CPU-second "
          + "(\(sentences) in \(String(format: "%.1f", wall)) s)")
}

do {
    let loadStart = Date()
    let model = try TextEmbeddingModel(directory: directory)
    print("\(model.id) loaded in \(String(format: "%.2f", Date().timeIntervalSince(loadStart))) s")
    let tokens = listings.map { model.tokenizer.tokenize($0).count }
    print("texts: \(listings.count), tokens each \(tokens.min()!)–\(tokens.max()!), mean \(tokens.reduce(0, +) / tokens.count)")
    measure("batch 1 ", batchSize: 1, model: model)
    measure("batch 32", batchSize: 32, model: model)
} catch {
    print("cannot load the model from \(directory.path): \(error)")
    exit(1)
}
