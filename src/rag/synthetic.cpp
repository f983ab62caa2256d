// Synthetic Zipfian corpus (include/mempipe/rag/synthetic.h).
//
// Sampling: a Walker/Vose alias table over "entries": the first kHeadRanks ranks one entry each,
// the rest grouped into bins of ranks [a, b) with b ≤ 1.01·a, each bin carrying its exact Zipf mass
// and sampled uniformly inside (so a tail rank's probability is within ~1% of (r+1)^−s / H). The
// table stays ~130 KB (cache-resident) instead of 8 bytes per rank: one cache miss per tail word
// (its letters) instead of two per word. Words live in fixed 16-byte slots (letters, length in byte
// 15) so emitting a word is one constant-size copy into the document buffer.
#include "mempipe/rag/synthetic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <mutex>
#include <numeric>
#include <unordered_set>

#include "mempipe/core/error.h"
#include "mempipe/core/rng.h"
#include "mempipe/rag/tokenizer.h"

namespace mempipe::rag {
namespace {

constexpr char kConsonants[] = "bcdfghjklmnprstvwxyz";  // 20 (no q: "qu" looks odd alone)
constexpr int kNumConsonants = 20;
constexpr char kVowels[] = "aeiou";
constexpr int kNumVowels = 5;
constexpr int kMinLen = 3;
constexpr int kMaxLen = 10;
constexpr int64_t kQueryMinRank = 64;
constexpr int kMinSentence = 6;
constexpr int kMaxSentence = 18;
constexpr int64_t kMaxDocWords = 1000;
constexpr int64_t kHeadRanks = 16384;
constexpr double kBinRatio = 1.01;

uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t x = a ^ (b * 0x9fb21c651e98df25ull);
    splitmix64(x);
    return splitmix64(x);
}

// wyrand: one 64×64→128 multiply per number; plenty for a corpus generator.
struct FastRng {
    uint64_t state;
    explicit FastRng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        state += 0xa0761d6478bd642full;
        const __uint128_t m = __uint128_t(state) * (state ^ 0xe7037ed1a0b428dbull);
        return uint64_t(m >> 64) ^ uint64_t(m);
    }
    uint32_t below(uint32_t n) { return uint32_t((uint64_t(uint32_t(next())) * n) >> 32); }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
};

uint64_t ipow(uint64_t b, int e) {
    uint64_t r = 1;
    for (int i = 0; i < e; ++i) r *= b;
    return r;
}

struct WordSlot {
    char c[16];
};

// Vocabulary + alias table for one (seed, options).
struct Vocabulary {
    int64_t size = 0;
    double s = 0;
    std::vector<WordSlot> words;     // [V]
    std::vector<uint64_t> alias;     // [E]: low 32 bits threshold, high 32 bits alias entry
    std::vector<uint64_t> entries;   // [E]: low 32 bits first rank, high 32 bits rank count
    double expected_word_bytes = 0;  // E[len(word)] under the Zipf distribution
    uint64_t seed = 0;

    uint32_t sample(FastRng& rng) const {
        const uint64_t x = rng.next();
        const uint32_t i = uint32_t((uint64_t(uint32_t(x >> 32)) * uint64_t(alias.size())) >> 32);
        const uint64_t a = alias[i];
        const uint64_t e = entries[uint32_t(x) < uint32_t(a) ? i : uint32_t(a >> 32)];
        const uint32_t count = uint32_t(e >> 32);
        return count == 1 ? uint32_t(e) : uint32_t(e) + rng.below(count);
    }
};

// Bucket (length L, starting with a vowel or a consonant): strings of alternating letter classes,
// enumerated in a seeded affine-permuted order, so successive draws are distinct by construction.
struct Bucket {
    uint64_t capacity = 0, used = 0, a = 1, c = 0;
    int len = 0;
    bool vowel_first = false;

    void init(int l, bool v, uint64_t seed) {
        len = l;
        vowel_first = v;
        const int n_vowel = v ? (l + 1) / 2 : l / 2;
        capacity = ipow(kNumVowels, n_vowel) * ipow(kNumConsonants, l - n_vowel);
        uint64_t x = seed;
        a = (splitmix64(x) % capacity) | 1;
        while (std::gcd(a, capacity) != 1) a += 2;
        c = splitmix64(x) % capacity;
    }
    bool full() const { return used >= capacity; }
    void next(WordSlot& w) {
        uint64_t idx = uint64_t((__uint128_t(a) * used + c) % capacity);
        ++used;
        std::memset(w.c, 0, sizeof w.c);
        for (int p = len - 1; p >= 0; --p) {
            const bool vowel = ((p % 2) == 0) == vowel_first;
            if (vowel) {
                w.c[p] = kVowels[idx % kNumVowels];
                idx /= kNumVowels;
            } else {
                w.c[p] = kConsonants[idx % kNumConsonants];
                idx /= kNumConsonants;
            }
        }
        w.c[15] = char(len);
    }
};

void check_options(const SyntheticOptions& o) {
    MEMPIPE_CHECK_ARG(o.vocab_size >= 1 && o.vocab_size <= (int64_t(1) << 30),
                      "synthetic corpus: vocab_size must be in [1, 2^30], got {}", o.vocab_size);
    MEMPIPE_CHECK_ARG(std::isfinite(o.zipf_s) && o.zipf_s > 0,
                      "synthetic corpus: zipf_s must be a positive number, got {}", o.zipf_s);
    MEMPIPE_CHECK_ARG(std::isfinite(o.mean_words) && o.mean_words > 0,
                      "synthetic corpus: mean_words must be positive, got {}", o.mean_words);
    MEMPIPE_CHECK_ARG(std::isfinite(o.stddev_words) && o.stddev_words >= 0,
                      "synthetic corpus: stddev_words must be ≥ 0, got {}", o.stddev_words);
}

std::shared_ptr<const Vocabulary> build_vocabulary(uint64_t seed, const SyntheticOptions& o) {
    auto v = std::make_shared<Vocabulary>();
    const int64_t n = o.vocab_size;
    v->size = n;
    v->s = o.zipf_s;
    v->seed = seed;
    v->words.resize(size_t(n));

    const std::vector<std::string_view>& stopwords = english_stopwords();
    const std::unordered_set<std::string_view> stop(stopwords.begin(), stopwords.end());
    Bucket buckets[kMaxLen + 1][2];
    for (int l = kMinLen; l <= kMaxLen; ++l)
        for (int vf = 0; vf < 2; ++vf)
            buckets[l][vf].init(l, vf == 1, mix(seed, uint64_t(l * 2 + vf)));
    FastRng rng(mix(seed, 0x766f636162ull));
    for (int64_t r = 0; r < n; ++r) {
        // Frequent words are short: the preferred length grows with log2(rank).
        int l = kMinLen + int(std::log2(double(r) + 1.0) * 0.25) + int(rng.below(3));
        l = std::min(l, kMaxLen);
        bool vf = rng.below(4) == 0;
        WordSlot& w = v->words[size_t(r)];
        for (;;) {
            Bucket* b = &buckets[l][vf];
            if (b->full()) b = &buckets[l][!vf];
            if (b->full()) {
                l = l == kMaxLen ? kMinLen : l + 1;  // capacity at L = 10 alone is ~10^10
                continue;
            }
            b->next(w);
            if (!stop.count(std::string_view(w.c, size_t(w.c[15])))) break;
        }
    }

    // Zipf probabilities (head ranks individually, tail in geometric bins) and Vose's alias table
    // over the entries in 32-bit fixed point.
    double total = 0;
    for (int64_t r = n - 1; r >= 0; --r) total += std::pow(double(r + 1), -o.zipf_s);
    std::vector<double> mass;
    double expected = 0;
    for (int64_t r = 0; r < n;) {
        int64_t end = r + 1;
        if (r >= kHeadRanks)
            end = std::min<int64_t>(n, std::max<int64_t>(r + 1, int64_t(double(r) * kBinRatio)));
        double m = 0;
        for (int64_t q = r; q < end; ++q) {
            const double pq = std::pow(double(q + 1), -o.zipf_s) / total;
            m += pq;
            expected += pq * double(v->words[size_t(q)].c[15]);
        }
        v->entries.push_back(uint64_t(r) | (uint64_t(end - r) << 32));
        mass.push_back(m);
        r = end;
    }
    v->expected_word_bytes = expected;
    const size_t n_entries = mass.size();
    std::vector<uint32_t> small, large;
    for (size_t e = 0; e < n_entries; ++e) {
        mass[e] *= double(n_entries);
        (mass[e] < 1.0 ? small : large).push_back(uint32_t(e));
    }
    v->alias.assign(n_entries, 0);
    auto set = [&](uint32_t i, double prob, uint32_t alias) {
        const double t = std::min(prob, 1.0) * 4294967296.0;
        const uint64_t th = t >= 4294967295.0 ? 0xffffffffull : uint64_t(t);
        v->alias[i] = th | (uint64_t(alias) << 32);
    };
    while (!small.empty() && !large.empty()) {
        const uint32_t sm = small.back(), lg = large.back();
        small.pop_back();
        set(sm, mass[sm], lg);
        mass[lg] = (mass[lg] + mass[sm]) - 1.0;
        if (mass[lg] < 1.0) {
            large.pop_back();
            small.push_back(lg);
        }
    }
    for (uint32_t i : large) set(i, 1.0, i);
    for (uint32_t i : small) set(i, 1.0, i);  // rounding leftovers
    return v;
}

// The last vocabulary built is reused (corpus + queries for the same seed build it once).
std::shared_ptr<const Vocabulary> vocabulary(uint64_t seed, const SyntheticOptions& o) {
    check_options(o);
    static std::mutex mutex;
    static std::shared_ptr<const Vocabulary> cached;
    static SyntheticOptions cached_options;
    std::lock_guard<std::mutex> lock(mutex);
    if (!cached || cached->seed != seed || cached_options.vocab_size != o.vocab_size ||
        cached_options.zipf_s != o.zipf_s) {
        cached = build_vocabulary(seed, o);
        cached_options = o;
    }
    return cached;
}

class SyntheticReader final : public CorpusReader {
  public:
    SyntheticReader(int64_t n_docs, uint64_t seed, const SyntheticOptions& o)
        : n_docs_(n_docs), seed_(seed), options_(o), vocab_(vocabulary(seed, o)) {
        const double sigma2 =
            std::log1p((o.stddev_words * o.stddev_words) / (o.mean_words * o.mean_words));
        sigma_ = std::sqrt(sigma2);
        mu_ = std::log(o.mean_words) - sigma2 / 2;
    }

    bool next(Document& doc) override {
        if (next_doc_ >= n_docs_) return false;
        generate(next_doc_++, doc);
        return true;
    }

    size_t next_batch(std::vector<Document>& batch, size_t max_docs) override {
        const int64_t count = std::min<int64_t>(int64_t(max_docs), n_docs_ - next_doc_);
        batch.resize(size_t(std::max<int64_t>(count, 0)));
        const int64_t first = next_doc_;
#pragma omp parallel for schedule(dynamic, 256) if (count > 512)
        for (int64_t i = 0; i < count; ++i) generate(first + i, batch[size_t(i)]);
        next_doc_ += std::max<int64_t>(count, 0);
        return batch.size();
    }

    int64_t skipped() const override {
        return 0;
    }
    CorpusFormat format() const override {
        return CorpusFormat::Synthetic;
    }
    uint64_t bytes_total() const override {
        // words + one separator each, plus the sentence ends (". " ≈ every 12 words).
        const double per_doc = options_.mean_words * (vocab_->expected_word_bytes + 1.0 + 1.0 / 12);
        return uint64_t(double(n_docs_) * per_doc);
    }

  private:
    void generate(int64_t i, Document& doc) const {
        FastRng rng(mix(seed_, uint64_t(i) + 0x646f63ull));
        // Log-normal length via Box–Muller.
        const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        int64_t n = std::llround(std::exp(mu_ + sigma_ * z));
        n = std::clamp<int64_t>(n, 1, kMaxDocWords);

        char id[24] = {'s'};
        const auto res = std::to_chars(id + 1, id + sizeof id, i);
        doc.id.assign(id, res.ptr);
        doc.title.clear();
        // Written into a per-thread scratch buffer (no zero-fill of the document string), then
        // copied.
        thread_local std::vector<char> scratch;
        scratch.resize(size_t(kMaxDocWords) * (kMaxLen + 2) + 16);
        char* const begin = scratch.data();
        char* out = begin;
        const WordSlot* words = vocab_->words.data();
        // Sample first and prefetch every word, so the tail words' cache misses overlap.
        uint32_t ranks[kMaxDocWords];
        for (int64_t t = 0; t < n; ++t) {
            ranks[t] = vocab_->sample(rng);
            __builtin_prefetch(&words[ranks[t]]);
        }
        int left_in_sentence = 0;
        for (int64_t t = 0; t < n; ++t) {
            const WordSlot& w = words[ranks[t]];
            std::memcpy(out, w.c, 16);
            if (left_in_sentence == 0) {
                out[0] = char(out[0] - 32);  // capitalise the sentence's first word
                left_in_sentence = kMinSentence + int(rng.below(kMaxSentence - kMinSentence + 1));
            }
            out += w.c[15];
            if (--left_in_sentence == 0 || t + 1 == n) *out++ = '.';
            *out++ = ' ';
        }
        doc.text.assign(begin, size_t(out - begin - 1));  // without the trailing space
    }

    int64_t n_docs_;
    uint64_t seed_;
    SyntheticOptions options_;
    std::shared_ptr<const Vocabulary> vocab_;
    double mu_ = 0, sigma_ = 0;
    int64_t next_doc_ = 0;
};

}  // namespace

std::unique_ptr<CorpusReader> make_synthetic_corpus(int64_t n_docs, uint64_t seed,
                                                    const SyntheticOptions& options) {
    MEMPIPE_CHECK_ARG(n_docs >= 0, "synthetic corpus: the number of documents must be ≥ 0, got {}",
                      n_docs);
    return std::make_unique<SyntheticReader>(n_docs, seed, options);
}

bool is_synthetic_spec(std::string_view path) {
    return path.starts_with("synthetic:");
}

std::unique_ptr<CorpusReader> open_synthetic_corpus(std::string_view spec) {
    constexpr std::string_view kHelp =
        "expected synthetic:N[:seed], e.g. synthetic:100k or synthetic:1m:7";
    MEMPIPE_CHECK_ARG(is_synthetic_spec(spec), "'{}' is not a synthetic corpus: {}", spec, kHelp);
    std::string_view rest = spec.substr(10);
    std::string_view count = rest.substr(0, rest.find(':'));
    std::string_view seed_text =
        count.size() < rest.size() ? rest.substr(count.size() + 1) : std::string_view("42");
    int64_t n = 0;
    const auto r = std::from_chars(count.data(), count.data() + count.size(), n);
    MEMPIPE_CHECK_ARG(r.ec == std::errc() && r.ptr != count.data() && n >= 0,
                      "bad document count in '{}': {}", spec, kHelp);
    std::string_view suffix(r.ptr, size_t(count.data() + count.size() - r.ptr));
    int64_t mult = 1;
    if (suffix == "k" || suffix == "K")
        mult = int64_t(1) << 10;
    else if (suffix == "m" || suffix == "M")
        mult = int64_t(1) << 20;
    else if (suffix == "g" || suffix == "G")
        mult = int64_t(1) << 30;
    else
        MEMPIPE_CHECK_ARG(suffix.empty(), "bad size suffix '{}' in '{}': {}", suffix, spec, kHelp);
    MEMPIPE_CHECK_ARG(n <= (int64_t(1) << 40) / mult, "document count too large in '{}'", spec);
    uint64_t seed = 0;
    const auto rs = std::from_chars(seed_text.data(), seed_text.data() + seed_text.size(), seed);
    MEMPIPE_CHECK_ARG(rs.ec == std::errc() && rs.ptr == seed_text.data() + seed_text.size(),
                      "bad seed '{}' in '{}': {}", seed_text, spec, kHelp);
    return make_synthetic_corpus(n * mult, seed);
}

std::vector<std::string> synthetic_queries(int64_t n, int words, uint64_t seed,
                                           const SyntheticOptions& options, uint64_t stream) {
    MEMPIPE_CHECK_ARG(n >= 0, "synthetic_queries: n must be ≥ 0, got {}", n);
    MEMPIPE_CHECK_ARG(words >= 1 && words <= 1024,
                      "synthetic_queries: words must be in [1, 1024], got {}", words);
    const auto vocab = vocabulary(seed, options);
    const int64_t eligible = std::max<int64_t>(vocab->size - kQueryMinRank, 0);
    const int64_t min_rank = eligible > 0 ? kQueryMinRank : 0;
    const int64_t pool = vocab->size - min_rank;
    MEMPIPE_CHECK_ARG(words <= pool,
                      "synthetic_queries: {} distinct words per query need a vocabulary of at "
                      "least {} words, have {}",
                      words, words + min_rank, vocab->size);
    std::vector<std::string> out(static_cast<size_t>(n));
    FastRng rng(mix(seed, 0x717565727973ull + stream * 0x100000001b3ull));
    std::vector<uint32_t> picked;
    for (auto& q : out) {
        picked.clear();
        while (int(picked.size()) < words) {
            uint32_t r = vocab->sample(rng);
            // Rejecting the head can loop long when the eligible mass is tiny; fall back to
            // uniform.
            for (int tries = 0; r < min_rank && tries < 64; ++tries) r = vocab->sample(rng);
            if (r < min_rank) r = uint32_t(min_rank + int64_t(rng.below(uint32_t(pool))));
            if (std::find(picked.begin(), picked.end(), r) != picked.end()) continue;
            picked.push_back(r);
        }
        for (uint32_t r : picked) {
            if (!q.empty()) q.push_back(' ');
            q.append(vocab->words[r].c, size_t(vocab->words[r].c[15]));
        }
    }
    return out;
}

std::string synthetic_word(int64_t rank, uint64_t seed, const SyntheticOptions& options) {
    const auto vocab = vocabulary(seed, options);
    MEMPIPE_CHECK_ARG(rank >= 0 && rank < vocab->size,
                      "synthetic_word: rank must be in [0, {}), got {}", vocab->size, rank);
    const WordSlot& w = vocab->words[size_t(rank)];
    return std::string(w.c, size_t(w.c[15]));
}

}  // namespace mempipe::rag
