#!/usr/bin/env python3
"""Reference embeddings for the Swift DINOv2 encoder, computed with onnxruntime.

Usage: onnx_reference.py MODEL.onnx OUT_DIR [COUNT]

Writes OUT_DIR/images.bin (COUNT images, 224x224 interleaved RGB uint8, back to back) and
OUT_DIR/reference.json ({"size", "count", "cls": [[384]], "mean": [[384]]}, each L2-normalised).
The backbone output is the graph tensor after the backbone's final layer norm, exposed as an
extra graph output; the saliency decoder after it is not used.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

SIZE = 224
BACKBONE_OUTPUT = "/backbone/layernorm/Add_1_output_0"
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def synthetic_images(count):
    rng = np.random.default_rng(1234)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / (SIZE - 1)
    images = []
    for i in range(count):
        kind = i % 8
        if kind == 0:  # colour gradients
            img = np.stack([xx, yy, 1 - xx * yy], axis=-1)[..., rng.permutation(3)]
        elif kind == 1:  # checkerboard
            n = rng.integers(4, 12)
            cells = ((np.floor(xx * n) + np.floor(yy * n)) % 2)[..., None]
            img = cells * np.array([0.9, 0.8, 0.1]) + (1 - cells) * np.array([0.1, 0.2, 0.6])
        elif kind == 2:  # shapes on a background
            img = np.ones((SIZE, SIZE, 3)) * rng.uniform(0, 1, 3)
            for _ in range(5):
                cx, cy, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.25)
                img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.uniform(0, 1, 3)
            x0, y0 = rng.integers(0, SIZE // 2, 2)
            img[y0:y0 + 60, x0:x0 + 90] = rng.uniform(0, 1, 3)
        elif kind == 3:  # white noise
            img = rng.uniform(0, 1, (SIZE, SIZE, 3))
        elif kind == 4:  # photo-like: smooth colour blobs plus grain
            img = np.zeros((SIZE, SIZE, 3))
            for _ in range(12):
                cx, cy, s = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
                blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))
                img += blob[..., None] * rng.uniform(-0.5, 1, 3)
            img = (img - img.min()) / (img.max() - img.min() + 1e-6) + rng.normal(0, 0.03, img.shape)
        elif kind == 5:  # sinusoidal stripes
            f = rng.uniform(3, 20)
            a = rng.uniform(0, np.pi)
            wave = 0.5 + 0.5 * np.sin(2 * np.pi * f * (xx * np.cos(a) + yy * np.sin(a)))
            img = wave[..., None] * rng.uniform(0, 1, 3) + (1 - wave[..., None]) * rng.uniform(0, 1, 3)
        elif kind == 6:  # concentric rings
            r = np.sqrt((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
            img = np.stack([0.5 + 0.5 * np.sin(r * 40), 0.5 + 0.5 * np.cos(r * 25), r], axis=-1)
        else:  # blurred noise (clouds)
            small = rng.uniform(0, 1, (SIZE // 16 + 1, SIZE // 16 + 1, 3))
            img = np.kron(small, np.ones((16, 16, 1)))[:SIZE, :SIZE]
            for axis in (0, 1):
                img = (img + np.roll(img, 5, axis) + np.roll(img, -5, axis)) / 3
        images.append(np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8))
    return np.stack(images)


def backbone_session(model_path):
    model = onnx.load(model_path)
    model.graph.output.append(onnx.helper.make_tensor_value_info(BACKBONE_OUTPUT, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def l2(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def main():
    model_path, out_dir = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    images = synthetic_images(count)
    tensor = ((images.astype(np.float32) / 255 - MEAN) / STD).transpose(0, 3, 1, 2).copy()
    tokens = backbone_session(model_path).run([BACKBONE_OUTPUT], {"input_image": tensor})[0]
    os.makedirs(out_dir, exist_ok=True)
    images.tofile(os.path.join(out_dir, "images.bin"))
    reference = {
        "size": SIZE,
        "count": count,
        "cls": l2(tokens[:, 0]).tolist(),
        "mean": l2(tokens[:, 1:].mean(axis=1)).tolist(),
    }
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(reference, f)


if __name__ == "__main__":
    main()
