// The BM25 arithmetic shared by the public formula functions (src/rag/bm25.cpp) and the index
// build's inner loop, so both produce bit-identical impacts. Double precision throughout.
#pragma once

#include <algorithm>
#include <cmath>

#include "mempipe/rag/bm25.h"

namespace mempipe::rag::detail {

// L = 1 − b + b·|d|/avgdl. avgdl = 0 (every doc empty) gives L = 1 − b + b = 1 instead of NaN; no
// posting exists then, so this only affects the non-occurrence score, which ignores L.
inline double bm25_norm(double b, double doc_len, double avgdl) {
    const double ratio = avgdl > 0 ? doc_len / avgdl : 1.0;
    return 1.0 - b + b * ratio;
}

inline double bm25_idf(Bm25Variant v, double df, double n) {
    switch (v) {
        case Bm25Variant::Lucene:
            return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
        case Bm25Variant::Robertson: {
            const double inner = (n - df + 0.5) / (df + 0.5);
            return std::log(inner < 1.0 ? 1.0 : inner);
        }
        case Bm25Variant::Atire:
            return std::log(n / df);
        case Bm25Variant::Bm25L:
            return std::log((n + 1.0) / (df + 0.5));
        case Bm25Variant::Bm25Plus:
            return std::log((n + 1.0) / df);
    }
    return 0.0;
}

// tfc from the length normaliser L (see bm25_norm). tf = 0 takes the formula's limit, so k1 = 0
// gives 0 (or δ for bm25+) rather than 0/0.
inline double bm25_tfc(Bm25Variant v, double k1, double delta, double tf, double norm) {
    if (tf == 0) {
        if (v == Bm25Variant::Bm25L)
            return k1 + delta > 0 ? (k1 + 1.0) * delta / (k1 + delta) : 1.0;
        return v == Bm25Variant::Bm25Plus ? delta : 0.0;
    }
    switch (v) {
        case Bm25Variant::Lucene:
        case Bm25Variant::Robertson:
            return tf / (tf + k1 * norm);
        case Bm25Variant::Atire:
            return tf * (k1 + 1.0) / (tf + k1 * norm);
        case Bm25Variant::Bm25L: {
            const double c = tf / norm;
            return (k1 + 1.0) * (c + delta) / (k1 + c + delta);
        }
        case Bm25Variant::Bm25Plus:
            return (k1 + 1.0) * tf / (k1 * norm + tf) + delta;
    }
    return 0.0;
}

// float(idf·tfc − S0), never negative (the subtraction is exact enough that it cannot go below 0
// for tf ≥ 1, but a stored impact must be ≥ 0 whatever rounding does) and never NaN.
inline float bm25_impact(double idf, double tfc, double s0) {
    const double s = idf * tfc - s0;
    return s > 0 ? static_cast<float>(s) : 0.0f;
}

}  // namespace mempipe::rag::detail
