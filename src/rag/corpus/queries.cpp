// read_queries: BEIR queries.jsonl, TSV "id<TAB>text", plain lines, Cranfield query files.
#include <filesystem>

#include "rag/corpus/readers.h"

namespace mempipe::rag {

namespace {

namespace fs = std::filesystem;
using corpus::LineReader;
using corpus::record_error;

bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Does the first non-blank line hold a tab?
bool first_line_has_tab(const std::string& path) {
    LineReader in(path);
    std::string line;
    while (in.next(line))
        if (!is_blank(line)) return line.find('\t') != std::string::npos;
    return false;
}

bool is_id_header(const std::string& s) {
    return s == "id" || s == "_id" || s == "qid" || s == "query-id" || s == "query_id";
}

// A malformed query: an error, or counted and skipped with skip_bad.
struct BadQueries {
    const std::string& path;
    bool skip_bad;
    int64_t skipped = 0;
    void operator()(int64_t line, const std::string& what) {
        if (!skip_bad) record_error(path, line, "{}", what);
        ++skipped;
    }
};

void read_beir_queries(const std::string& path, BadQueries& bad, std::vector<Query>& out) {
    LineReader in(path);
    std::string line;
    Document doc;
    while (in.next(line)) {
        if (is_blank(line)) continue;
        const std::string err = corpus::parse_beir_line(line, doc);
        if (!err.empty()) {
            bad(in.line_number(), err);
            continue;
        }
        out.push_back({std::move(doc.id), std::move(doc.text)});
    }
}

void read_tsv_queries(const std::string& path, BadQueries& bad, std::vector<Query>& out) {
    LineReader in(path);
    std::string line;
    std::vector<std::string> fields;
    int64_t first = 0;
    while (corpus::read_tsv_record(in, line, fields, first)) {
        if (fields.size() == 1 && is_blank(fields[0])) continue;
        if (first == 1 && is_id_header(fields[0])) continue;
        if (fields.size() != 2) {
            bad(first, fmt::format("expected 2 tab-separated columns (id, text), found {}",
                                   fields.size()));
            continue;
        }
        out.push_back({std::move(fields[0]), std::move(fields[1])});
    }
}

void read_line_queries(const std::string& path, std::vector<Query>& out) {
    LineReader in(path);
    std::string line;
    while (in.next(line))
        if (!is_blank(line)) out.push_back({std::to_string(in.line_number()), line});
}

void read_smart_queries(const std::string& path, std::vector<Query>& out) {
    LineReader in(path);
    corpus::SmartReader smart(in);
    corpus::SmartRecord record;
    while (smart.next(record))
        out.push_back({std::to_string(out.size() + 1), std::move(record.text)});
}

}  // namespace

std::vector<Query> read_queries(const std::string& path, const ReaderOptions& options) {
    std::error_code ec;
    if (!fs::exists(path, ec)) runtime_error("queries file '{}' does not exist", path);
    std::string file = path;
    CorpusFormat format = options.format;
    if (fs::is_directory(path, ec)) {
        file = (fs::path(path) / "queries.jsonl").string();
        if (format == CorpusFormat::Auto) format = CorpusFormat::Beir;
    }
    if (format == CorpusFormat::Auto) {
        if (ends_with(file, ".jsonl"))
            format = CorpusFormat::Beir;
        else if (corpus::is_smart_file(file))
            format = CorpusFormat::Cranfield;
        else if (first_line_has_tab(file))
            format = CorpusFormat::Dpr;
        else
            format = CorpusFormat::Lines;
    }
    BadQueries bad{file, options.skip_bad};
    std::vector<Query> out;
    switch (format) {
        case CorpusFormat::Beir:
            read_beir_queries(file, bad, out);
            break;
        case CorpusFormat::Dpr:
            read_tsv_queries(file, bad, out);
            break;
        case CorpusFormat::Lines:
            read_line_queries(file, out);
            break;
        case CorpusFormat::Cranfield:
            read_smart_queries(file, out);
            break;
        default:
            usage_error(
                "queries cannot be read as {} (choose beir, dpr (TSV id<TAB>text), lines "
                "or cranfield)",
                corpus_format_name(format));
    }
    return out;
}

}  // namespace mempipe::rag
