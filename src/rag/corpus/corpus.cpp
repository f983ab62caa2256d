// open_corpus: format names, auto-detection and the default next_batch.
#include <filesystem>

#include "mempipe/rag/synthetic.h"
#include "rag/corpus/readers.h"

namespace mempipe::rag {

namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

CorpusFormat parse_corpus_format(std::string_view name) {
    if (name == "auto") return CorpusFormat::Auto;
    if (name == "beir") return CorpusFormat::Beir;
    if (name == "dpr") return CorpusFormat::Dpr;
    if (name == "lines") return CorpusFormat::Lines;
    if (name == "files") return CorpusFormat::Files;
    if (name == "cranfield") return CorpusFormat::Cranfield;
    if (name == "synthetic") return CorpusFormat::Synthetic;
    usage_error(
        "unknown corpus format '{}' (choose auto, beir, dpr, lines, files, cranfield or "
        "synthetic)",
        name);
}

std::string_view corpus_format_name(CorpusFormat f) {
    switch (f) {
        case CorpusFormat::Auto:
            return "auto";
        case CorpusFormat::Beir:
            return "beir";
        case CorpusFormat::Dpr:
            return "dpr";
        case CorpusFormat::Lines:
            return "lines";
        case CorpusFormat::Files:
            return "files";
        case CorpusFormat::Cranfield:
            return "cranfield";
        case CorpusFormat::Synthetic:
            return "synthetic";
    }
    return "?";
}

size_t CorpusReader::next_batch(std::vector<Document>& batch, size_t max_docs) {
    batch.resize(max_docs);
    size_t n = 0;
    while (n < max_docs && next(batch[n])) ++n;
    batch.resize(n);
    return n;
}

std::unique_ptr<CorpusReader> open_corpus(const std::string& path, const ReaderOptions& options) {
    CorpusFormat format = options.format;
    if (format == CorpusFormat::Synthetic ||
        (format == CorpusFormat::Auto && is_synthetic_spec(path)))
        return open_synthetic_corpus(path);
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status))
        runtime_error("corpus '{}' does not exist (give a file, a directory, or synthetic:N)",
                      path);
    const bool is_dir = fs::is_directory(status);
    const std::string beir_file = (fs::path(path) / "corpus.jsonl").string();
    if (format == CorpusFormat::Auto) {
        if (is_dir)
            format = fs::exists(beir_file) ? CorpusFormat::Beir : CorpusFormat::Files;
        else if (ends_with(path, ".jsonl"))
            format = CorpusFormat::Beir;
        else if (ends_with(path, ".tsv"))
            format = CorpusFormat::Dpr;
        else if (corpus::is_smart_file(path))
            format = CorpusFormat::Cranfield;
        else
            format = CorpusFormat::Lines;
    }
    if (is_dir && format != CorpusFormat::Files && format != CorpusFormat::Beir)
        usage_error(
            "corpus '{}' is a directory: use --format files or beir (a directory with "
            "corpus.jsonl)",
            path);
    if (!is_dir && format == CorpusFormat::Files)
        usage_error("--format files needs a directory, '{}' is a file", path);
    switch (format) {
        case CorpusFormat::Beir:
            return corpus::open_beir(is_dir ? beir_file : path, options);
        case CorpusFormat::Dpr:
            return corpus::open_dpr(path, options);
        case CorpusFormat::Lines:
            return corpus::open_lines(path, options);
        case CorpusFormat::Files:
            return corpus::open_files(path, options);
        case CorpusFormat::Cranfield:
            return corpus::open_cranfield(path, options);
        default:
            break;
    }
    usage_error("corpus format {} is not readable from a path", corpus_format_name(format));
}

}  // namespace mempipe::rag
