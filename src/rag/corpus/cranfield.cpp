// Cranfield-style SMART collections: text = .T + " " + .W, id = the .I number.
#include "rag/corpus/readers.h"

namespace mempipe::rag::corpus {

namespace {

class CranfieldReader final : public StreamReader {
  public:
    CranfieldReader(const std::string& path, const ReaderOptions& options)
        : StreamReader(path, options, CorpusFormat::Cranfield), smart_(in_) {}

    bool next(Document& doc) override {
        if (!smart_.next(record_)) {
            done();
            return false;
        }
        progress();
        doc.id = record_.id;
        doc.title = record_.title;
        if (record_.title.empty()) {
            doc.text = record_.text;
        } else {
            doc.text.clear();
            doc.text.append(record_.title).append(" ").append(record_.text);
        }
        return true;
    }

  private:
    SmartReader smart_;
    SmartRecord record_;
};

}  // namespace

std::unique_ptr<CorpusReader> open_cranfield(const std::string& file,
                                             const ReaderOptions& options) {
    return std::make_unique<CranfieldReader>(file, options);
}

}  // namespace mempipe::rag::corpus
