"""BM25 peer: tantivy (tantivy-py), an in-RAM index (contract: rag_common.py).

Schema: one text field "body" with tantivy's default tokenizer (splits on non-alphanumerics,
lowercases, drops tokens > 40 bytes; no stop words) and index_option "freq" (no positions: BM25 needs
none), plus a stored "id". Query = OR of the query's terms (Occur.Should term queries), built before
timing; searcher.search(query, k) per query. tantivy's BM25 is fixed at k1 = 1.2, b = 0.75 with
1-byte quantised field norms, and its tokenizer differs from bm25s's (keeps stop words and 1-char
tokens), so scores differ: only speed is compared. Threads: queries are spread over T Python threads
(tantivy-py releases the GIL while searching) — T = 1 is the plain single-threaded loop.
"""
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rag_common as rc  # noqa: E402

TERM_RE = re.compile(r"[^\W_]+")  # tantivy's SimpleTokenizer: runs of alphanumerics


def main():
    a = rc.parse_args(__doc__.split("\n")[0])
    import tantivy

    ids, texts = rc.read_corpus(a.corpus)
    rss_before = rc.peak_rss_bytes()
    t0 = time.perf_counter()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("body", stored=False, tokenizer_name="default", index_option="freq")
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    schema = sb.build()
    index = tantivy.Index(schema)  # in RAM
    writer = index.writer(heap_size=512 * 1024 * 1024, num_threads=max(a.threads))
    for doc_id, text in zip(ids, texts):
        writer.add_document(tantivy.Document(id=doc_id, body=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    t1 = time.perf_counter()
    searcher = index.searcher()
    build = {
        "docs": len(ids),
        "seconds": t1 - t0,
        "tokenize_s": None,  # tantivy tokenizes while indexing
        "index_s": t1 - t0,
        "peak_rss_bytes": rc.peak_rss_bytes(),
        "rss_before_build_bytes": rss_before,
        "segments": searcher.num_segments,
        "index_threads": max(a.threads),
    }

    runs = []
    for qfile in a.queries:
        queries = []
        for text in rc.read_queries(qfile, a.max_queries):
            terms = [t for t in TERM_RE.findall(text.lower()) if len(t) <= 40]
            sub = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in terms]
            queries.append(tantivy.Query.boolean_query(sub) if sub else tantivy.Query.empty_query())
        for k in a.k:
            hits_path = ""
            for ti, threads in enumerate(a.threads):
                last = {}
                if threads == 1:

                    def run_all():
                        last["res"] = [searcher.search(q, k, count=False).hits for q in queries]

                else:
                    pool = ThreadPoolExecutor(max_workers=threads)
                    chunk = (len(queries) + threads - 1) // threads
                    parts = [queries[i : i + chunk] for i in range(0, len(queries), chunk)]

                    def run_part(part):
                        return [searcher.search(q, k, count=False).hits for q in part]

                    def run_all():
                        res = []
                        for r in pool.map(run_part, parts):
                            res.extend(r)
                        last["res"] = res

                med, times = rc.time_passes(run_all, a.repeats, a.budget_s)
                if threads != 1:
                    pool.shutdown()
                if ti == 0 and a.hits_dir:
                    hits = [[(searcher.doc(addr)["id"][0], s) for s, addr in row] for row in last["res"]]
                    hits_path = rc.write_hits(a.hits_dir, qfile, k, hits)
                runs.append(rc.run_entry(qfile, k, threads, len(queries), med, times, hits_path))
                print(f"tantivy {rc.query_name(qfile)} k={k} t={threads}: {len(queries) / med:.1f} q/s",
                      file=sys.stderr)

    notes = [
        "speed only: tantivy's BM25 is k1=1.2 b=0.75 with 1-byte field norms and its own tokenizer",
        "query parsing/term construction not timed; count=False (no hit counting)",
        "T>1: queries split over T Python threads sharing one searcher",
    ]
    params = {"k1": 1.2, "b": 0.75, "tokenizer": "default", "index_option": "freq"}
    rc.finish(a, rc.make_result("tantivy", tantivy.__version__, params, notes, build, runs))


if __name__ == "__main__":
    main()
