// Plain text (one document per line) and directories (one document per file).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "rag/corpus/readers.h"

namespace mempipe::rag::corpus {

namespace {

namespace fs = std::filesystem;

class LinesReader final : public StreamReader {
  public:
    LinesReader(const std::string& path, const ReaderOptions& options)
        : StreamReader(path, options, CorpusFormat::Lines) {}

    bool next(Document& doc) override {
        if (!in_.next(doc.text)) {
            done();
            return false;
        }
        doc.id = std::to_string(in_.line_number() - 1);
        doc.title.clear();
        if ((in_.line_number() & 1023) == 0) progress();
        return true;
    }
};

class FilesReader final : public CorpusReader {
  public:
    FilesReader(const std::string& dir, const ReaderOptions& options) : root_(dir) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(root_, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (!it->is_regular_file(ec)) continue;
            files_.push_back(it->path().lexically_relative(root_).generic_string());
            total_ += static_cast<uint64_t>(it->file_size(ec));
        }
        if (ec) runtime_error("cannot list {}: {}", dir, ec.message());
        std::sort(files_.begin(), files_.end());
        bar_ = std::make_unique<ProgressBar>("reading " + dir, total_, options.progress,
                                             ProgressUnit::Bytes);
    }

    bool next(Document& doc) override {
        if (next_ == files_.size()) {
            bar_->finish();
            return false;
        }
        const std::string& rel = files_[next_++];
        const fs::path path = root_ / rel;
        std::ifstream in(path, std::ios::binary);
        if (!in) runtime_error("cannot open {}", path.string());
        doc.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (in.bad()) runtime_error("error reading {}", path.string());
        doc.id = rel;
        doc.title.clear();
        read_ += doc.text.size();
        bar_->update(read_);
        return true;
    }

    int64_t skipped() const override { return 0; }
    CorpusFormat format() const override { return CorpusFormat::Files; }
    uint64_t bytes_total() const override { return total_; }

  private:
    fs::path root_;
    std::vector<std::string> files_;
    size_t next_ = 0;
    uint64_t total_ = 0, read_ = 0;
    std::unique_ptr<ProgressBar> bar_;
};

}  // namespace

std::unique_ptr<CorpusReader> open_lines(const std::string& file, const ReaderOptions& options) {
    return std::make_unique<LinesReader>(file, options);
}

std::unique_ptr<CorpusReader> open_files(const std::string& dir, const ReaderOptions& options) {
    return std::make_unique<FilesReader>(dir, options);
}

}  // namespace mempipe::rag::corpus
