/// An 8-bit RGB image, pixels interleaved (`r, g, b, r, g, b, …`) row by row, no padding.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw ImageEncoderError.invalidImage(
                "\(pixels.count) bytes for a \(width)×\(height) RGB image (expected \(max(width, 0) * max(height, 0) * 3))")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Bilinear stretch to `size × size`: only a safety net for callers that skipped the
    /// documented resize-and-crop, so a wrong-sized image still embeds instead of trapping.
    func stretched(to size: Int) -> RGBImage {
        guard width != size || height != size else { return self }
        var out = [UInt8](repeating: 0, count: size * size * 3)
        let sx = Float(width) / Float(size), sy = Float(height) / Float(size)
        for y in 0..<size {
            let fy = min(max((Float(y) + 0.5) * sy - 0.5, 0), Float(height - 1))
            let y0 = Int(fy), y1 = min(y0 + 1, height - 1), wy = fy - Float(y0)
            for x in 0..<size {
                let fx = min(max((Float(x) + 0.5) * sx - 0.5, 0), Float(width - 1))
                let x0 = Int(fx), x1 = min(x0 + 1, width - 1), wx = fx - Float(x0)
                for c in 0..<3 {
                    func p(_ yy: Int, _ xx: Int) -> Float { Float(pixels[(yy * width + xx) * 3 + c]) }
                    let top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx
                    let bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx
                    out[(y * size + x) * 3 + c] = UInt8(min(max(top * (1 - wy) + bottom * wy + 0.5, 0), 255))
                }
            }
        }
        // The size and buffer are consistent by construction.
        return try! RGBImage(width: size, height: size, pixels: out)
    }
}

/// ImageNet mean and standard deviation per channel, as DINOv2 was trained with.
private let channelMean: [Float] = [0.485, 0.456, 0.406]
private let channelStd: [Float] = [0.229, 0.224, 0.225]

/// Cuts `size × size` images into non-overlapping `patch × patch` squares and normalises them:
/// one row per patch (image-major, then row-major over the patch grid), columns in the patch
/// convolution's (channel, y, x) order, values `(pixel / 255 − mean) / std`.
func patchRows(_ images: [RGBImage], size: Int, patch: Int) -> Matrix {
    let grid = size / patch
    let columns = 3 * patch * patch
    var rows = Matrix(zeros: images.count * grid * grid, columns)
    let scale = channelStd.map { 1 / (255 * $0) }
    let offset = (0..<3).map { channelMean[$0] / channelStd[$0] }
    rows.values.withUnsafeMutableBufferPointer { out in
        for (b, image) in images.enumerated() {
            image.stretched(to: size).pixels.withUnsafeBufferPointer { px in
                for py in 0..<grid {
                    for pxIndex in 0..<grid {
                        let row = ((b * grid + py) * grid + pxIndex) * columns
                        for c in 0..<3 {
                            for ky in 0..<patch {
                                let source = ((py * patch + ky) * size + pxIndex * patch) * 3 + c
                                let target = row + (c * patch + ky) * patch
                                for kx in 0..<patch {
                                    out[target + kx] = Float(px[source + kx * 3]) * scale[c] - offset[c]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return rows
}
