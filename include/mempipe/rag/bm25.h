// BM25 scoring functions: the five variants of bm25s (Kamphuis et al., ECIR 2020), exactly as
// bm25s/scoring.py computes them. N = number of docs, df = docs containing the term, tf = the
// term's count in the doc, |d| = doc length in tokens (after stop words and stemming), avgdl = mean
// |d| over all docs (empty docs count), L = 1 − b + b·|d|/avgdl.
//
//   variant    idf(df, N)                                 tfc(tf, |d|)
//   lucene     ln(1 + (N − df + 0.5)/(df + 0.5))          tf / (tf + k1·L)
//   robertson  ln(max(1, (N − df + 0.5)/(df + 0.5)))      tf / (tf + k1·L)
//   atire      ln(N/df)                                   tf·(k1+1) / (tf + k1·L)
//   bm25l      ln((N + 1)/(df + 0.5))                     c = tf/L: (k1+1)(c+δ) / (k1 + c + δ)
//   bm25+      ln((N + 1)/df)                             (k1+1)·tf / (k1·L + tf) + δ
//
// bm25l and bm25+ score a non-occurring term: S0(t) = idf(t)·tfc(0, avgdl) (independent of |d| for
// both). The index stores S(t,d) − S0(t) and a query adds Σ S0(q) to every doc ("score shifting").
// Computed in double, stored as float32.
#pragma once

#include <cstdint>
#include <string_view>

namespace mempipe::rag {

enum class Bm25Variant { Lucene, Robertson, Atire, Bm25L, Bm25Plus };

Bm25Variant parse_bm25_variant(std::string_view name);  // "lucene" … "bm25+"; usage error otherwise
std::string_view bm25_variant_name(Bm25Variant v);

struct Bm25Params {
    Bm25Variant variant = Bm25Variant::Lucene;
    double k1 = 1.5;
    double b = 0.75;
    double delta = 0.5;  // bm25l, bm25+
};

void check_bm25_params(const Bm25Params& p);  // usage error: k1 < 0, b ∉ [0, 1], delta < 0, NaN

double bm25_idf(const Bm25Params& p, int64_t df, int64_t n_docs);
double bm25_tfc(const Bm25Params& p, double tf, double doc_len, double avgdl);
// True for bm25l and bm25+ (tfc(0) ≠ 0).
bool bm25_shifted(Bm25Variant v);
// S0(t); 0 for the sparse variants.
double bm25_nonoccurrence(const Bm25Params& p, int64_t df, int64_t n_docs, double avgdl);
// The stored impact: float(idf·tfc − S0).
float bm25_impact(const Bm25Params& p, int64_t df, int64_t n_docs, double tf, double doc_len,
                  double avgdl);

}  // namespace mempipe::rag
