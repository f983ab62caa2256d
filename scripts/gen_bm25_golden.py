#!/usr/bin/env python3
"""Writes tests/rag/data/bm25_golden.json: bm25s score arrays on a small random pre-tokenized corpus,
for every BM25 variant and a few (k1, b, delta), so tests/rag/bm25_test.cpp can check our impacts
against bm25s itself (not only the 4-doc example of rag.md).

Run with the project venv: .venv/bin/python scripts/gen_bm25_golden.py
"""
import json
import os
import random

import bm25s

rng = random.Random(7)
vocab = [f"t{i}" for i in range(150)]
weights = [1.0 / (r + 1) ** 1.1 for r in range(len(vocab))]
docs = []
for d in range(120):
    n = rng.choice([0, 1, 2, 5]) if d % 17 == 0 else rng.randint(3, 40)
    docs.append(rng.choices(vocab, weights, k=n))
queries = [rng.choices(vocab, weights, k=rng.randint(1, 6)) + (["oov"] if q % 3 == 0 else [])
           for q in range(6)]
queries.append(["t0", "t0", "t5"])  # duplicates count twice

configs = []
for method in ["lucene", "robertson", "atire", "bm25l", "bm25+"]:
    for k1, b, delta in [(1.5, 0.75, 0.5), (0.9, 0.4, 1.0), (1.2, 1.0, 0.25)]:
        r = bm25s.BM25(method=method, k1=k1, b=b, delta=delta)
        r.index(docs, show_progress=False)
        scores = [[float(f"{x:.7g}") for x in r.get_scores(q)] for q in queries]
        configs.append({"variant": method, "k1": k1, "b": b, "delta": delta, "scores": scores})

out = {"bm25s_version": __import__("importlib.metadata").metadata.version("bm25s"), "docs": docs, "queries": queries,
       "configs": configs}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "rag", "data", "bm25_golden.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(path, os.path.getsize(path), "bytes")
