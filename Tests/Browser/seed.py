"""Made-up listings for the browser test and benchmark: photos of coloured shapes (PNG, written
with the standard library only) and a JSON Lines feed naming them, for `atelier ingest feed`."""
import json
import random
import struct
import sys
import zlib
from pathlib import Path

BRANDS = ["Zara", "Nike", "Levi's", "Ganni"]
SIZES = ["S", "M", "L"]


def png(width, height, pixels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(pixels[y * width * 3:(y + 1) * width * 3]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def scene(seed, width=240, height=300):
    """A background and a few ellipses or boxes, different for every seed."""
    rng = random.Random(seed)
    background = [rng.randrange(256) for _ in range(3)]
    pixels = bytearray(background * (width * height))
    for _ in range(4 + rng.randrange(5)):
        colour = bytes(rng.randrange(256) for _ in range(3))
        cx, cy = rng.randrange(width), rng.randrange(height)
        rx, ry = 15 + rng.randrange(70), 15 + rng.randrange(90)
        round_ = rng.random() < 0.5
        for y in range(max(0, cy - ry), min(height, cy + ry)):
            dy = (y - cy) / ry
            for x in range(max(0, cx - rx), min(width, cx + rx)):
                dx = (x - cx) / rx
                if round_ and dx * dx + dy * dy > 1:
                    continue
                offset = (y * width + x) * 3
                pixels[offset:offset + 3] = colour
    return png(width, height, pixels)


def write_feed(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for index in range(count):
        photo = folder / f"photo-{index}.png"
        photo.write_bytes(scene(index))
        jacket = index % 2 == 0
        lines.append(json.dumps({
            "marketplace": "vinted" if index % 3 == 0 else "depop", "external_id": f"item-{index}",
            "title": f"Red leather jacket {index}" if jacket else f"Blue denim jeans {index}",
            "brand": BRANDS[index % len(BRANDS)], "size": SIZES[index % len(SIZES)], "condition": "good",
            "category": "jackets" if jacket else "jeans", "price": f"{5 + index * 3}.50", "currency": "EUR",
            "url": f"https://shop.example/item-{index}", "deep_link": f"depop://product/item-{index}",
            "image_url": photo.resolve().as_uri(),
        }))
    feed = folder / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    return feed


if __name__ == "__main__":
    print(write_feed(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 8))
