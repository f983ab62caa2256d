// Internal pieces of the corpus, query and qrels readers (include/mempipe/rag/corpus.h).
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/core/progress.h"
#include "mempipe/rag/corpus.h"

namespace mempipe::rag::corpus {

// A malformed record: Error(Runtime) "FILE:LINE: what is wrong (how to fix)".
template <class... Args>
[[noreturn]] void record_error(const std::string& path, int64_t line, fmt::format_string<Args...> f,
                               Args&&... args) {
    runtime_error("{}:{}: {}", path, line, fmt::format(f, std::forward<Args>(args)...));
}

// Reads a file line by line through a 1 MiB buffer (never the whole file). Lines are returned
// without "\n" or "\r\n"; a UTF-8 byte-order mark at the start of the file is dropped.
class LineReader {
  public:
    explicit LineReader(std::string path);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    bool next(std::string& line);                  // false at the end of the file
    int64_t line_number() const { return line_; }  // 1-based number of the last line returned
    uint64_t bytes_read() const { return consumed_; }
    uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }

  private:
    bool fill();
    void finish_line(std::string& line);

    std::string path_;
    std::FILE* file_ = nullptr;
    std::vector<char> buffer_;
    size_t pos_ = 0, end_ = 0;
    bool eof_ = false;
    int64_t line_ = 0;
    uint64_t consumed_ = 0, size_ = 0;
};

// The fields of one tab-separated record as csv.reader(dialect="excel-tab") reads them: a field
// that starts with '"' is quoted ("" inside is one '"', tabs and newlines inside are kept; a quoted
// field left open at the end of a line continues on the next). Returns false at the end of the
// file; `first_line` is the record's first line number.
bool read_tsv_record(LineReader& in, std::string& line, std::vector<std::string>& fields,
                     int64_t& first_line);

// Latin-1 bytes → UTF-8.
std::string latin1_to_utf8(std::string_view s);

// SMART format (Cranfield, CACM, MED): records opened by ".I <id>", fields opened by a line ".X"
// (one upper-case letter, optionally followed by text on the same line); field lines are joined
// with '\n'. Read as latin-1, returned as UTF-8.
struct SmartRecord {
    std::string id;
    int64_t line = 0;         // line of the ".I"
    std::string title, text;  // .T and .W (other fields are skipped)
};

class SmartReader {
  public:
    explicit SmartReader(LineReader& in) : in_(in) {}
    bool next(SmartRecord& record);

  private:
    LineReader& in_;
    std::string line_;
    bool pending_ = false;  // line_ holds the next record's ".I" line
};

bool is_smart_file(const std::string& path);  // starts with ".I "

// Base of the line-based readers: counts skipped records and drives the progress bar.
class StreamReader : public CorpusReader {
  public:
    StreamReader(const std::string& path, const ReaderOptions& options, CorpusFormat format);
    int64_t skipped() const override { return skipped_; }
    CorpusFormat format() const override { return format_; }
    uint64_t bytes_total() const override { return in_.size(); }

  protected:
    // Handles a malformed record: counts it with skip_bad, else throws.
    void bad_record(int64_t line, const std::string& what);
    void progress() { bar_.update(in_.bytes_read()); }
    void done() { bar_.update(in_.bytes_read()), bar_.finish(); }

    LineReader in_;
    ReaderOptions options_;
    CorpusFormat format_;
    int64_t skipped_ = 0;
    ProgressBar bar_;
};

std::unique_ptr<CorpusReader> open_beir(const std::string& file, const ReaderOptions& options);
std::unique_ptr<CorpusReader> open_dpr(const std::string& file, const ReaderOptions& options);
std::unique_ptr<CorpusReader> open_lines(const std::string& file, const ReaderOptions& options);
std::unique_ptr<CorpusReader> open_files(const std::string& dir, const ReaderOptions& options);
std::unique_ptr<CorpusReader> open_cranfield(const std::string& file, const ReaderOptions& options);

// The BEIR record in one JSON line: {"_id" (or "id"): str|int, "title": str|null (optional),
// "text": str}. On success fills doc and returns ""; otherwise returns what is wrong. Bytes that
// are not UTF-8 are kept as they are.
std::string parse_beir_line(std::string_view line, Document& doc);
// Its two halves: a fast reader for plain lines (false = not sure, nothing decided) and nlohmann.
bool parse_beir_line_fast(std::string_view line, Document& doc);
std::string parse_beir_line_json(std::string_view line, Document& doc);

}  // namespace mempipe::rag::corpus
