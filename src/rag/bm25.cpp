// BM25 formulas of bm25s/scoring.py (see include/mempipe/rag/bm25.h), in double precision.
#include "mempipe/rag/bm25.h"

#include <algorithm>
#include <cmath>

#include "mempipe/core/error.h"
#include "rag/index/bm25_math.h"

namespace mempipe::rag {

Bm25Variant parse_bm25_variant(std::string_view name) {
    if (name == "lucene") return Bm25Variant::Lucene;
    if (name == "robertson") return Bm25Variant::Robertson;
    if (name == "atire") return Bm25Variant::Atire;
    if (name == "bm25l") return Bm25Variant::Bm25L;
    if (name == "bm25+" || name == "bm25plus") return Bm25Variant::Bm25Plus;
    usage_error("unknown BM25 variant '{}'; choose one of lucene, robertson, atire, bm25l, bm25+",
                name);
}

std::string_view bm25_variant_name(Bm25Variant v) {
    switch (v) {
        case Bm25Variant::Lucene:
            return "lucene";
        case Bm25Variant::Robertson:
            return "robertson";
        case Bm25Variant::Atire:
            return "atire";
        case Bm25Variant::Bm25L:
            return "bm25l";
        case Bm25Variant::Bm25Plus:
            return "bm25+";
    }
    return "?";
}

void check_bm25_params(const Bm25Params& p) {
    const int v = static_cast<int>(p.variant);
    MEMPIPE_CHECK_ARG(v >= 0 && v <= static_cast<int>(Bm25Variant::Bm25Plus),
                      "BM25 variant {} is not one of lucene, robertson, atire, bm25l, bm25+", v);
    MEMPIPE_CHECK_ARG(std::isfinite(p.k1) && p.k1 >= 0,
                      "BM25 k1 must be a finite number ≥ 0 (typical 0.9–2.0), got {}", p.k1);
    MEMPIPE_CHECK_ARG(std::isfinite(p.b) && p.b >= 0 && p.b <= 1,
                      "BM25 b must be in [0, 1] (typical 0.75), got {}", p.b);
    MEMPIPE_CHECK_ARG(std::isfinite(p.delta) && p.delta >= 0,
                      "BM25 delta must be a finite number ≥ 0 (typical 0.5), got {}", p.delta);
}

double bm25_idf(const Bm25Params& p, int64_t df, int64_t n_docs) {
    return detail::bm25_idf(p.variant, double(df), double(n_docs));
}

double bm25_tfc(const Bm25Params& p, double tf, double doc_len, double avgdl) {
    return detail::bm25_tfc(p.variant, p.k1, p.delta, tf, detail::bm25_norm(p.b, doc_len, avgdl));
}

bool bm25_shifted(Bm25Variant v) {
    return v == Bm25Variant::Bm25L || v == Bm25Variant::Bm25Plus;
}

double bm25_nonoccurrence(const Bm25Params& p, int64_t df, int64_t n_docs, double avgdl) {
    if (!bm25_shifted(p.variant)) return 0.0;
    return bm25_idf(p, df, n_docs) * bm25_tfc(p, 0.0, avgdl, avgdl);
}

float bm25_impact(const Bm25Params& p, int64_t df, int64_t n_docs, double tf, double doc_len,
                  double avgdl) {
    const double idf = bm25_idf(p, df, n_docs);
    return detail::bm25_impact(idf, bm25_tfc(p, tf, doc_len, avgdl),
                               bm25_nonoccurrence(p, df, n_docs, avgdl));
}

}  // namespace mempipe::rag
