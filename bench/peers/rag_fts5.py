"""BM25 peer: SQLite FTS5 through Python's sqlite3 (contract: rag_common.py).

A contentless FTS5 table (content='', detail=full, tokenizer unicode61: Unicode-aware, case folded,
no stop words, keeps 1-char tokens) in a database file under a temporary directory (journal off,
mmap on). Query: `MATCH '"a" OR "b" OR …'` (quoted terms), `ORDER BY rank LIMIT k` with rank =
bm25() (k1 = 1.2, b = 0.75 hard-coded in SQLite; idf clamped to 1e-6 when ≤ 0; score negated).
Different formula and tokenizer ⇒ only speed is compared. Threads: T Python threads, each with its
own connection (sqlite3 releases the GIL while stepping). Building the MATCH strings is not timed.
"""
import os
import re
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rag_common as rc  # noqa: E402

TERM_RE = re.compile(r"[^\W_]+")


def connect(path):
    con = sqlite3.connect(path, check_same_thread=False)
    con.execute("PRAGMA mmap_size=17179869184")
    con.execute("PRAGMA cache_size=-262144")
    return con


def main():
    a = rc.parse_args(__doc__.split("\n")[0])
    ids, texts = rc.read_corpus(a.corpus)
    tmp = tempfile.TemporaryDirectory(prefix="mempipe_fts5_")
    db = os.path.join(tmp.name, "fts5.db")
    rss_before = rc.peak_rss_bytes()
    t0 = time.perf_counter()
    con = connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(body, content='', detail=full)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO docs(rowid, body) VALUES (?, ?)",
                    ((i + 1, t) for i, t in enumerate(texts)))
    con.execute("COMMIT")
    con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    con.commit()
    t1 = time.perf_counter()
    build = {
        "docs": len(ids),
        "seconds": t1 - t0,
        "tokenize_s": None,
        "index_s": t1 - t0,
        "peak_rss_bytes": rc.peak_rss_bytes(),
        "rss_before_build_bytes": rss_before,
        "db_bytes": os.path.getsize(db),
    }
    del texts
    sql = "SELECT rowid, rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?"

    runs = []
    for qfile in a.queries:
        matches = []
        for text in rc.read_queries(qfile, a.max_queries):
            terms = TERM_RE.findall(text.lower())
            matches.append(" OR ".join('"' + t + '"' for t in terms))
        for k in a.k:
            hits_path = ""
            for ti, threads in enumerate(a.threads):
                cons = [connect(db) for _ in range(threads)]
                chunk = (len(matches) + threads - 1) // threads
                parts = [matches[i : i + chunk] for i in range(0, len(matches), chunk)]
                last = {}

                def run_part(j):
                    c = cons[j]
                    return [c.execute(sql, (m, k)).fetchall() if m else [] for m in parts[j]]

                pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None

                def run_all():
                    if pool is None:
                        last["res"] = run_part(0)
                    else:
                        res = []
                        for r in pool.map(run_part, range(len(parts))):
                            res.extend(r)
                        last["res"] = res

                med, times = rc.time_passes(run_all, a.repeats, a.budget_s)
                if pool is not None:
                    pool.shutdown()
                for c in cons:
                    c.close()
                if ti == 0 and a.hits_dir:
                    hits = [[(ids[rowid - 1], -score) for rowid, score in row] for row in last["res"]]
                    hits_path = rc.write_hits(a.hits_dir, qfile, k, hits)
                runs.append(rc.run_entry(qfile, k, threads, len(matches), med, times, hits_path))
                print(f"fts5 {rc.query_name(qfile)} k={k} t={threads}: {len(matches) / med:.1f} q/s",
                      file=sys.stderr)

    con.close()
    notes = [
        "speed only: FTS5 bm25() is k1=1.2 b=0.75 with its own idf clamp and unicode61 tokenizer",
        "contentless table on a temp-dir database file, mmap enabled; MATCH strings built untimed",
        "T>1: queries split over T Python threads, one connection each",
    ]
    params = {"k1": 1.2, "b": 0.75, "tokenizer": "unicode61", "detail": "full"}
    rc.finish(a, rc.make_result("fts5", "sqlite " + sqlite3.sqlite_version, params, notes, build, runs))


if __name__ == "__main__":
    main()
