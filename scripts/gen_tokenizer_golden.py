#!/usr/bin/env python3
"""Writes the tokenizer golden files that tests/rag/tokenizer_test.cpp compares against, from bm25s.

Usage (from the repo root):
    .venv/bin/python scripts/gen_tokenizer_golden.py [CRANFIELD_DIR]

Outputs (in tests/rag/data/):
  tokenizer_golden.jsonl  one {"text", "tokens", "tokens_stemmed"} per line, ~300 texts: hand-written
                          tricky ones, seeded random Unicode strings and 100 Cranfield sentences;
                          tokens = bm25s.tokenize(text, stopwords="en", return_ids=False),
                          tokens_stemmed = the same with stemmer=Stemmer.Stemmer("english").
  unicode_golden.json     Python's view of every code point: the ranges of \\w characters (re, str
                          patterns), every code point whose str.lower() differs from itself, the
                          ranges of assigned code points (unicodedata.category != "Cn"), the
                          Unicode version and STOPWORDS_EN.

The C++ tokenizer links Debian's libstemmer 2.2.0 (Snowball 2.2). PyStemmer >= 3 bundles Snowball 3,
whose English stemmer differs on some words ("added" -> "add" vs "ad", "internal" -> "internal" vs
"intern", "university" -> "universiti" vs "univers"). So the stems come from PyStemmer when it is a
2.2.x release (its own build of Snowball 2.2: an independent oracle; `pip install --target DIR
PyStemmer==2.2.0.3` and PYTHONPATH=DIR), else from Debian's libstemmer itself through
scripts/snowball.py. Texts are checked to be free of characters that are unassigned in Python's
Unicode version (ICU may be newer).
"""
import importlib.metadata
import json
import os
import random
import re
import sys
import unicodedata

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "rag", "data")

HAND = [
    "",
    " ",
    "a",
    "ab",
    "C++ std::vector<int> foo_bar x86-64 3.14 naïve café",
    "The quick brown fox jumps over the lazy dog. THIS is NOT a drill!",
    "this that these those their theirs then there they them is it into",
    "ands ares ons theirs thes buts ors nots wills withs tos",
    "added adding internal internally international lateral universal university organization paste pasted",
    "running runner runs ran easily fairly generously generation communication arsenal",
    "ΟΔΟΣ",
    "ΟΔΟΣ ΟΔΟΣ.",
    "ΟΔΟΣ.Α ΣΑ Σ ΑΣ ΑΣ' Α'Σ ΑΣ'Α Α.Σ.Α",
    "Σίσυφος ΣΊΣΥΦΟΣ σοφός ΣΟΦΌΣ",
    "İstanbul İİ xİy İ",
    "ß STRASSE Straße ẞ",
    "ﬁne ﬂow ﬃ ﬆ",
    "日本語のテキスト 中文文本 한국어 텍스트",
    "العربية مُحَمَّد كِتَابٌ",
    "हिन्दी देवनागरी किताब",
    "digits ²³ ½ ¼ Ⅻ ① ٣٤ ๑๒ 𝟘𝟙 x² H₂O",
    "emoji 😀😀 👍🏽 ok 🇫🇷 a😀b cc😀dd",
    "tabs\tand\nnewlines\r\nand  spaces\u00a0nbsp\u2003em\u200bzwsp",
    "under_score __init__ _a a_ _ __ ___",
    "x86_64 AVX-512 fp32 3.1415 1e-6 0x1F 2024-01-01",
    "Ǆemal ǅemal ǆemal Ǳ ǲ",
    "ΣΣ ΣΣΣ ΑΣΣ ΑΣΣΑ",
    "ÀÉÎÕÜ àéîõü ĀĒĪŌŪ",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "Ꭰ Ꭱ ᏸ ꭰ Cherokee",
    "𐐀𐐁 Deseret 𐐨𐐩",
    "Ⓐ ⓐ ⓐⓑ ⅰⅱ Ⅰ",
    "e\u0301 cafe\u0301 co\u0308operate",
    "a\u200db zero\u200cwidth",
    "mixed ASCII and ünïcödé in one text",
    "ǰ̌ ŉ ΐ ΰ",
    "Ⱥ ⱥ Ⱦ ȿ",
    "ǈ ǋ ǲ ᾈ ᾼ ῌ",
    "K Å Ω ℃ №",
    "µ ſ ς ϐ ϑ ϕ ϖ ϰ ϱ ϵ ẛ ι",
    "‘quoted’ “double” «guillemets» don't it's",
    "ΑΣ\u0301 ΑΣ\u0301Α ΑΣ\u00ad",
    "123 45 6 78910",
    "Ⅷ ⅷ ↂ 〇 〡〢 ㆒",
    "ᛮᛯ 𐍁 𒐀",
    "ǀ ǁ ǂ ǃ ʻokina ʼ",
    "ᴬᴮ ᵃᵇ ˢˣ ₐₑ",
    "٠١٢ ۰۱۲ ߀߁",
    "THE END, the end: The End.",
]

RANDOM_POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    " \t\n.,;:!?'\"()-[]{}<>/\\|@#$%^&*+=~`",
    "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßİıŁłŒœŠšŸŽž",
    "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώΆΈΉΊΌΎΏ",
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюяЁё",
    "\u0300\u0301\u0302\u0303\u0308\u0327\u0307\u064e\u064f\u0650\u0651\u093f\u0940\u094d\u0902",
    "日本語中文字漢字一二三四五十百千万兆ひらがなカタカナ한국어텍스트",
    "²³¹½¼¾ⅠⅡⅢⅻ①②⑳٠١٢३४५๑𝟘𝟙",
    "😀👍🏽🇫🇷\u200d\u200c\u200b\u00a0\u2003\u00ad\ufeff\u2028",
    "ﬁﬂﬃǄǅǆǱǲǳẞℌℍKÅΩ℃№Ⓐⓐⅰꭰᏸ𐐀𐐨",
]


def assigned(c):
    return unicodedata.category(c) != "Cn"


def random_texts(rng, n):
    texts = []
    for i in range(n):
        length = rng.randint(1, 60)
        if i % 5 == 4:
            # Anything assigned in Python's Unicode (BMP and above), no surrogates.
            chars = []
            while len(chars) < length:
                cp = rng.randint(0, 0x10FFFF) if rng.random() < 0.3 else rng.randint(0, 0xFFFF)
                c = chr(cp)
                if 0xD800 <= cp <= 0xDFFF or not assigned(c) or unicodedata.category(c) == "Co":
                    continue
                chars.append(c)
        else:
            pools = rng.sample(RANDOM_POOLS, rng.randint(1, 4))
            chars = [rng.choice(rng.choice(pools)) for _ in range(length)]
        texts.append("".join(chars))
    return texts


def cranfield_sentences(path, rng, n):
    text = open(path, encoding="latin-1").read()
    sentences = []
    for record in text.split("\n.I ")[1:]:
        if ".W\n" not in record:
            continue
        body = " ".join(record.split(".W\n", 1)[1].split())
        sentences.extend(s.strip() for s in body.split(" .") if len(s.strip()) > 3)
    return rng.sample(sentences, n)


def ranges(pred):
    out, start = [], None
    for cp in range(0x110000):
        if pred(cp):
            if start is None:
                start = cp
        elif start is not None:
            out.append([start, cp - 1])
            start = None
    if start is not None:
        out.append([start, 0x10FFFF])
    return out


def main():
    pystemmer = importlib.metadata.version("PyStemmer")
    if pystemmer.startswith("2.2."):
        stemmer, stemmer_name = Stemmer.Stemmer("english"), f"PyStemmer {pystemmer}"
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from snowball import DebianStemmer

        stemmer, stemmer_name = DebianStemmer("english"), "Debian libstemmer (scripts/snowball.py)"
    cran = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "cranfield")
    rng = random.Random(20260125)
    texts = HAND + random_texts(rng, 150) + cranfield_sentences(os.path.join(cran, "cran.all.1400"), rng, 100)
    for t in texts:
        bad = [hex(ord(c)) for c in t if not assigned(c)]
        assert not bad, f"unassigned code points in a golden text: {bad}"
    kw = dict(stopwords="en", return_ids=False, show_progress=False)
    plain = bm25s.tokenize(texts, **kw)
    stemmed = bm25s.tokenize(texts, stemmer=stemmer, **kw)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tokenizer_golden.jsonl"), "w", encoding="utf-8") as f:
        for t, p, s in zip(texts, plain, stemmed):
            f.write(json.dumps({"text": t, "tokens": p, "tokens_stemmed": s}, ensure_ascii=False) + "\n")
    word = re.compile(r"\w")
    lower = [[cp, chr(cp).lower()] for cp in range(0x110000)
             if not 0xD800 <= cp <= 0xDFFF and chr(cp).lower() != chr(cp)]
    meta = {
        "unicode_version": unicodedata.unidata_version,
        "stemmer": stemmer_name,
        "bm25s": bm25s.__version__,
        "stopwords_en": list(STOPWORDS_EN),
        "word_ranges": ranges(lambda cp: word.match(chr(cp)) is not None),
        "assigned_ranges": ranges(lambda cp: assigned(chr(cp))),
        "lower": lower,
    }
    with open(os.path.join(OUT, "unicode_golden.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=True, separators=(",", ":"))
    print(f"{len(texts)} texts; Unicode {meta['unicode_version']}; {len(meta['word_ranges'])} word ranges; "
          f"{len(lower)} lowercase mappings; stems from {stemmer_name}")


if __name__ == "__main__":
    main()
