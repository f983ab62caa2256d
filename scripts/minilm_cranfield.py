#!/usr/bin/env python3
"""Cranfield-1400 retrieval with a real embedder: dense (all-MiniLM-L6-v2 run by mempipe's C++
encoder), BM25 and RRF hybrid, all through the mempipe CLI; prints nDCG@10 of each.

Usage: .venv/bin/python scripts/minilm_cranfield.py [--mempipe build/release/tools/mempipe/mempipe]
           [--model out/models/all-minilm-l6-v2] [--work out/cranfield_minilm] [--st]

Needs the model extracted by scripts/extract_minilm.py. Steps: `mempipe rag index` (Snowball
stemming, lucene BM25), `mempipe embed` of the documents (.T + " " + .W) and the queries, `mempipe
rag dense`, `mempipe rag search`, `mempipe rag hybrid` (BM25 top 100 + dense top 100 -> RRF k = 60
-> top 10, no reranker), each written as a TREC run and scored here with rag.md 5.4's conventions
(qrels by query ordinal, gain = 5 - code, codes <= 0 dropped). --st also embeds the same texts with
sentence-transformers (f32, PyTorch) and scores that dense run, for comparison.
"""
import argparse
import math
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRAN = os.path.join(REPO, "tests", "data", "cranfield")


def run(cmd):
    print("$", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def read_trec(path):
    runs = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 6:
                runs.setdefault(p[0], []).append((int(p[3]), p[2]))
    return {q: [d for _, d in sorted(v)] for q, v in runs.items()}


def read_qrels():
    qrels = {}
    with open(os.path.join(CRAN, "cranqrel")) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and int(p[2]) > 0:
                qrels.setdefault(p[0], {})[p[1]] = 5 - int(p[2])
    return qrels


def ndcg10(ranked, rel):
    dcg = sum(rel.get(d, 0) / math.log2(r + 2) for r, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)
    idcg = sum(v / math.log2(r + 2) for r, v in enumerate(ideal[:10]))
    return dcg / idcg if idcg else 0.0


def mean_ndcg(runs, qrels):
    scores = [ndcg10(runs.get(q, []), rel) for q, rel in qrels.items()]
    return sum(scores) / len(scores), len(scores)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mempipe", default=os.path.join(REPO, "build", "release", "tools", "mempipe", "mempipe"))
    ap.add_argument("--model", default=os.path.join(REPO, "out", "models", "all-minilm-l6-v2"))
    ap.add_argument("--work", default=os.path.join(REPO, "out", "cranfield_minilm"))
    ap.add_argument("--st", action="store_true", help="also score sentence-transformers' embeddings")
    args = ap.parse_args()
    m, w = args.mempipe, args.work
    os.makedirs(w, exist_ok=True)
    docs, qry = os.path.join(CRAN, "cran.all.1400"), os.path.join(CRAN, "cran.qry")
    j = lambda name: os.path.join(w, name)
    run([m, "rag", "index", docs, "-o", j("idx"), "--stem", "-q"])
    run([m, "embed", args.model, docs, "-o", j("docs.npy"), "--ids-out", j("doc_ids.txt")])
    run([m, "embed", args.model, qry, "--queries", "-o", j("queries.npy")])
    run([m, "rag", "dense", j("docs.npy"), "--query-vectors", j("queries.npy"), "--queries", qry,
         "--ids", j("doc_ids.txt"), "-k", "10", "--format", "trec", "-o", j("dense.trec"), "-q"])
    run([m, "rag", "search", j("idx"), "--queries", qry, "-k", "10", "--format", "trec",
         "-o", j("bm25.trec"), "-q"])
    run([m, "rag", "hybrid", j("idx"), "--dense", j("docs.npy"), "--ids", j("doc_ids.txt"),
         "--queries", qry, "--query-vectors", j("queries.npy"), "--fusion", "rrf",
         "--first-stage", "100", "--candidates", "64", "-k", "10", "--format", "trec",
         "-o", j("hybrid.trec"), "-q"])
    qrels = read_qrels()
    for name in ("bm25", "dense", "hybrid"):
        score, n = mean_ndcg(read_trec(j(name + ".trec")), qrels)
        print(f"{name:7} nDCG@10 {score:.4f}  [{n} queries]")
    if args.st:
        import numpy as np
        from sentence_transformers import SentenceTransformer
        model = SentenceTransformer(args.model, device="cpu")
        ids = open(j("doc_ids.txt")).read().split()
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from extract_minilm import read_smart
        dt = [(r["T"].strip() + " " + r["W"].strip()) for r in read_smart(docs)]
        qt = [r["W"].strip() for r in read_smart(qry)]
        de = model.encode(dt, batch_size=32, normalize_embeddings=True)
        qe = model.encode(qt, batch_size=32, normalize_embeddings=True)
        ours = np.load(j("docs.npy"))
        cos = (ours * de).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(de, axis=1)
        print(f"doc embeddings vs sentence-transformers: min cosine {cos.min():.6f}, mean {cos.mean():.6f}")
        top = np.argsort(-(qe @ de.T), axis=1, kind="stable")[:, :10]
        runs = {str(i + 1): [ids[d] for d in row] for i, row in enumerate(top)}
        score, n = mean_ndcg(runs, qrels)
        print(f"st-dense nDCG@10 {score:.4f}  [{n} queries] (sentence-transformers f32)")


if __name__ == "__main__":
    main()
