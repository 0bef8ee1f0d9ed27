#!/usr/bin/env python3
"""onnxruntime baseline for embedding-bench: images/s of the same DINOv2 backbone
(vit_s_focus.onnx cut at the backbone's final layer norm), 2 intra-op threads.

Usage: embedding_onnxruntime.py MODEL.onnx [seconds per measurement, default 10] [batch sizes, default 1 16]
Prints images/s (wall clock) and CPU time per image (all threads), like embedding-bench.
"""
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

BACKBONE_OUTPUT = "/backbone/layernorm/Add_1_output_0"


def backbone_session(model_path):
    """The backbone alone: the graph truncated at the final layer norm, decoder dropped."""
    model = onnx.load(model_path)
    graph = model.graph
    needed, kept = {BACKBONE_OUTPUT}, []
    for node in reversed(graph.node):
        if needed.intersection(node.output):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    del graph.output[:]
    graph.output.append(onnx.helper.make_tensor_value_info(BACKBONE_OUTPUT, onnx.TensorProto.FLOAT, None))
    unused = [t for t in graph.initializer if t.name not in needed]
    for tensor in unused:
        graph.initializer.remove(tensor)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def measure(session, batch, seconds):
    images = np.random.default_rng(0).normal(size=(batch, 3, 224, 224)).astype(np.float32)
    session.run([BACKBONE_OUTPUT], {"input_image": images})  # warm-up
    done, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        tokens = session.run([BACKBONE_OUTPUT], {"input_image": images})[0]
        cls = tokens[:, 0]
        cls / np.linalg.norm(cls, axis=1, keepdims=True)
        done += batch
    return done / (time.perf_counter() - start), (time.process_time() - cpu_start) * 1000 / done


def main():
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    session = backbone_session(sys.argv[1])
    batches = [int(b) for b in sys.argv[3:]] or [1, 16]
    print("engine   batch  images/s  cpu-ms/image")
    for batch in batches:
        rate, cpu = measure(session, batch, seconds)
        print(f"onnxrt   {batch:<7}{rate:8.2f}  {cpu:12.1f}")


if __name__ == "__main__":
    main()
