// DPR passages TSV: "id<TAB>text<TAB>title", optional header line "id<TAB>text<TAB>title".
#include "rag/corpus/readers.h"

namespace mempipe::rag::corpus {

namespace {

class DprReader final : public StreamReader {
  public:
    DprReader(const std::string& path, const ReaderOptions& options)
        : StreamReader(path, options, CorpusFormat::Dpr) {}

    bool next(Document& doc) override {
        int64_t line = 0;
        while (read_tsv_record(in_, line_, fields_, line)) {
            if (fields_.size() == 1 && fields_[0].empty()) continue;  // blank line
            if (line == 1 && fields_[0] == "id") continue;            // header
            if ((++records_ & 1023) == 0) progress();
            if (fields_.size() != 3) {
                bad_record(line, fmt::format("expected 3 tab-separated columns (id, text, title), "
                                             "found {} (quote a field that holds a tab: \"a\tb\")",
                                             fields_.size()));
                continue;
            }
            doc.id = std::move(fields_[0]);
            doc.title = std::move(fields_[2]);
            if (doc.title.empty()) {
                doc.text = std::move(fields_[1]);
            } else {
                doc.text.clear();
                doc.text.append(doc.title).append(" ").append(fields_[1]);
            }
            return true;
        }
        done();
        return false;
    }

  private:
    std::string line_;
    std::vector<std::string> fields_;
    int64_t records_ = 0;
};

}  // namespace

std::unique_ptr<CorpusReader> open_dpr(const std::string& file, const ReaderOptions& options) {
    return std::make_unique<DprReader>(file, options);
}

}  // namespace mempipe::rag::corpus
