#include <cerrno>
#include <cstring>
#include <filesystem>

#include "rag/corpus/readers.h"

namespace mempipe::rag::corpus {

namespace {
constexpr size_t kBufferBytes = size_t(1) << 20;
}

LineReader::LineReader(std::string path) : path_(std::move(path)) {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec))
        runtime_error("{}: is a directory, expected a file", path_);
    file_ = std::fopen(path_.c_str(), "rb");
    if (!file_) runtime_error("cannot open {}: {}", path_, std::strerror(errno));
    const auto size = std::filesystem::file_size(path_, ec);
    size_ = ec ? 0 : static_cast<uint64_t>(size);
    buffer_.resize(kBufferBytes);
}

LineReader::~LineReader() {
    if (file_) std::fclose(file_);
}

bool LineReader::fill() {
    if (eof_) return false;
    pos_ = 0;
    end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    if (end_ < buffer_.size()) {
        if (std::ferror(file_)) runtime_error("error reading {}: {}", path_, std::strerror(errno));
        eof_ = true;
    }
    return end_ > 0;
}

void LineReader::finish_line(std::string& line) {
    if (++line_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
}

bool LineReader::next(std::string& line) {
    line.clear();
    bool any = false;
    for (;;) {
        if (pos_ == end_ && !fill()) break;
        any = true;
        const char* start = buffer_.data() + pos_;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
        if (nl) {
            const auto n = static_cast<size_t>(nl - start);
            line.append(start, n);
            pos_ += n + 1;
            consumed_ += n + 1;
            finish_line(line);
            return true;
        }
        line.append(start, end_ - pos_);
        consumed_ += end_ - pos_;
        pos_ = end_;
    }
    if (!any || line.empty()) return false;  // nothing after the last '\n'
    finish_line(line);
    return true;
}

bool read_tsv_record(LineReader& in, std::string& line, std::vector<std::string>& fields,
                     int64_t& first_line) {
    fields.clear();
    if (!in.next(line)) return false;
    first_line = in.line_number();
    std::string field;
    size_t i = 0;
    for (;;) {
        field.clear();
        if (i < line.size() && line[i] == '"') {
            ++i;
            for (;;) {
                if (i == line.size()) {
                    // The quoted field goes on over the line break.
                    field += '\n';
                    if (!in.next(line)) break;
                    i = 0;
                    continue;
                }
                const char c = line[i++];
                if (c != '"') {
                    field += c;
                } else if (i < line.size() && line[i] == '"') {
                    field += '"';
                    ++i;
                } else {
                    break;
                }
            }
            // Text after the closing quote, up to the tab, is kept as csv does.
            while (i < line.size() && line[i] != '\t') field += line[i++];
        } else {
            const size_t tab = line.find('\t', i);
            const size_t stop = tab == std::string::npos ? line.size() : tab;
            field.append(line, i, stop - i);
            i = stop;
        }
        fields.push_back(field);
        if (i >= line.size()) break;
        ++i;  // the tab
        if (i == line.size()) {
            fields.emplace_back();
            break;
        }
    }
    return true;
}

std::string latin1_to_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<uint8_t>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

namespace {

// ".I 12" → "12"; ".W" → 'W'. A field marker is '.', one upper-case letter, then end or blank.
char smart_marker(const std::string& line) {
    if (line.size() < 2 || line[0] != '.' || line[1] < 'A' || line[1] > 'Z') return 0;
    if (line.size() > 2 && line[2] != ' ' && line[2] != '\t') return 0;
    return line[1];
}

void append_line(std::string& field, const std::string& line) {
    if (!field.empty()) field += '\n';
    field += line;
}

}  // namespace

bool SmartReader::next(SmartRecord& record) {
    record.id.clear();
    record.title.clear();
    record.text.clear();
    if (!pending_) {
        // Find the first ".I"; blank lines before it are fine, anything else is an error.
        for (;;) {
            if (!in_.next(line_)) return false;
            if (smart_marker(line_) == 'I') break;
            if (line_.find_first_not_of(" \t") != std::string::npos)
                record_error(in_.path(), in_.line_number(),
                             "expected a record opened by '.I <id>', found '{}' (is this a SMART "
                             "file such as cran.all.1400?)",
                             line_.substr(0, 40));
        }
    }
    pending_ = false;
    record.line = in_.line_number();
    const size_t b = line_.find_first_not_of(" \t", 2);
    const size_t e = line_.find_last_not_of(" \t");
    if (b == std::string::npos)
        record_error(in_.path(), record.line, "'.I' without an id (write '.I <id>')");
    record.id = line_.substr(b, e + 1 - b);
    char field = 0;
    std::string title, text;
    while (in_.next(line_)) {
        const char m = smart_marker(line_);
        if (m == 'I') {
            pending_ = true;
            break;
        }
        if (m != 0) {
            field = m;
            if (line_.size() > 3)
                line_.erase(0, 3);  // ".T some text" keeps "some text"
            else
                continue;
        }
        if (field == 'T')
            append_line(title, line_);
        else if (field == 'W')
            append_line(text, line_);
    }
    record.title = latin1_to_utf8(title);
    record.text = latin1_to_utf8(text);
    return true;
}

bool is_smart_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    char head[3] = {};
    const size_t n = std::fread(head, 1, 3, f);
    std::fclose(f);
    return n == 3 && head[0] == '.' && head[1] == 'I' && head[2] == ' ';
}

StreamReader::StreamReader(const std::string& path, const ReaderOptions& options,
                           CorpusFormat format)
    : in_(path),
      options_(options),
      format_(format),
      bar_("reading " + std::filesystem::path(path).filename().string(), in_.size(),
           options.progress, ProgressUnit::Bytes) {}

void StreamReader::bad_record(int64_t line, const std::string& what) {
    if (!options_.skip_bad) record_error(in_.path(), line, "{}", what);
    ++skipped_;
}

}  // namespace mempipe::rag::corpus
