// Corpus, query and relevance-judgement readers: BEIR, DPR TSV, plain text, and Cranfield (SMART).
//
// Readers stream: documents are produced one at a time, so a corpus larger than memory can be
// indexed. A malformed record is an Error(Runtime) naming the file and line and saying what is
// wrong; with skip_bad it is counted (CorpusReader::skipped) and reading goes on.
// Blank lines are skipped (except in `lines`, where a line is a document); CRLF line ends are
// accepted everywhere, and so is a UTF-8 byte-order mark at the start of a file; bytes that are not
// valid UTF-8 are kept as they are (the tokenizer treats them as separators).
// Formats:
//   * beir:  corpus.jsonl lines {"_id": str|int, "title": str|null (optional), "text": str}
//            ("id" is accepted when there is no "_id"; other fields are ignored); a directory
//            holding corpus.jsonl, queries.jsonl and qrels/*.tsv may be passed instead of the file.
//            Document text = title + " " + text when the title is non-empty (BEIR/bm25-benchmarks).
//            next_batch parses a batch of lines in parallel.
//   * dpr:   TSV "id<TAB>text<TAB>title" with an optional header line whose first field is "id";
//            quoted fields ("...", "" inside, tabs and line breaks inside) as written by
//            csv.writer(dialect="excel-tab"); exactly 3 columns. text = title + " " + text as in
//            beir.
//   * lines: plain text, one document per line; id = the 0-based line number (an empty line is an
//            empty document, so ids stay line numbers).
//   * files: a directory; every regular file below it (sorted by path) is one document; id = the
//            relative path ('/'-separated).
//   * cranfield: SMART format (.I/.T/.A/.B/.W, latin-1); text = .T + " " + .W, title = .T, id = the
//            .I number (as written: "1" … "1400").
//   * synthetic: the path "synthetic:N[:seed]" (N with k/M suffixes) is a generated Zipfian corpus
//            of N docs (include/mempipe/rag/synthetic.h), for scale tests.
//   * auto:  chosen from the path: "synthetic:…" → synthetic, a directory with corpus.jsonl → beir,
//            other directory → files, *.jsonl → beir, *.tsv → dpr, a file starting with ".I " →
//            cranfield, else lines.
// A path that does not exist is an Error(Runtime); a format that does not fit the path (files on
// a file, a directory as lines) is a usage error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mempipe::rag {

enum class CorpusFormat { Auto, Beir, Dpr, Lines, Files, Cranfield, Synthetic };
CorpusFormat parse_corpus_format(std::string_view name);  // usage error listing the choices
std::string_view corpus_format_name(CorpusFormat f);

struct Document {
    std::string id;
    std::string title;
    std::string text;  // the text that is tokenized (title already joined in where the format says)
};

struct ReaderOptions {
    CorpusFormat format = CorpusFormat::Auto;
    bool skip_bad = false;  // count and skip malformed records instead of failing
    bool progress = false;  // progress bar on stderr (bytes read / total, rate, ETA)
};

class CorpusReader {
  public:
    virtual ~CorpusReader() = default;
    // Reads the next document into `doc`; false at the end.
    virtual bool next(Document& doc) = 0;
    // Reads up to `max_docs` documents into `batch` (cleared first); returns how many. Readers may
    // override it to parse a batch in parallel.
    virtual size_t next_batch(std::vector<Document>& batch, size_t max_docs);
    virtual int64_t skipped() const = 0;       // malformed records skipped (skip_bad)
    virtual CorpusFormat format() const = 0;   // the format actually read
    virtual uint64_t bytes_total() const = 0;  // input size, for progress
};

std::unique_ptr<CorpusReader> open_corpus(const std::string& path, const ReaderOptions& options);

struct Query {
    std::string id;
    std::string text;
};

// Queries: BEIR queries.jsonl ({"_id", "text"}; a BEIR directory → its queries.jsonl), TSV
// "id<TAB>text" (a header line whose first field is id/_id/qid/query-id/query_id is skipped), plain
// lines (id = the 1-based line number; blank lines are not queries), or a Cranfield query file (id
// = the query's 1-based ordinal, as the qrels use; text = .W). options.format picks one (Beir, Dpr
// for the TSV, Lines, Cranfield); Auto: *.jsonl → beir, ".I " first → cranfield, a tab in the first
// non-blank line → TSV, else lines. skip_bad applies to the beir and TSV formats.
std::vector<Query> read_queries(const std::string& path, const ReaderOptions& options = {});

// Relevance judgements: query id → (doc id → graded relevance > 0; judgements ≤ 0 are dropped).
// Formats: BEIR TSV "query-id<TAB>corpus-id<TAB>score" (header optional), TREC "qid 0 docid rel",
// whitespace "q d rel", and Cranfield "q d code" (code 1..4 → gain 5 − code; code ≤ 0 dropped).
// Auto (from the first non-blank line): tabs → beir; 4 columns → trec; 3 columns → cranfield when
// the file name starts with "cranqrel", else "q d rel". A BEIR header line is skipped; a BEIR
// directory means its qrels/test.tsv. A (query, doc) judged twice keeps the higher grade.
// Malformed lines are Error(Runtime) "FILE:LINE: …".
enum class QrelsFormat { Auto, Beir, Trec, Plain, Cranfield };
using Qrels = std::map<std::string, std::map<std::string, int>>;
Qrels read_qrels(const std::string& path, QrelsFormat format = QrelsFormat::Auto);

}  // namespace mempipe::rag
