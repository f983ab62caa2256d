#include "mempipe/rag/tokenizer.h"

#include <libstemmer.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "mempipe/core/error.h"
#include "rag/text/stopwords.h"
#include "rag/text/unicode.h"

namespace mempipe::rag {

namespace detail {

// Writes tokens straight into a Tokens' storage: the tokenizer writes a token's bytes into chars()
// and then commits it with end(length).
struct TokensWriter {
    static std::string& chars(Tokens& t) { return t.chars_; }
    static void end(Tokens& t, size_t token_end) {
        t.ends_.push_back(static_cast<uint32_t>(token_end));
    }
};

}  // namespace detail

namespace {

using detail::TokensWriter;
using text::kAsciiLower;
using text::kAsciiWord;

constexpr char32_t kCapitalSigma = 0x3A3, kFinalSigma = 0x3C2, kCapitalIWithDot = 0x130;

// The splitters call accept(chars, begin, n) with a candidate token in chars[begin, begin + n); it
// returns how many bytes of the token to keep (0 drops it), after rewriting it in place if it wants
// (it may grow chars to make room).

// The ASCII path: [A-Za-z0-9_] runs of ≥ 2 bytes, lowercased. Every byte of text must be < 0x80.
// 64 bytes at a time: the lowercased bytes go to a scratch buffer and a 64-bit mask marks the word
// bytes (SSE2, part of baseline x86-64); tokens are then found with bit scans rather than a
// branch per byte, and copied into chars, which is sized once for the whole text (an ASCII text's
// tokens never hold more bytes than the text; a stem that grew makes it grow).
constexpr size_t kBlock = 64;

uint64_t lower_block(const uint8_t* src, uint8_t* dst) {
#if defined(__SSE2__)
    uint64_t mask = 0;
    for (size_t k = 0; k < kBlock; k += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k));
        const auto in = [&](char lo, char hi, __m128i x) {
            return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                                 _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
        };
        const __m128i upper = in('A', 'Z', v);
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));  // letters → a..z
        const __m128i word = _mm_or_si128(_mm_or_si128(in('a', 'z', folded), in('0', '9', v)),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + k),
                         _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
        mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(word))) << k;
    }
    return mask;
#else
    uint64_t mask = 0;
    for (size_t k = 0; k < kBlock; ++k) {
        dst[k] = static_cast<uint8_t>(kAsciiLower[src[k]]);
        mask |= static_cast<uint64_t>(kAsciiWord[src[k]]) << k;
    }
    return mask;
#endif
}

template <class Accept>
void split_ascii(std::string_view text, Tokens& out, Accept&& accept) {
    thread_local std::string scratch;
    scratch.resize(text.size() + kBlock);
    auto* const lowered = reinterpret_cast<uint8_t*>(scratch.data());
    std::string& chars = TokensWriter::chars(out);
    size_t w = chars.size();
    chars.resize(w + text.size());
    const auto emit = [&](size_t begin, size_t end) {
        const size_t n = end - begin;
        if (n < 2) return;
        if (w + n > chars.size()) chars.resize(std::max(w + n, 2 * chars.size()));
        std::memcpy(chars.data() + w, lowered + begin, n);
        const size_t kept = accept(chars, w, n);
        if (kept == 0) return;
        w += kept;
        TokensWriter::end(out, w);
    };
    const auto* const src = reinterpret_cast<const uint8_t*>(text.data());
    bool in_run = false;
    size_t run_begin = 0;
    for (size_t base = 0; base < text.size(); base += kBlock) {
        uint64_t mask;
        if (text.size() - base >= kBlock) {
            mask = lower_block(src + base, lowered + base);
        } else {
            uint8_t tail[kBlock] = {};  // zero padding: not word bytes
            std::memcpy(tail, src + base, text.size() - base);
            mask = lower_block(tail, lowered + base);
        }
        // Alternate between the next word byte (a run begins) and the next other byte (it ends).
        uint64_t pending = in_run ? ~mask : mask;
        while (pending != 0) {
            const auto i = static_cast<size_t>(__builtin_ctzll(pending));
            if (in_run) {
                emit(run_begin, base + i);
                pending = mask & (~uint64_t(0) << i);
            } else {
                run_begin = base + i;
                pending = ~mask & (~uint64_t(0) << i);
            }
            in_run = !in_run;
        }
    }
    if (in_run) emit(run_begin, text.size());
    chars.resize(w);
}

// For the final-sigma context: per ASCII byte, is it Cased, Case_Ignorable (from ICU, once).
struct AsciiCaseProps {
    std::array<bool, 128> cased{}, ignorable{};
    AsciiCaseProps() {
        for (char32_t c = 0; c < 128; ++c) {
            const text::CodePointInfo info = text::code_point_info(c);
            cased[c] = info.cased;
            ignorable[c] = info.case_ignorable;
        }
    }
};

// Python's handle_capital_sigma, forward half: after the Σ that ends at text[i], skip
// case-ignorable code points; final unless a cased one follows. (The backward half is the caller's
// `prev_cased`.)
bool sigma_is_final(std::string_view text, size_t i) {
    while (i < text.size()) {
        const text::CodePointInfo info = text::code_point_info(text::decode_utf8(text, i));
        if (!info.case_ignorable) return !info.cased;
    }
    return true;
}

// The Unicode path: lowercase as Python's str.lower() does, then maximal runs of ≥ 2 word code
// points. ASCII bytes are handled inline; other code points through the code-point table.
template <class Accept>
void split_unicode(std::string_view text, Tokens& out, Accept&& accept) {
    static const AsciiCaseProps ascii_props;
    std::string& chars = TokensWriter::chars(out);
    bool in_token = false;
    size_t begin = 0, code_points = 0;
    bool prev_cased = false;  // the last code point that is not Case_Ignorable is Cased
    const auto open = [&] {
        if (!in_token) {
            in_token = true;
            begin = chars.size();
            code_points = 0;
        }
    };
    const auto close = [&] {
        if (!in_token) return;
        in_token = false;
        const size_t kept = code_points >= 2 ? accept(chars, begin, chars.size() - begin) : 0;
        chars.resize(begin + kept);
        if (kept > 0) TokensWriter::end(out, chars.size());
    };
    size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<uint8_t>(text[i]);
        if (b < 0x80) {
            ++i;
            if (kAsciiWord[b]) {
                open();
                chars.push_back(kAsciiLower[b]);
                ++code_points;
            } else {
                close();
            }
            if (!ascii_props.ignorable[b]) prev_cased = ascii_props.cased[b];
            continue;
        }
        const char32_t c = text::decode_utf8(text, i);
        const text::CodePointInfo info = text::code_point_info(c);
        char32_t lower = info.lower;
        if (c == kCapitalSigma && prev_cased && sigma_is_final(text, i)) lower = kFinalSigma;
        if (info.word) {
            open();
            text::append_utf8(chars, lower);
            ++code_points;
        } else {
            close();
        }
        // İ lowercases to "i" + U+0307 COMBINING DOT ABOVE, which is not a word character.
        if (c == kCapitalIWithDot) close();
        if (!info.case_ignorable) prev_cased = info.cased;
    }
    close();
}

template <class Accept>
void split(std::string_view text, Tokens& out, Accept&& accept) {
    if (text::is_ascii(text))
        split_ascii(text, out, accept);
    else
        split_unicode(text, out, accept);
}

constexpr auto kAcceptAll = [](std::string&, size_t, size_t n) { return n; };

// Stems are cached per tokenizer; past this many entries the cache starts over (bounds memory on
// corpora with huge vocabularies).
constexpr size_t kMaxCachedStems = size_t(1) << 22;

uint64_t hash_bytes(std::string_view s) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    size_t n = s.size();
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        h = (h ^ v) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
    h = (h ^ v) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

// word → stem, open addressing with linear probing over a power-of-two table; the strings live
// in one arena (word then stem, back to back).
class StemCache {
  public:
    std::optional<std::string_view> find(std::string_view word, uint64_t h) const {
        if (slots_.empty()) return std::nullopt;
        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.word_len == kEmpty) return std::nullopt;
            if (s.hash == h && s.word_len == word.size() &&
                std::memcmp(arena_.data() + s.offset, word.data(), word.size()) == 0)
                return std::string_view(arena_.data() + s.offset + s.word_len, s.stem_len);
        }
    }

    std::string_view insert(std::string_view word, uint64_t h, std::string_view stem) {
        if (size_ >= kMaxCachedStems) clear();
        if (2 * (size_ + 1) > slots_.size()) grow();
        const auto offset = static_cast<uint64_t>(arena_.size());
        arena_.append(word).append(stem);
        place(Slot{h, offset, static_cast<uint32_t>(word.size()),
                   static_cast<uint32_t>(stem.size())});
        ++size_;
        return std::string_view(arena_.data() + offset + word.size(), stem.size());
    }

  private:
    static constexpr uint32_t kEmpty = ~uint32_t(0);
    struct Slot {
        uint64_t hash = 0;
        uint64_t offset = 0;
        uint32_t word_len = kEmpty, stem_len = 0;
    };

    void place(const Slot& slot) {
        size_t i = slot.hash & mask_;
        while (slots_[i].word_len != kEmpty) i = (i + 1) & mask_;
        slots_[i] = slot;
    }
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(std::max<size_t>(1024, 2 * old.size()), Slot{});
        mask_ = slots_.size() - 1;
        for (const Slot& s : old)
            if (s.word_len != kEmpty) place(s);
    }
    void clear() {
        slots_.clear();
        arena_.clear();
        size_ = 0;
        mask_ = 0;
    }

    std::vector<Slot> slots_;
    std::string arena_;
    size_t size_ = 0, mask_ = 0;
};

}  // namespace

struct Tokenizer::Stemmer {
    sb_stemmer* stemmer = nullptr;
    StemCache cache;

    Stemmer() {
        stemmer = sb_stemmer_new("english", "UTF_8");
        if (!stemmer) runtime_error("libstemmer: cannot create the Snowball English stemmer");
    }
    ~Stemmer() { sb_stemmer_delete(stemmer); }
    Stemmer(const Stemmer&) = delete;
    Stemmer& operator=(const Stemmer&) = delete;

    // The stem of word; the view stays valid until the next call.
    std::string_view stem(std::string_view word) {
        const uint64_t h = hash_bytes(word);
        if (const auto hit = cache.find(word, h)) return *hit;
        const sb_symbol* s =
            sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                            static_cast<int>(word.size()));
        if (!s) runtime_error("libstemmer: out of memory stemming a {}-byte token", word.size());
        return cache.insert(word, h,
                            std::string_view(reinterpret_cast<const char*>(s),
                                             static_cast<size_t>(sb_stemmer_length(stemmer))));
    }
};

std::vector<std::string> Tokens::to_strings() const {
    std::vector<std::string> v;
    v.reserve(size());
    for (size_t i = 0; i < size(); ++i) v.emplace_back((*this)[i]);
    return v;
}

Tokenizer::Tokenizer(TokenizerOptions options) : options_(options) {
    if (options_.stem) stemmer_ = std::make_unique<Stemmer>();
}

Tokenizer::Tokenizer(const Tokenizer& other) : Tokenizer(other.options_) {}

Tokenizer& Tokenizer::operator=(const Tokenizer& other) {
    if (this != &other) *this = Tokenizer(other.options_);
    return *this;
}

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::tokenize(std::string_view text, Tokens& out) {
    out.clear();
    const bool stop = options_.stopwords == Stopwords::English;
    Stemmer* const stemmer = stemmer_.get();
    if (!stop && !stemmer) return split(text, out, kAcceptAll);
    split(text, out, [&](std::string& chars, size_t begin, size_t n) -> size_t {
        const std::string_view token(chars.data() + begin, n);
        if (stop && text::is_english_stopword(token)) return 0;
        if (!stemmer) return n;
        const std::string_view stemmed = stemmer->stem(token);  // points into the cache
        if (begin + stemmed.size() > chars.size()) chars.resize(begin + stemmed.size());
        std::memcpy(chars.data() + begin, stemmed.data(), stemmed.size());
        return stemmed.size();
    });
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) {
    tokenize(text, scratch_);
    return scratch_.to_strings();
}

void Tokenizer::split_words(std::string_view text, Tokens& out) {
    out.clear();
    split(text, out, kAcceptAll);
}

void Tokenizer::split_words_unicode(std::string_view text, Tokens& out) {
    out.clear();
    split_unicode(text, out, kAcceptAll);
}

}  // namespace mempipe::rag
