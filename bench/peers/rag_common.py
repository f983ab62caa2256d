"""Shared plumbing of the BM25 peers run by `mempipe rag bench` (bench/src/rag_bench.cpp).

Contract of every peer (rag_bm25s.py, rag_tantivy.py, rag_fts5.py, and the C++ rag_xapian):
  <peer> --corpus DIR --queries FILE [FILE ...] --k 3,10,64,1000 --threads 1,2 --repeats R
         --out RESULT.json [--k1 X --b Y] [--hits-dir DIR]
  1. read DIR/corpus.jsonl (BEIR; doc text = title + " " + text when the title is non-empty) and
     build the engine's index: time it (tokenize + index), record peak RSS (VmHWM);
  2. for every query file, k and thread count: prepare the queries (tokenize / parse: NOT timed,
     as bm25-benchmarks does), run all of them once (warm-up), then R timed passes; queries/s =
     n_queries / median pass time;
     --max-queries N keeps the first N queries; --budget-s lowers the number of timed passes of a
     slow engine (≥ 1; times_s shows how many ran);
  3. with --hits-dir: write <hits-dir>/<query file stem>_k<k>.tsv, one line per hit in rank order,
     "query_index<TAB>doc_id<TAB>score" (from the first thread count's run);
  4. write RESULT.json (schema: make_result below) and print one JSON line {"median_s": …}.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time


def parse_args(description, extra=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--corpus", required=True, help="BEIR directory holding corpus.jsonl")
    ap.add_argument("--queries", required=True, nargs="+", help="queries .jsonl files")
    ap.add_argument("--k", default="10", help="comma-separated k values")
    ap.add_argument("--threads", default="1", help="comma-separated thread counts")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", required=True, help="result JSON path")
    ap.add_argument("--k1", type=float, default=1.5)
    ap.add_argument("--b", type=float, default=0.75)
    ap.add_argument("--hits-dir", default="", help="write the top-k hits here (TSV per run)")
    ap.add_argument("--max-queries", type=int, default=0,
                    help="use only the first N queries of each file (0 = all; for slow engines)")
    ap.add_argument("--budget-s", type=float, default=60.0,
                    help="fewer timed passes when warm-up × repeats would exceed this (≥ 1 pass)")
    if extra:
        extra(ap)
    a = ap.parse_args()
    a.k = [int(x) for x in a.k.split(",") if x]
    a.threads = [int(x) for x in a.threads.split(",") if x]
    if not a.k or min(a.k) < 1 or not a.threads or min(a.threads) < 1 or a.repeats < 1:
        sys.exit("--k and --threads need positive integers, --repeats >= 1")
    return a


def corpus_path(corpus):
    path = os.path.join(corpus, "corpus.jsonl") if os.path.isdir(corpus) else corpus
    if not os.path.exists(path):
        sys.exit(f"corpus not found: {path}")
    return path


def read_corpus(corpus):
    """Returns (ids, texts) with text = title + " " + text (BEIR convention) when a title exists."""
    ids, texts = [], []
    with open(corpus_path(corpus), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            title, text = d.get("title") or "", d.get("text") or ""
            ids.append(str(d["_id"]))
            texts.append(title + " " + text if title else text)
    return ids, texts


def read_queries(path, max_queries=0):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line)["text"])
                if max_queries and len(out) >= max_queries:
                    break
    return out


def query_name(path):
    base = os.path.basename(path)
    return base[: -len(".jsonl")] if base.endswith(".jsonl") else os.path.splitext(base)[0]


def peak_rss_bytes():
    """This process's peak RSS: VmHWM of /proc/self/status (per address space; getrusage's ru_maxrss
    would include the spawning parent's peak, which Linux carries across exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def time_passes(run_all, repeats, budget_s=0.0):
    """One warm-up pass, then `repeats` timed passes (fewer, at least 1, when the warm-up shows they
    would take longer than budget_s); returns (median seconds, times)."""
    t = time.perf_counter()
    run_all()
    warm = time.perf_counter() - t
    if budget_s > 0 and warm > 0:
        repeats = max(1, min(repeats, int(budget_s / warm)))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run_all()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def write_hits(hits_dir, qfile, k, hits):
    """hits: per query a list of (doc_id, score), best first."""
    if not hits_dir:
        return ""
    os.makedirs(hits_dir, exist_ok=True)
    path = os.path.join(hits_dir, f"{query_name(qfile)}_k{k}.tsv")
    with open(path, "w", encoding="utf-8") as f:
        for qi, row in enumerate(hits):
            for doc, score in row:
                f.write(f"{qi}\t{doc}\t{float(score):.9g}\n")
    return path


def make_result(engine, version, params, notes, build, runs):
    """build: {docs, seconds, tokenize_s, index_s, peak_rss_bytes, rss_before_build_bytes};
    runs: [{queries, k, threads, n_queries, median_s, times_s, qps, hits}]."""
    build = dict(build)
    build["docs_per_s"] = build["docs"] / build["seconds"] if build["seconds"] > 0 else None
    return {
        "engine": engine,
        "version": version,
        "params": params,
        "notes": notes,
        "build": build,
        "runs": runs,
    }


def finish(a, result):
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f)
    os.replace(tmp, a.out)
    med = [r["median_s"] for r in result["runs"]]
    print(json.dumps({"median_s": statistics.median(med) if med else 0.0}))


def run_entry(qfile, k, threads, n_queries, median_s, times, hits_path):
    return {
        "queries": qfile,
        "k": k,
        "threads": threads,
        "n_queries": n_queries,
        "median_s": median_s,
        "times_s": times,
        "qps": n_queries / median_s if median_s > 0 else None,
        "hits": hits_path or None,
    }
