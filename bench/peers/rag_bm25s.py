"""BM25 peer: bm25s with its numba backend — the paper's baseline (contract: rag_common.py).

bm25s.BM25(method="lucene", k1, b, backend="numba"), bm25s.tokenize(stopwords="en", no stemmer);
retrieve(query_ids, k, backend_selection="numba", n_threads=T). As in bm25-benchmarks, query
tokenization is NOT timed: queries are tokenized and mapped to vocabulary ids beforehand (OOV tokens
dropped; a query left empty gets bm25s's empty token "" and returns arbitrary zero-score docs). k is
clamped to the number of docs (bm25s raises otherwise).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rag_common as rc  # noqa: E402


def main():
    a = rc.parse_args(__doc__.split("\n")[0])
    import bm25s
    import numba

    ids, texts = rc.read_corpus(a.corpus)
    rss_before = rc.peak_rss_bytes()
    t0 = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=None, show_progress=False)
    t1 = time.perf_counter()
    retriever = bm25s.BM25(method="lucene", k1=a.k1, b=a.b, backend="numba")
    retriever.index(tokens, show_progress=False)
    t2 = time.perf_counter()
    del tokens
    build = {
        "docs": len(ids),
        "seconds": t2 - t0,
        "tokenize_s": t1 - t0,
        "index_s": t2 - t1,
        "peak_rss_bytes": rc.peak_rss_bytes(),
        "rss_before_build_bytes": rss_before,
    }
    vocab = retriever.vocab_dict
    empty_id = vocab.get("")

    runs = []
    n_docs = len(ids)
    for qfile in a.queries:
        queries = rc.read_queries(qfile, a.max_queries)
        qtok = bm25s.tokenize(queries, stopwords="en", return_ids=False, show_progress=False)
        qids = []
        for q in qtok:
            row = [vocab[t] for t in q if t in vocab]
            qids.append(row if row or empty_id is None else [empty_id])
        for k in a.k:
            kk = min(k, n_docs)
            hits_path = ""
            for ti, threads in enumerate(a.threads):
                last = {}

                def run_all():
                    last["res"] = retriever.retrieve(
                        qids,
                        k=kk,
                        backend_selection="numba",
                        n_threads=threads,
                        show_progress=False,
                    )

                med, times = rc.time_passes(run_all, a.repeats, a.budget_s)
                if ti == 0 and a.hits_dir:
                    docs, scores = last["res"]
                    hits = [
                        [(ids[int(d)], float(s)) for d, s in zip(drow, srow)]
                        for drow, srow in zip(docs, scores)
                    ]
                    hits_path = rc.write_hits(a.hits_dir, qfile, k, hits)
                runs.append(rc.run_entry(qfile, k, threads, len(qids), med, times, hits_path))
                print(f"bm25s {rc.query_name(qfile)} k={k} t={threads}: {len(qids) / med:.1f} q/s",
                      file=sys.stderr)

    notes = [
        "query tokenization not timed (queries pre-mapped to vocabulary ids, as bm25-benchmarks)",
        "bm25s pads results with arbitrary zero-score docs when fewer than k docs match",
    ]
    params = {"method": "lucene", "k1": a.k1, "b": a.b, "stopwords": "en", "stemmer": None,
              "backend": "numba", "numba_threading_layer": numba.config.THREADING_LAYER}
    rc.finish(a, rc.make_result("bm25s", bm25s.__version__, params, notes, build, runs))


if __name__ == "__main__":
    main()
