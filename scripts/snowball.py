"""Snowball English through Debian's libstemmer (ctypes): the exact stemmer mempipe links.

PyStemmer from PyPI bundles a newer Snowball (3.x) whose English stemmer differs on a few words
("internal" stays "internal"; Snowball 2.2 gives "intern"), so reference outputs that mempipe is
compared against are made with this wrapper instead. It has PyStemmer's stemWord/stemWords API, so it
can be passed to bm25s.tokenize(stemmer=...).
"""
import ctypes
import ctypes.util


class DebianStemmer:
    def __init__(self, language="english"):
        path = ctypes.util.find_library("stemmer") or "libstemmer.so.0d"
        self._lib = ctypes.CDLL(path)
        self._lib.sb_stemmer_new.restype = ctypes.c_void_p
        self._lib.sb_stemmer_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        self._lib.sb_stemmer_stem.restype = ctypes.c_void_p
        self._lib.sb_stemmer_stem.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self._lib.sb_stemmer_length.restype = ctypes.c_int
        self._lib.sb_stemmer_length.argtypes = [ctypes.c_void_p]
        self._stemmer = self._lib.sb_stemmer_new(language.encode(), b"UTF_8")
        if not self._stemmer:
            raise RuntimeError(f"libstemmer has no stemmer for {language!r}")
        self._cache = {}

    def stemWord(self, word):
        out = self._cache.get(word)
        if out is None:
            data = word.encode("utf-8")
            ptr = self._lib.sb_stemmer_stem(self._stemmer, data, len(data))
            n = self._lib.sb_stemmer_length(self._stemmer)
            out = ctypes.string_at(ptr, n).decode("utf-8")
            self._cache[word] = out
        return out

    def stemWords(self, words):
        return [self.stemWord(w) for w in words]
