// read_qrels: BEIR TSV, TREC, plain "q d rel" and Cranfield "q d code" relevance judgements.
#include <charconv>
#include <filesystem>

#include "rag/corpus/readers.h"

namespace mempipe::rag {

namespace {

namespace fs = std::filesystem;
using corpus::record_error;

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        const size_t b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') ++i;
        if (i > b) out.push_back(s.substr(b, i - b));
    }
    return out;
}

std::vector<std::string_view> split_tabs(std::string_view s) {
    std::vector<std::string_view> out;
    for (size_t b = 0;;) {
        const size_t t = s.find('\t', b);
        out.push_back(s.substr(b, t == std::string_view::npos ? std::string_view::npos : t - b));
        if (t == std::string_view::npos) break;
        b = t + 1;
    }
    return out;
}

bool parse_int(std::string_view s, int& v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string_view format_usage(QrelsFormat f) {
    switch (f) {
        case QrelsFormat::Beir:
            return "query-id<TAB>corpus-id<TAB>score";
        case QrelsFormat::Trec:
            return "qid 0 docid rel";
        case QrelsFormat::Plain:
            return "qid docid rel";
        case QrelsFormat::Cranfield:
            return "qid docid code";
        case QrelsFormat::Auto:
            break;
    }
    return "";
}

QrelsFormat detect(const std::string& file, std::string_view first_line) {
    if (first_line.find('\t') != std::string_view::npos) return QrelsFormat::Beir;
    const size_t columns = split_ws(first_line).size();
    if (columns == 4) return QrelsFormat::Trec;
    if (columns == 3)
        return fs::path(file).filename().string().rfind("cranqrel", 0) == 0 ? QrelsFormat::Cranfield
                                                                            : QrelsFormat::Plain;
    runtime_error(
        "{}:1: cannot tell the qrels format from '{}' (expected 3 or 4 columns: "
        "q d rel, qid 0 docid rel, or tab-separated query-id corpus-id score)",
        file, first_line.substr(0, 60));
}

}  // namespace

Qrels read_qrels(const std::string& path, QrelsFormat format) {
    std::error_code ec;
    if (!fs::exists(path, ec)) runtime_error("qrels file '{}' does not exist", path);
    std::string file = path;
    if (fs::is_directory(path, ec)) {
        file = (fs::path(path) / "qrels" / "test.tsv").string();
        if (!fs::exists(file, ec))
            usage_error("'{}' is a directory without qrels/test.tsv: give the qrels file itself",
                        path);
    }
    corpus::LineReader in(file);
    Qrels qrels;
    std::string line;
    bool first = true;
    while (in.next(line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (first && format == QrelsFormat::Auto) format = detect(file, line);
        const bool is_first = first;
        first = false;
        const auto cols = format == QrelsFormat::Beir ? split_tabs(line) : split_ws(line);
        const size_t want = format == QrelsFormat::Trec ? 4 : 3;
        if (cols.size() != want)
            record_error(file, in.line_number(), "expected {} columns ({}), found {}", want,
                         format_usage(format), cols.size());
        const std::string_view q = cols[0], d = cols[want - 2], rel_text = cols[want - 1];
        int rel = 0;
        if (!parse_int(rel_text, rel)) {
            if (is_first && format == QrelsFormat::Beir) continue;  // header line
            record_error(file, in.line_number(), "relevance '{}' is not an integer ({})", rel_text,
                         format_usage(format));
        }
        if (format == QrelsFormat::Cranfield) rel = rel >= 1 ? 5 - rel : 0;  // code 1 is best
        if (rel <= 0) continue;
        int& slot = qrels[std::string(q)][std::string(d)];
        slot = std::max(slot, rel);
    }
    return qrels;
}

}  // namespace mempipe::rag
