#!/usr/bin/env python3
"""Cranfield-1400 with bm25s: the reference numbers tests/rag/cranfield_test.cpp checks against.

Usage: .venv/bin/python scripts/cranfield_bm25s.py [DIR]   (DIR defaults to tests/data/cranfield)
Prints nDCG@10 (graded and binary), R@100 and MAP@1000 for every variant, without and with Snowball
stemming, following rag.md §5.4 (doc = .T + " " + .W, query = .W, qrels keyed by query ordinal,
gain = 5 - code, codes <= 0 dropped). Stemming uses Debian's libstemmer (scripts/snowball.py). Also writes per-query lucene top-10 scores as JSON when
--dump FILE is given, for score-level parity checks.
"""
import argparse
import json
import math
import os
import sys

import bm25s

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snowball import DebianStemmer  # noqa: E402  (Snowball 2.2, as mempipe links)


def read_smart(path):
    records, cur, field = [], None, None
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith(".I"):
                if cur is not None:
                    records.append(cur)
                cur = {"I": line.split()[1], "T": "", "W": ""}
                field = None
            elif line[:2] in (".T", ".A", ".B", ".W"):
                field = line[1]
            elif cur is not None and field in ("T", "W"):
                cur[field] += line
    if cur is not None:
        records.append(cur)
    return records


def ndcg(ranked, rel, binary=False, depth=10):
    g = lambda d: (1 if rel.get(d, 0) > 0 else 0) if binary else max(rel.get(d, 0), 0)
    dcg = sum(g(d) / math.log2(r + 2) for r, d in enumerate(ranked[:depth]))
    ideal = sorted(((1 if v > 0 else 0) if binary else v for v in rel.values() if v > 0), reverse=True)
    idcg = sum(v / math.log2(r + 2) for r, v in enumerate(ideal[:depth]))
    return dcg / idcg if idcg else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "cranfield"))
    ap.add_argument("--dump")
    args = ap.parse_args()
    docs = read_smart(os.path.join(args.dir, "cran.all.1400"))
    queries = read_smart(os.path.join(args.dir, "cran.qry"))
    texts = [d["T"].strip() + " " + d["W"].strip() for d in docs]
    ids = [d["I"] for d in docs]
    qtexts = [q["W"].strip() for q in queries]
    qrels = {}
    with open(os.path.join(args.dir, "cranqrel")) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and int(p[2]) > 0:
                qrels.setdefault(p[0], {})[p[1]] = 5 - int(p[2])
    dump = {}
    for stem in (False, True):
        stemmer = DebianStemmer("english") if stem else None
        ctok = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
        qtok = bm25s.tokenize(qtexts, stopwords="en", stemmer=stemmer, show_progress=False)
        for method, k1, b in [("lucene", 1.5, 0.75), ("lucene", 1.2, 0.75), ("lucene", 0.9, 0.4),
                              ("robertson", 1.5, 0.75), ("atire", 1.5, 0.75), ("bm25l", 1.5, 0.75),
                              ("bm25+", 1.5, 0.75)]:
            r = bm25s.BM25(method=method, k1=k1, b=b)
            r.index(ctok, show_progress=False)
            res, scores = r.retrieve(qtok, k=1000, show_progress=False)
            n = 0
            tot = {"ndcg": 0, "bin": 0, "r100": 0, "map": 0}
            for qi in range(len(queries)):
                rel = qrels.get(str(qi + 1))
                if not rel:
                    continue
                ranked = [ids[d] for d in res[qi]]
                n += 1
                tot["ndcg"] += ndcg(ranked, rel)
                tot["bin"] += ndcg(ranked, rel, True)
                tot["r100"] += sum(1 for d in ranked[:100] if d in rel) / len(rel)
                hits, ap = 0, 0.0
                for r_, d in enumerate(ranked):
                    if d in rel:
                        hits += 1
                        ap += hits / (r_ + 1)
                tot["map"] += ap / len(rel)
                if args.dump and method == "lucene" and k1 == 1.5:
                    dump.setdefault("stem" if stem else "plain", {})[str(qi + 1)] = [float(f"{s:.8g}") for s in scores[qi][:10]]
            print(f"{'snowball' if stem else 'no-stem ':8} {method:9} k1={k1} b={b}: nDCG@10 {tot['ndcg']/n:.4f} "
                  f"(binary {tot['bin']/n:.4f}) R@100 {tot['r100']/n:.4f} MAP {tot['map']/n:.4f}  [{n} queries]")
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump(dump, f)


if __name__ == "__main__":
    sys.exit(main())
