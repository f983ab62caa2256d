#include "mempipe/core/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mempipe/core/error.h"

namespace mempipe {

void write_parts_atomic(const std::string& path, std::initializer_list<FilePart> head,
                        const std::vector<FilePart>& tail) {
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        runtime_error("cannot write '{}': {} (check the directory exists and is writable)", path,
                      std::strerror(errno));
    auto put = [&](const FilePart& part) {
        const char* p = static_cast<const char*>(part.data);
        size_t left = part.bytes;
        while (left > 0) {
            ssize_t n = ::write(fd, p, left);
            if (n < 0) {
                if (errno == EINTR) continue;
                int err = errno;
                ::close(fd);
                ::unlink(tmp.c_str());
                runtime_error("writing '{}' failed: {}", path, std::strerror(err));
            }
            p += n;
            left -= size_t(n);
        }
    };
    for (const FilePart& part : head) put(part);
    for (const FilePart& part : tail) put(part);
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        runtime_error("writing '{}' failed: {}", path, std::strerror(err));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        runtime_error("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err));
    }
}

void write_file_atomic(const std::string& path, const void* data, size_t bytes) {
    write_parts_atomic(path, {{data, bytes}});
}

void write_text_atomic(const std::string& path, const std::string& text) {
    write_file_atomic(path, text.data(), text.size());
}

void write_json_atomic(const std::string& path, const Json& j) {
    write_text_atomic(path, j.dump(2) + "\n");
}

namespace {
const char* npy_descr(DType t) {
    switch (t) {
        case DType::F32:
            return "<f4";
        case DType::F16:
            return "<f2";
        case DType::BF16:
            return "<u2";
        case DType::FP8E4M3:
            return "|u1";
        case DType::I8:
            return "|i1";
        case DType::I32:
            return "<i4";
        case DType::I64:
            return "<i8";
    }
    return "";
}
}  // namespace

void write_npy(const std::string& path, DType dtype, const std::vector<int64_t>& shape,
               const void* data) {
    std::string shape_str = "(";
    size_t n = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        shape_str += std::to_string(shape[i]) +
                     (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
        n *= size_t(shape[i]);
    }
    shape_str += ")";
    std::string header = std::string("{'descr': '") + npy_descr(dtype) +
                         "', 'fortran_order': False, 'shape': " + shape_str + ", }";
    size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    uint16_t hl = uint16_t(header.size());
    out.push_back(char(hl & 0xff));
    out.push_back(char(hl >> 8));
    out += header;
    out.append(static_cast<const char*>(data), n * dtype_size(dtype));
    write_file_atomic(path, out.data(), out.size());
}

NpyArray read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) runtime_error("cannot open '{}'", path);
    char magic[10];
    if (!f.read(magic, 10) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
        runtime_error("'{}' is not a .npy file (bad magic)", path);
    size_t hl = uint8_t(magic[8]) | (size_t(uint8_t(magic[9])) << 8);
    if (magic[6] != 1) {
        uint8_t more[2];
        if (!f.read(reinterpret_cast<char*>(more), 2))
            runtime_error("'{}': truncated header", path);
        hl |= (size_t(more[0]) << 16) | (size_t(more[1]) << 24);
    }
    std::string header(hl, '\0');
    if (!f.read(header.data(), std::streamsize(hl))) runtime_error("'{}': truncated header", path);
    NpyArray a;
    auto field = [&](const char* key) {
        auto pos = header.find(key);
        if (pos == std::string::npos) runtime_error("'{}': header has no {}", path, key);
        return pos + std::strlen(key);
    };
    size_t d = header.find('\'', field("'descr':")) + 1;
    std::string descr = header.substr(d, header.find('\'', d) - d);
    if (descr == "<f4")
        a.dtype = DType::F32;
    else if (descr == "<f2")
        a.dtype = DType::F16;
    else if (descr == "<u2")
        a.dtype = DType::BF16;
    else if (descr == "|u1")
        a.dtype = DType::FP8E4M3;
    else if (descr == "|i1")
        a.dtype = DType::I8;
    else if (descr == "<i4")
        a.dtype = DType::I32;
    else if (descr == "<i8")
        a.dtype = DType::I64;
    else
        runtime_error("'{}': unsupported dtype '{}'", path, descr);
    if (header.find("True", field("'fortran_order':")) <
        header.find(',', field("'fortran_order':")))
        runtime_error("'{}': Fortran-order arrays are not supported", path);
    size_t s = header.find('(', field("'shape':")) + 1;
    std::string dims = header.substr(s, header.find(')', s) - s);
    std::stringstream ss(dims);
    std::string tok;
    size_t n = 1;
    while (std::getline(ss, tok, ',')) {
        if (tok.find_first_not_of(' ') == std::string::npos) continue;
        a.shape.push_back(std::stoll(tok));
        n *= size_t(a.shape.back());
    }
    a.data.resize(n * dtype_size(a.dtype));
    if (!f.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(a.data.size())))
        runtime_error("'{}': truncated data ({} bytes expected)", path, a.data.size());
    return a;
}

}  // namespace mempipe
