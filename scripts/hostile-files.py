#!/usr/bin/env python3
"""Writes a corpus of hostile image files into a folder, for scripts/test-hostile.

    python3 scripts/hostile-files.py OUT_DIR [--max-upload-bytes N] [--seed S]

Malformed, truncated, bit-flipped, oversized, polyglot, odd-colourspace, 16-bit, animated, CMYK,
zero-byte and decompression-bomb files, plus a few good ones so that the happy path runs beside
them. Made with Pillow and the standard library (PNG and GIF containers are written by hand where
Pillow refuses to write what an attacker would). Deterministic for a given seed. Writes MANIFEST.tsv
beside them: name, bytes, the answers the upload may get, and what the file is. An expected answer is
alternatives split by `|`, each `2xx`, `4xx`, a status (`415`) or a status and error code
(`422:IMAGE_TOO_LARGE`).
"""
import argparse
import io
import os
import random
import struct
import zipfile
import zlib

from PIL import Image, ImageDraw


def picture(mode="RGB", size=(640, 480)):
    """A picture with edges and gradients, so encoders have real work to do."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 16):
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(x % 256, (x * 3) % 256, 255 - x % 256), width=3)
    draw.ellipse([size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4], fill=(200, 30, 60))
    return image.convert(mode)


def encode(image, format, **options):
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, bit_depth, colour_type, idat, extra=b""):
    """A PNG from its parts: lets a file declare what it likes."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def zero_rows_stream(row_bytes, rows, level=9):
    """zlib of `rows` filter-0 rows of zeros, streamed: a bomb costs little to make."""
    compressor = zlib.compressobj(level)
    row = b"\x00" * (row_bytes + 1)
    batch = row * max(1, (1 << 20) // len(row))
    per_batch = len(batch) // len(row)
    out = bytearray()
    written = 0
    while written < rows:
        count = min(per_batch, rows - written)
        out += compressor.compress(batch if count == per_batch else row * count)
        written += count
    out += compressor.flush()
    return bytes(out)


def patch_jpeg_size(data, width, height):
    """Rewrites the frame header (SOF0/SOF2) of a JPEG to declare another size."""
    data = bytearray(data)
    i = 2
    while i + 4 < len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5:i + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        i += 2 + length
    raise ValueError("no frame header")


def flip_bits(data, rng, count, skip=0):
    data = bytearray(data)
    for _ in range(count):
        index = rng.randrange(skip, len(data))
        data[index] ^= 1 << rng.randrange(8)
    return bytes(data)


def corpus(max_upload_bytes, seed):
    rng = random.Random(seed)
    files = []

    def add(name, data, what, expect):
        files.append((name, data, what, expect))

    jpeg = encode(picture(), "JPEG", quality=90)
    png_rgb = encode(picture(), "PNG")
    webp = encode(picture(), "WEBP", quality=80)

    # Good files: the happy path runs alongside the hostile one.
    add("good.jpg", jpeg, "plain JPEG", expect="2xx")
    add("good.png", png_rgb, "plain PNG", expect="2xx")
    add("good.webp", webp, "plain WebP", expect="2xx")
    add("progressive.jpg", encode(picture(), "JPEG", progressive=True), "progressive JPEG", expect="2xx")
    add("tiny-1x1.png", encode(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG"), "one pixel", expect="2xx")
    # Extreme aspect ratios: a thumbnail of these rounds a side towards zero.
    add("sliver-20000x1.png", encode(Image.new("L", (20000, 1), 128), "PNG"), "20000x1 sliver", expect="2xx")
    add("sliver-1x20000.png", encode(Image.new("L", (1, 20000), 128), "PNG"), "1x20000 sliver", expect="2xx")
    add("sliver-1x3000.jpg", encode(Image.new("RGB", (1, 3000), (1, 2, 3)), "JPEG"), "1x3000 JPEG sliver", expect="2xx")

    # Odd colourspaces and depths.
    add("cmyk.jpg", encode(picture("CMYK"), "JPEG"), "CMYK JPEG", expect="2xx")
    add("cmyk-inverted-adobe.jpg", encode(Image.eval(picture("CMYK"), lambda v: 255 - v), "JPEG"), "CMYK JPEG, inverted values", expect="2xx")
    add("grey.jpg", encode(picture("L"), "JPEG"), "greyscale JPEG", expect="2xx")
    add("bilevel.png", encode(picture("1"), "PNG"), "1-bit PNG", expect="2xx")
    add("palette-transparent.png", encode(picture("P"), "PNG", transparency=0), "palette PNG with tRNS", expect="2xx")
    add("grey-alpha.png", encode(picture("LA"), "PNG"), "grey + alpha PNG", expect="2xx")
    add("rgba.webp", encode(picture("RGBA"), "WEBP", lossless=True), "lossless WebP with alpha", expect="2xx")
    add("grey16.png", encode(picture("L").convert("I;16"), "PNG"), "16-bit greyscale PNG", expect="2xx")
    rows16 = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(64 * 8)) for _ in range(64))
    add("rgba16.png", png(64, 64, 16, 6, zlib.compress(rows16)), "16-bit RGBA PNG (noise)", expect="2xx")
    add("rgb16.png", png(64, 64, 16, 2, zlib.compress(b"".join(b"\x00" + bytes(range(256)) + bytes(128) for _ in range(64)))),
        "16-bit RGB PNG", expect="2xx")
    with_icc = picture()
    add("bogus-icc.jpg", encode(with_icc, "JPEG", icc_profile=b"\x00" * 128 + b"acsp" + b"\xff" * 300), "JPEG with a junk ICC profile", expect="2xx|422:INVALID_IMAGE")
    exif = Image.Exif()
    exif[0x0112] = 9  # orientation outside 1–8
    exif[0x010E] = "x" * 60000
    add("odd-exif.jpg", encode(picture(), "JPEG", exif=exif.tobytes()), "JPEG with orientation 9 and a 60 kB EXIF string", expect="2xx|422:INVALID_IMAGE")

    # Animated.
    frames = [picture(size=(200, 150)).rotate(angle) for angle in range(0, 360, 45)]
    add("animated.gif", encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0), "animated GIF", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("animated.webp", encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=80, loop=0), "animated WebP", expect="2xx")
    try:
        add("animated.png", encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=80), "animated PNG (APNG)", expect="2xx")
    except Exception:  # older Pillow
        pass

    # Formats we do not take, and things that are not images at all.
    add("zero-bytes.jpg", b"", "zero bytes", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("just-magic.jpg", b"\xff\xd8\xff", "JPEG magic and nothing else", expect="422:INVALID_IMAGE")
    add("png-signature-only.png", b"\x89PNG\r\n\x1a\n", "PNG signature only", expect="422:INVALID_IMAGE")
    add("riff-webp-header-only.webp", b"RIFF\xff\xff\xff\x7fWEBPVP8 ", "WebP header claiming 2 GB", expect="422:INVALID_IMAGE")
    add("ftyp-heic-stub.heic", struct.pack(">I", 24) + b"ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "HEIC brand, no image", expect="415|422:INVALID_IMAGE")
    add("ftyp-avif-stub.avif", struct.pack(">I", 24) + b"ftypavif\x00\x00\x00\x00mif1avif" + struct.pack(">I", 0xFFFFFFF0) + b"meta", "AVIF brand, box lying about its size", expect="415|422:INVALID_IMAGE")
    add("image.gif", encode(picture(), "GIF"), "GIF (not accepted)", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("image.bmp", encode(picture(), "BMP"), "BMP (not accepted)", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("image.tiff", encode(picture(), "TIFF"), "TIFF (not accepted)", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("svg-as.jpg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<script>alert(1)</script><image href="file:///etc/passwd"/></svg>', "SVG with a script, named .jpg", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("html-as.jpg", b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>", "HTML named .jpg", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("random.jpg", bytes(rng.randrange(256) for _ in range(50000)), "50 kB of noise", expect="415|422:INVALID_IMAGE")

    # Polyglots: an image that is also something else.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.js", "alert(1)\n" * 100)
    add("polyglot-jpeg-zip.jpg", jpeg + archive.getvalue(), "JPEG with a ZIP appended", expect="2xx")
    add("polyglot-gif-js.gif", b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;*/=1;alert(1);",
        "GIF that is also JavaScript", expect="415:UNSUPPORTED_MEDIA_TYPE")
    add("polyglot-png-html.png", png_rgb[:-12] + png_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>") + png_rgb[-12:],
        "PNG with HTML in a text chunk", expect="2xx")
    add("polyglot-jpeg-comment-html.jpg", jpeg[:2] + b"\xff\xfe" + struct.pack(">H", 2 + 40) + b"<html><script>alert(1)</script></html>  " + jpeg[2:],
        "JPEG with HTML in a COM segment", expect="2xx")

    # Truncated and corrupted.
    for name, data in (("jpeg", jpeg), ("png", png_rgb), ("webp", webp)):
        for fraction in (0.1, 0.5, 0.95):
            add(f"truncated-{int(fraction * 100)}.{name}", data[: int(len(data) * fraction)], f"{name} cut at {int(fraction * 100)}%", expect="2xx|422:INVALID_IMAGE")
        for flips in (1, 8, 64, 512):
            add(f"bitflip-{flips}.{name}", flip_bits(data, rng, flips, skip=4), f"{name} with {flips} bits flipped", expect="2xx|422:INVALID_IMAGE|415")
    add("bad-crc.png", png_rgb[:29] + b"\x00\x00\x00\x00" + png_rgb[33:], "PNG with a wrong IHDR CRC", expect="2xx|422:INVALID_IMAGE")
    add("jpeg-no-eoi.jpg", jpeg[:-2], "JPEG without its end marker", expect="2xx|422:INVALID_IMAGE")
    add("jpeg-zero-size.jpg", patch_jpeg_size(jpeg, 0, 0), "JPEG declaring 0x0", expect="422:INVALID_IMAGE")

    # Decompression bombs: small files declaring or holding huge images.
    add("bomb-header-50000.png", png(50000, 50000, 8, 2, zlib.compress(b"\x00" * 1000)), "PNG declaring 50,000 x 50,000, no data", expect="422:IMAGE_TOO_LARGE")
    add("bomb-real-20000.png", png(20000, 20000, 1, 0, zero_rows_stream(20000 // 8, 20000)), "real 1-bit PNG of 20,000 x 20,000 (50 kB)", expect="422:IMAGE_TOO_LARGE")
    add("bomb-real-7071.png", png(7071, 7071, 8, 0, zero_rows_stream(7071, 7071)), "real 8-bit PNG of 7,071 x 7,071 (50 MP, just at the limit)", expect="2xx")
    add("bomb-max.png", png(0x7FFFFFFF, 0x7FFFFFFF, 8, 6, zlib.compress(b"\x00" * 100)), "PNG declaring 2^31-1 squared", expect="422")
    add("bomb-65500.jpg", patch_jpeg_size(jpeg, 65500, 65500), "JPEG declaring 65,500 x 65,500", expect="422:IMAGE_TOO_LARGE")
    add("bomb-65500-progressive.jpg", patch_jpeg_size(encode(picture(), "JPEG", progressive=True), 65500, 65500), "progressive JPEG declaring 65,500 x 65,500", expect="422:IMAGE_TOO_LARGE")
    add("bomb-ztxt.png", png_rgb[:33] + png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (64 << 20), 9)) + png_rgb[33:],
        "PNG with a 64 MB compressed text chunk", expect="2xx|422:INVALID_IMAGE")
    webp_big = bytearray(encode(Image.new("RGB", (16383, 1), 5), "WEBP", lossless=True))
    add("webp-16383.webp", bytes(webp_big), "lossless WebP of 16,383 x 1", expect="2xx")

    # Sizes around the upload limit.
    def padded_jpeg(size):
        """A valid JPEG whose COM segments fill it to `size` bytes."""
        body = bytearray(jpeg[:2])
        remaining = size - len(jpeg)
        while remaining > 0:
            chunk = min(65533, remaining - 4) if remaining > 4 else 0
            if chunk <= 0:
                break
            body += b"\xff\xfe" + struct.pack(">H", chunk + 2) + b"x" * chunk
            remaining -= chunk + 4
        return bytes(body) + jpeg[2:]

    add("oversized.jpg", padded_jpeg(max_upload_bytes + 100_000), f"JPEG of {max_upload_bytes + 100_000} bytes, over the limit", expect="413:PAYLOAD_TOO_LARGE")
    add("at-limit.jpg", padded_jpeg(max_upload_bytes - 1000)[: max_upload_bytes], "JPEG just under the limit", expect="2xx")
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--max-upload-bytes", type=int, default=15_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "MANIFEST.tsv"), "w") as manifest:
        for name, data, what, expect in corpus(args.max_upload_bytes, args.seed):
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(data)
            manifest.write(f"{name}\t{len(data)}\t{expect}\t{what}\n")


if __name__ == "__main__":
    main()
