// The fast path for BEIR JSON lines: a strict single-pass reader for the flat objects corpora are
// made of. Anything it is not sure about (a number that is not a plain id, a lone surrogate, a
// control character, a missing or mistyped field) makes it give up, and nlohmann then parses the
// line and writes the error message, so both paths accept exactly the same lines.
#include <cstring>

#include "rag/corpus/readers.h"
#include "rag/text/unicode.h"

namespace mempipe::rag::corpus {

namespace {

constexpr int kMaxDepth = 64;

void skip_ws(const char*& p, const char* e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
}

bool hex4(const char*& p, const char* e, uint32_t& v) {
    if (e - p < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = *p++;
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= static_cast<uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= static_cast<uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= static_cast<uint32_t>(c - 'A' + 10);
        else
            return false;
    }
    return true;
}

// A JSON string starting at the '"' under p; decoded bytes are appended to out (when not null).
bool parse_string(const char*& p, const char* e, std::string* out) {
    ++p;
    for (;;) {
        const char* s = p;
        while (p < e && *p != '"' && *p != '\\' && static_cast<uint8_t>(*p) >= 0x20) ++p;
        if (out) out->append(s, p);
        if (p >= e || static_cast<uint8_t>(*p) < 0x20) return false;
        if (*p++ == '"') return true;
        if (p >= e) return false;
        char c = *p++;
        switch (c) {
            case '"':
            case '\\':
            case '/':
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                uint32_t u;
                if (!hex4(p, e, u)) return false;
                if (u >= 0xDC00 && u <= 0xDFFF) return false;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    uint32_t lo;
                    if (e - p < 2 || p[0] != '\\' || p[1] != 'u') return false;
                    p += 2;
                    if (!hex4(p, e, lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (out) text::append_utf8(*out, char32_t(u));
                continue;
            }
            default:
                return false;
        }
        if (out) *out += c;
    }
}

bool digits(const char*& p, const char* e) {
    const char* s = p;
    while (p < e && *p >= '0' && *p <= '9') ++p;
    return p > s;
}

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool skip_number(const char*& p, const char* e) {
    if (p < e && *p == '-') ++p;
    if (p < e && *p == '0')
        ++p;
    else if (!digits(p, e))
        return false;
    if (p < e && *p == '.' && !digits(++p, e)) return false;
    if (p < e && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < e && (*p == '+' || *p == '-')) ++p;
        if (!digits(p, e)) return false;
    }
    return true;
}

bool literal(const char*& p, const char* e, const char* word) {
    const size_t n = std::strlen(word);
    if (static_cast<size_t>(e - p) < n || std::memcmp(p, word, n) != 0) return false;
    p += n;
    return true;
}

bool skip_value(const char*& p, const char* e, int depth) {
    if (p >= e || depth > kMaxDepth) return false;
    switch (*p) {
        case '"':
            return parse_string(p, e, nullptr);
        case 't':
            return literal(p, e, "true");
        case 'f':
            return literal(p, e, "false");
        case 'n':
            return literal(p, e, "null");
        case '{':
        case '[': {
            const char close = *p == '{' ? '}' : ']';
            ++p;
            skip_ws(p, e);
            if (p < e && *p == close) return ++p, true;
            for (;;) {
                if (close == '}') {
                    if (p >= e || *p != '"' || !parse_string(p, e, nullptr)) return false;
                    skip_ws(p, e);
                    if (p >= e || *p++ != ':') return false;
                    skip_ws(p, e);
                }
                if (!skip_value(p, e, depth + 1)) return false;
                skip_ws(p, e);
                if (p >= e) return false;
                if (*p == close) return ++p, true;
                if (*p++ != ',') return false;
                skip_ws(p, e);
            }
        }
        default:
            return skip_number(p, e);
    }
}

enum class Field { Other, Id, AltId, Title, Text };

Field field_of(std::string_view key) {
    if (key == "_id") return Field::Id;
    if (key == "id") return Field::AltId;
    if (key == "title") return Field::Title;
    if (key == "text") return Field::Text;
    return Field::Other;
}

// An id value: a string, or a non-negative integer of at most 18 digits (kept as written, which
// is how nlohmann prints it).
bool parse_id(const char*& p, const char* e, std::string& id) {
    id.clear();
    if (p < e && *p == '"') return parse_string(p, e, &id);
    const char* s = p;
    if (p < e && *p == '0')
        ++p;
    else if (!digits(p, e))
        return false;
    if (p - s > 18 || (p < e && (*p == '.' || *p == 'e' || *p == 'E'))) return false;
    id.assign(s, p);
    return true;
}

}  // namespace

bool parse_beir_line_fast(std::string_view line, Document& doc) {
    const char* p = line.data();
    const char* const e = p + line.size();
    std::string key, alt_id, body;
    bool has_id = false, has_alt = false, has_text = false;
    doc.title.clear();
    skip_ws(p, e);
    if (p >= e || *p++ != '{') return false;
    skip_ws(p, e);
    if (p < e && *p == '}') return false;  // no fields: let nlohmann name what is missing
    for (;;) {
        key.clear();
        if (p >= e || *p != '"' || !parse_string(p, e, &key)) return false;
        skip_ws(p, e);
        if (p >= e || *p++ != ':') return false;
        skip_ws(p, e);
        switch (field_of(key)) {
            case Field::Id:
                if (!parse_id(p, e, doc.id)) return false;
                has_id = true;
                break;
            case Field::AltId:
                if (!parse_id(p, e, alt_id)) return false;
                has_alt = true;
                break;
            case Field::Title:
                doc.title.clear();
                if (!(p < e && *p == '"' ? parse_string(p, e, &doc.title) : literal(p, e, "null")))
                    return false;
                break;
            case Field::Text:
                body.clear();
                if (p >= e || *p != '"' || !parse_string(p, e, &body)) return false;
                has_text = true;
                break;
            case Field::Other:
                if (!skip_value(p, e, 1)) return false;
                break;
        }
        skip_ws(p, e);
        if (p >= e) return false;
        if (*p == '}') break;
        if (*p++ != ',') return false;
        skip_ws(p, e);
    }
    ++p;
    skip_ws(p, e);
    if (p != e || !has_text || !(has_id || has_alt)) return false;
    if (!has_id) doc.id = std::move(alt_id);
    if (doc.title.empty()) {
        doc.text = std::move(body);
    } else {
        doc.text.clear();
        doc.text.reserve(doc.title.size() + 1 + body.size());
        doc.text.append(doc.title).append(" ").append(body);
    }
    return true;
}

}  // namespace mempipe::rag::corpus
