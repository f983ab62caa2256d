#!/usr/bin/env python3
"""Builds a real-text BM25 benchmark corpus in BEIR layout from installed Debian documentation.

Sources (Debian packages; `scripts/bootstrap --bench` installs them):
  * python3.11-doc: /usr/share/doc/python3.11-doc/html/_sources/**/*.txt
  * linux-doc-6.1 (linux-doc): /usr/share/doc/linux-doc*/html/_sources/**/*.rst.txt (else the
    Documentation/**/*.rst.gz sources)
  * dict-gcide: /usr/share/dictd/gcide.dict.dz + gcide.index (one entry per distinct offset)
  * wordnet-base: /usr/share/wordnet/data.{noun,verb,adj,adv} (one synset: its words + gloss)
Documentation files are cut into non-overlapping windows of --window words (default 100);
dictionary entries longer than a window are cut the same way.

Writes into --out DIR:
  corpus.jsonl        {"_id": "py-000123", "title": "...", "text": "..."} one passage per line
  queries_8w.jsonl    {"_id": "q8-0000", "text": "w1 w2 … w8"}   (--queries of them)
  queries_32w.jsonl   {"_id": "q32-0000", "text": "w1 … w32"}
Queries: a passage chosen at random, then N distinct content words sampled from it (lowercase
[a-z]{2,} words that are not stop words), so every query term has real postings. Everything is
deterministic for a given --seed and set of installed packages. Standard library only.

  python3 scripts/build_rag_corpus.py --out out/rag_corpus
"""
import argparse
import base64
import glob
import gzip
import json
import os
import random
import re
import sys

PYTHON_DOC = "/usr/share/doc/python3.11-doc/html/_sources"
LINUX_DOC_GLOB = "/usr/share/doc/linux-doc*"
GCIDE_DICT = "/usr/share/dictd/gcide.dict.dz"
GCIDE_INDEX = "/usr/share/dictd/gcide.index"
WORDNET = "/usr/share/wordnet"

# Stop words for query sampling: bm25s's STOPWORDS_EN plus common function words, so queries are
# made of content words.
STOPWORDS = set(
    """a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with about above after again against all am any because been
    before being below between both can could did do does doing down during each few from further
    had has have having he her here hers herself him himself his how i its itself just me more most
    my myself nor now off once only other our ours ourselves out over own same she should so some
    than theirs them themselves those through too under until up very we were what when where which
    while who whom why would you your yours yourself yourselves also may must shall one two see use
    used using e g i e etc""".split()
)
WORD_RE = re.compile(r"[a-z]{2,}")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64_int(s):
    v = 0
    for ch in s:
        v = v * 64 + B64.index(ch)
    return v


def windows(words, size):
    for i in range(0, len(words), size):
        yield " ".join(words[i : i + size])


def doc_files(root, pattern):
    return sorted(glob.glob(os.path.join(root, pattern), recursive=True))


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def doc_passages(prefix, root, files, size):
    """Yields (id, title, text) windows of every file; title = the path relative to root."""
    n = 0
    for path in files:
        words = read_text(path).split()
        title = os.path.relpath(path, root)
        for part, text in enumerate(windows(words, size)):
            yield f"{prefix}-{n:07d}", f"{title} #{part}", text
            n += 1


def linux_doc_files():
    roots = sorted(glob.glob(LINUX_DOC_GLOB))
    for root in roots:
        src = os.path.join(root, "html", "_sources")
        files = doc_files(src, "**/*.rst.txt")
        if files:
            return src, files
    for root in roots:
        src = os.path.join(root, "Documentation")
        files = doc_files(src, "**/*.rst.gz")
        if files:
            return src, files
    return "", []


def gcide_passages(size):
    if not (os.path.exists(GCIDE_DICT) and os.path.exists(GCIDE_INDEX)):
        return
    with gzip.open(GCIDE_DICT, "rb") as f:  # dictzip is gzip-compatible
        data = f.read()
    seen = set()
    n = 0
    with open(GCIDE_INDEX, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-"):
                continue
            off, ln = b64_int(parts[1]), b64_int(parts[2])
            if (off, ln) in seen:
                continue
            seen.add((off, ln))
            words = data[off : off + ln].decode("utf-8", errors="replace").split()
            for part, text in enumerate(windows(words, size)):
                yield f"gcide-{n:07d}", parts[0] if part == 0 else f"{parts[0]} #{part}", text
                n += 1


def wordnet_passages(size):
    n = 0
    for pos in ("noun", "verb", "adj", "adv"):
        path = os.path.join(WORDNET, "data." + pos)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                head, gloss = line.split("|", 1)
                fields = head.split()
                w_cnt = int(fields[3], 16)
                lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(w_cnt)]
                title = ", ".join(lemmas)
                words = (title + ": " + gloss.strip()).split()
                for part, text in enumerate(windows(words, size)):
                    yield f"wn-{n:07d}", title, text
                    n += 1


def content_words(text):
    return sorted({w for w in WORD_RE.findall(text.lower()) if w not in STOPWORDS})


def make_queries(texts, n_queries, n_words, prefix, rng):
    eligible = [i for i, t in enumerate(texts) if len(content_words(t)) >= n_words]
    if not eligible:
        sys.exit(f"no passage has {n_words} distinct content words")
    out = []
    for q in range(n_queries):
        words = content_words(texts[rng.choice(eligible)])
        out.append({"_id": f"{prefix}-{q:04d}", "text": " ".join(rng.sample(words, n_words))})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--window", type=int, default=100, help="words per passage (default 100)")
    ap.add_argument("--queries", type=int, default=1000, help="queries per file (default 1000)")
    ap.add_argument("--seed", type=int, default=20251125)
    ap.add_argument("--max-docs", type=int, default=0, help="stop after N passages (0 = all)")
    ap.add_argument(
        "--sources",
        default="python,linux,gcide,wordnet",
        help="comma-separated subset of python,linux,gcide,wordnet",
    )
    a = ap.parse_args()
    if a.window < 1 or a.queries < 0 or a.max_docs < 0:
        sys.exit("--window must be >= 1, --queries and --max-docs >= 0")
    os.makedirs(a.out, exist_ok=True)

    sources = [s.strip() for s in a.sources.split(",") if s.strip()]
    gens = {}
    if "python" in sources:
        gens["python"] = doc_passages("py", PYTHON_DOC, doc_files(PYTHON_DOC, "**/*.txt"), a.window)
    if "linux" in sources:
        root, files = linux_doc_files()
        gens["linux"] = doc_passages("linux", root, files, a.window)
    if "gcide" in sources:
        gens["gcide"] = gcide_passages(a.window)
    if "wordnet" in sources:
        gens["wordnet"] = wordnet_passages(a.window)
    unknown = set(sources) - set(gens)
    if unknown:
        sys.exit(f"unknown sources {sorted(unknown)}: choose from python,linux,gcide,wordnet")

    texts, counts, n_words = [], {}, 0
    tmp = os.path.join(a.out, "corpus.jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for name, gen in gens.items():
            counts[name] = 0
            for _id, title, text in gen:
                if a.max_docs and len(texts) >= a.max_docs:
                    break
                f.write(json.dumps({"_id": _id, "title": title, "text": text}, ensure_ascii=False))
                f.write("\n")
                texts.append(text)
                counts[name] += 1
                n_words += len(text.split())
    os.replace(tmp, os.path.join(a.out, "corpus.jsonl"))

    rng = random.Random(a.seed)
    for w in (8, 32):
        queries = make_queries(texts, a.queries, w, f"q{w}", rng)
        with open(os.path.join(a.out, f"queries_{w}w.jsonl"), "w", encoding="utf-8") as f:
            for q in queries:
                f.write(json.dumps(q) + "\n")

    for name, c in counts.items():
        print(f"{name:8s} {c:9,d} passages")
    print(f"total    {len(texts):9,d} passages, {n_words:,d} words -> {a.out}/corpus.jsonl")
    print(f"queries  {a.queries} x 8 words, {a.queries} x 32 words (seed {a.seed})")
    if not a.max_docs and any(c == 0 for c in counts.values()):
        print("warning: a source produced no passages (package not installed?)", file=sys.stderr)


if __name__ == "__main__":
    main()
