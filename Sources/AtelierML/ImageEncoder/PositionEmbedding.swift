/// Resizes a square grid of position embeddings (`from² × channels`, row-major, channels last)
/// to `to² × channels` exactly as the exported graph does at run time: ONNX `Resize` with
/// mode `cubic`, `cubic_coeff_a = -0.75`, `half_pixel` coordinates and edge-clamped taps
/// (the same as PyTorch's bicubic `interpolate` without anti-aliasing).
func bicubicResize(_ grid: [Float], from source: Int, to target: Int, channels: Int) -> [Float] {
    let taps = cubicTaps(from: source, to: target)
    // Rows first, then columns: separable, so two 1-D passes give the 2-D result.
    var rows = [Float](repeating: 0, count: target * source * channels)
    for y in 0..<target {
        for x in 0..<source {
            for (index, weight) in taps[y] {
                let from = (index * source + x) * channels, to = (y * source + x) * channels
                for c in 0..<channels { rows[to + c] += weight * grid[from + c] }
            }
        }
    }
    var out = [Float](repeating: 0, count: target * target * channels)
    for y in 0..<target {
        for x in 0..<target {
            for (index, weight) in taps[x] {
                let from = (y * source + index) * channels, to = (y * target + x) * channels
                for c in 0..<channels { out[to + c] += weight * rows[from + c] }
            }
        }
    }
    return out
}

/// For every output coordinate, its four (source index, weight) taps.
private func cubicTaps(from source: Int, to target: Int) -> [[(Int, Float)]] {
    let a: Float = -0.75
    let scale = Float(target) / Float(source)
    return (0..<target).map { out in
        let position = (Float(out) + 0.5) / scale - 0.5
        let base = position.rounded(.down)
        let t = position - base
        let weights: [Float] = [
            ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
            ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
        ]
        return weights.enumerated().map { offset, weight in
            (min(max(Int(base) - 1 + offset, 0), source - 1), weight)
        }
    }
}
