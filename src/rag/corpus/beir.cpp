// BEIR corpus.jsonl: one JSON object per line. next_batch reads raw lines sequentially and parses
// them in parallel.
#include <unicode/utf8.h>

#include <nlohmann/json.hpp>

#include "rag/corpus/readers.h"

namespace mempipe::rag::corpus {

namespace {

bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    const auto n = static_cast<int64_t>(s.size());
    for (int64_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        UChar32 c;
        U8_NEXT(p, i, n, c);
        if (c < 0) return false;
    }
    return true;
}

// nlohmann rejects ill-formed UTF-8, but a corpus may have some and we keep its bytes: each bad
// byte b is carried through the parser as the private-use code point U+10FF00 + b (F4 8F BE|BF xx)
// and turned back afterwards. (A genuine U+10FF80..U+10FFFF in such a line would be turned into a
// byte too; these are private-use code points that real text does not contain.)
std::string escape_bad_bytes(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 16);
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    const auto n = static_cast<int64_t>(s.size());
    for (int64_t i = 0; i < n;) {
        const int64_t start = i;
        UChar32 c;
        U8_NEXT(p, i, n, c);
        if (c >= 0) {
            out.append(s.data() + start, static_cast<size_t>(i - start));
            continue;
        }
        for (int64_t j = start; j < i; ++j) {
            const uint8_t b = p[j];
            out += '\xF4';
            out += '\x8F';
            out += b < 0xC0 ? '\xBE' : '\xBF';
            out += static_cast<char>(b < 0xC0 ? b : b - 0x40);
        }
    }
    return out;
}

void unescape_bad_bytes(std::string& s) {
    size_t w = 0;
    for (size_t r = 0; r < s.size();) {
        if (r + 3 < s.size() && s[r] == '\xF4' && s[r + 1] == '\x8F' &&
            (s[r + 2] == '\xBE' || s[r + 2] == '\xBF')) {
            const auto x = static_cast<uint8_t>(s[r + 3]);
            s[w++] = static_cast<char>(s[r + 2] == '\xBE' ? x : x + 0x40);
            r += 4;
        } else {
            s[w++] = s[r++];
        }
    }
    s.resize(w);
}

std::string type_name(const nlohmann::json& j) {
    return j.type_name();
}

}  // namespace

std::string parse_beir_line(std::string_view line, Document& doc) {
    if (parse_beir_line_fast(line, doc)) return {};
    return parse_beir_line_json(line, doc);
}

std::string parse_beir_line_json(std::string_view line, Document& doc) {
    const bool escaped = !is_valid_utf8(line);
    nlohmann::json j;
    try {
        j = escaped ? nlohmann::json::parse(escape_bad_bytes(line)) : nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
        return fmt::format(
            "not JSON: {} (each line must be one JSON object such as "
            "{{\"_id\": \"d1\", \"title\": \"\", \"text\": \"...\"}})",
            e.what());
    }
    if (!j.is_object())
        return fmt::format("a JSON {}, expected an object with \"_id\" and \"text\"", type_name(j));
    auto id = j.find("_id");
    if (id == j.end()) id = j.find("id");
    if (id == j.end()) return "no \"_id\" field (each record needs a string or integer \"_id\")";
    if (id->is_string())
        doc.id = id->get_ref<const std::string&>();
    else if (id->is_number_integer())
        doc.id = id->dump();
    else
        return fmt::format("\"_id\" is a JSON {}, expected a string or an integer", type_name(*id));
    const auto text = j.find("text");
    if (text == j.end()) return "no \"text\" field (each record needs \"text\": a string)";
    if (!text->is_string())
        return fmt::format("\"text\" is a JSON {}, expected a string", type_name(*text));
    const auto title = j.find("title");
    doc.title.clear();
    if (title != j.end() && !title->is_null()) {
        if (!title->is_string())
            return fmt::format("\"title\" is a JSON {}, expected a string", type_name(*title));
        doc.title = title->get_ref<const std::string&>();
    }
    const auto& body = text->get_ref<const std::string&>();
    if (doc.title.empty()) {
        doc.text = body;
    } else {
        doc.text.clear();
        doc.text.reserve(doc.title.size() + 1 + body.size());
        doc.text.append(doc.title).append(" ").append(body);
    }
    if (escaped) {
        unescape_bad_bytes(doc.id);
        unescape_bad_bytes(doc.title);
        unescape_bad_bytes(doc.text);
    }
    return {};
}

namespace {

class BeirReader final : public StreamReader {
  public:
    BeirReader(const std::string& path, const ReaderOptions& options)
        : StreamReader(path, options, CorpusFormat::Beir) {}

    bool next(Document& doc) override {
        while (in_.next(line_)) {
            if (is_blank(line_)) continue;
            if ((++records_ & 1023) == 0) progress();
            const std::string err = parse_beir_line(line_, doc);
            if (err.empty()) return true;
            bad_record(in_.line_number(), err);
        }
        done();
        return false;
    }

    size_t next_batch(std::vector<Document>& batch, size_t max_docs) override {
        batch.clear();
        while (batch.empty() && max_docs > 0) {
            size_t n = 0;
            while (n < max_docs && in_.next(line_)) {
                if (is_blank(line_)) continue;
                if (lines_.size() <= n) lines_.emplace_back();
                lines_[n].swap(line_);
                if (line_numbers_.size() <= n) line_numbers_.resize(n + 1);
                line_numbers_[n++] = in_.line_number();
            }
            if (n == 0) {
                done();
                return 0;
            }
            records_ += n;
            progress();
            batch.resize(n);
            errors_.assign(n, std::string());
            const auto count = static_cast<int64_t>(n);
#pragma omp parallel for schedule(dynamic, 64) if (count >= 256)
            for (int64_t i = 0; i < count; ++i) {
                try {
                    errors_[i] = parse_beir_line(lines_[i], batch[i]);
                } catch (const std::exception& e) {
                    errors_[i] = e.what();
                }
            }
            size_t kept = 0;
            for (size_t i = 0; i < n; ++i) {
                if (!errors_[i].empty()) {
                    bad_record(line_numbers_[i], errors_[i]);
                    continue;
                }
                if (kept != i) std::swap(batch[kept], batch[i]);
                ++kept;
            }
            batch.resize(kept);
        }
        return batch.size();
    }

  private:
    std::string line_;
    std::vector<std::string> lines_, errors_;
    std::vector<int64_t> line_numbers_;
    int64_t records_ = 0;
};

}  // namespace

std::unique_ptr<CorpusReader> open_beir(const std::string& file, const ReaderOptions& options) {
    return std::make_unique<BeirReader>(file, options);
}

}  // namespace mempipe::rag::corpus
