// The index file: streaming atomic save (temporary name in the same directory, fsync, rename) and
// mmap load (verification in verify.cpp). Layout: rag/index/format.h.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mempipe/core/error.h"
#include "rag/index/format.h"
#include "rag/index/impl.h"

namespace mempipe::rag {
using namespace detail;

namespace {

struct Entry {
    Section id;
    const void* data;
    uint64_t offset;
    uint64_t bytes;
    uint32_t crc;
};

class FileWriter {
  public:
    explicit FileWriter(std::string path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) io_fail("cannot create");
    }
    ~FileWriter() {
        if (fd_ >= 0) ::close(fd_);
    }
    void write(const void* data, uint64_t bytes) {
        const auto* p = static_cast<const uint8_t*>(data);
        while (bytes > 0) {
            const size_t n = size_t(std::min<uint64_t>(bytes, uint64_t(1) << 30));
            const ssize_t w = ::write(fd_, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) io_fail("cannot write");
            p += w;
            bytes -= uint64_t(w);
        }
    }
    void zeros(uint64_t bytes) {
        static const uint8_t kZero[kAlign] = {};
        while (bytes > 0) {
            const uint64_t n = std::min<uint64_t>(bytes, kAlign);
            write(kZero, n);
            bytes -= n;
        }
    }
    void sync_close() {
        if (::fsync(fd_) != 0) io_fail("cannot fsync");
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) io_fail("cannot close");
    }

  private:
    [[noreturn]] void io_fail(const char* what) {
        runtime_error("{} index file '{}': {} (check free disk space and permissions)", what, path_,
                      std::strerror(errno));
    }
    std::string path_;
    int fd_ = -1;
};

std::string resolve_index_path(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return (std::filesystem::path(path) / kIndexFileName).string();
    return path;
}

}  // namespace

void InvertedIndex::save(const std::string& dir) const {
    namespace fs = std::filesystem;
    MEMPIPE_CHECK_ARG(!dir.empty(), "InvertedIndex::save: the output directory is empty");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) runtime_error("cannot create index directory '{}': {}", dir, ec.message());
    const std::string path = (fs::path(dir) / kIndexFileName).string();
    const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());

    const Impl& m = *impl_;
    const std::string meta = m.meta_json();
    std::vector<Entry> entries;
    for (int s = 0; s < kNumSections; ++s) {
        const auto id = Section(s);
        if (id == Section::Nonocc && !bm25_shifted(m.bm25.variant)) continue;
        if (id == Section::Meta)
            entries.push_back({id, meta.data(), 0, meta.size(), 0});
        else
            entries.push_back({id, m.section_data(id), 0, m.section_bytes(id), 0});
    }
    uint64_t offset = align_up(kHeaderBytes + kEntryBytes * entries.size());
    for (Entry& e : entries) {
        e.offset = offset;
        offset = align_up(offset + e.bytes);
    }
    const uint64_t file_bytes = entries.back().offset + entries.back().bytes;
    // Checksums: the two big sections (docs, impacts) go to different threads.
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < entries.size(); ++i)
        entries[i].crc = index_crc32c(entries[i].data, entries[i].bytes);

    std::vector<uint8_t> header(size_t(entries.front().offset), 0);
    std::memcpy(header.data(), kMagic, 16);
    write_le<uint32_t>(header.data() + 16, kIndexFormatVersion);
    write_le<uint32_t>(header.data() + 20, uint32_t(entries.size()));
    write_le<uint64_t>(header.data() + 24, file_bytes);
    for (size_t i = 0; i < entries.size(); ++i) {
        uint8_t* p = header.data() + kHeaderBytes + kEntryBytes * i;
        const std::string_view name = kSectionNames[size_t(entries[i].id)];
        std::memcpy(p, name.data(), name.size());
        write_le<uint64_t>(p + 16, entries[i].offset);
        write_le<uint64_t>(p + 24, entries[i].bytes);
        write_le<uint32_t>(p + 32, entries[i].crc);
    }
    write_le<uint32_t>(header.data() + 32,
                       index_crc32c(header.data(), kHeaderBytes + kEntryBytes * entries.size()));

    try {
        FileWriter w(tmp);
        w.write(header.data(), header.size());
        uint64_t at = header.size();
        for (const Entry& e : entries) {
            w.zeros(e.offset - at);
            w.write(e.data, e.bytes);
            at = e.offset + e.bytes;
        }
        w.sync_close();
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            runtime_error("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(errno));
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

InvertedIndex InvertedIndex::load(const std::string& path_in) {
    const std::string path = resolve_index_path(path_in);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            runtime_error(
                "no BM25 index at '{}': the file does not exist (build one with "
                "`mempipe rag index CORPUS -o DIR`)",
                path);
        runtime_error("cannot open index file '{}': {}", path, std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        runtime_error("cannot stat index file '{}': {}", path, std::strerror(e));
    }
    InvertedIndex index;
    Impl& m = *index.impl_;
    m.map_bytes = size_t(st.st_size);
    if (m.map_bytes > 0) {
        void* p = ::mmap(nullptr, m.map_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            runtime_error("cannot mmap index file '{}': {}", path, std::strerror(e));
        }
        m.map = p;
    }
    ::close(fd);
    detail::bind_mapped_index(m, path);
    return index;
}

}  // namespace mempipe::rag
