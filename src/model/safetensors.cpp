// safetensors reader (mmap + validated header) and atomic writer (model/safetensors.h).
#include "mempipe/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"

namespace mempipe::model {
namespace {

constexpr uint64_t kMaxHeaderBytes = uint64_t(100) << 20;  // the reference implementation's limit

constexpr StDType kAllDTypes[] = {StDType::F32, StDType::F16, StDType::BF16, StDType::I8,
                                  StDType::U8,  StDType::I32, StDType::I64,  StDType::F64};

bool parse_dtype(std::string_view s, StDType& out) {
    for (StDType t : kAllDTypes)
        if (st_dtype_name(t) == s) {
            out = t;
            return true;
        }
    return false;
}

// prod(shape) · itemsize without overflow; false when it does not fit in 63 bits.
bool byte_size(const std::vector<int64_t>& shape, size_t item, uint64_t& out) {
    unsigned __int128 n = item;
    for (int64_t d : shape) {
        n *= uint64_t(d);
        if (n > (unsigned __int128)(INT64_MAX)) return false;
    }
    out = uint64_t(n);
    return true;
}

std::string join_shape(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "×" : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

std::string_view st_dtype_name(StDType t) {
    switch (t) {
        case StDType::F32:
            return "F32";
        case StDType::F16:
            return "F16";
        case StDType::BF16:
            return "BF16";
        case StDType::I8:
            return "I8";
        case StDType::U8:
            return "U8";
        case StDType::I32:
            return "I32";
        case StDType::I64:
            return "I64";
        case StDType::F64:
            return "F64";
    }
    return "?";
}

size_t st_dtype_size(StDType t) {
    switch (t) {
        case StDType::I8:
        case StDType::U8:
            return 1;
        case StDType::F16:
        case StDType::BF16:
            return 2;
        case StDType::F32:
        case StDType::I32:
            return 4;
        case StDType::I64:
        case StDType::F64:
            return 8;
    }
    return 0;
}

int64_t StTensor::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string StTensor::shape_string() const {
    return join_shape(shape);
}

struct SafetensorsFile::State {
    std::string path;
    void* map = nullptr;
    size_t map_bytes = 0;
    std::map<std::string, StTensor, std::less<>> tensors;
    std::map<std::string, std::string> metadata;
    ~State() {
        if (map && map != MAP_FAILED) ::munmap(map, map_bytes);
    }
};

SafetensorsFile::SafetensorsFile(std::unique_ptr<State> s) : s_(std::move(s)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    auto s = std::make_unique<State>();
    s->path = path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        runtime_error("{}: cannot open the safetensors file: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        runtime_error("{}: cannot stat the safetensors file: {}", path, std::strerror(err));
    }
    uint64_t file_bytes = uint64_t(st.st_size);
    if (file_bytes < 8) {
        ::close(fd);
        runtime_error(
            "{}: truncated safetensors file: {} bytes, less than the 8-byte header "
            "length",
            path, file_bytes);
    }
    s->map_bytes = size_t(file_bytes);
    s->map = ::mmap(nullptr, s->map_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_err = errno;
    ::close(fd);
    if (s->map == MAP_FAILED) {
        s->map = nullptr;
        runtime_error("{}: cannot map the safetensors file: {}", path, std::strerror(map_err));
    }
    const auto* bytes = static_cast<const unsigned char*>(s->map);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
    if (n > file_bytes - 8)
        runtime_error(
            "{}: header length {} runs past the end of the file ({} bytes): the file is "
            "truncated or not a safetensors file",
            path, n, file_bytes);
    if (n > kMaxHeaderBytes)
        runtime_error("{}: header length {} exceeds the {}-byte limit", path, n, kMaxHeaderBytes);
    if (n < 2 || bytes[8] != '{')
        runtime_error("{}: the header does not start with a JSON object ('{{')", path);
    std::string_view text(reinterpret_cast<const char*>(bytes + 8), size_t(n));
    // nlohmann keeps one value of a repeated key silently; safetensors forbids repeats, so the
    // top-level keys (depth 1) are collected while parsing.
    std::set<std::string> keys;
    std::string repeated;
    auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1 && repeated.empty() &&
            !keys.insert(parsed.get<std::string>()).second)
            repeated = parsed.get<std::string>();
        return true;
    };
    nlohmann::json j = nlohmann::json::parse(text, on_event, false);
    if (j.is_discarded() || !j.is_object())
        runtime_error("{}: the {}-byte header is not valid JSON", path, n);
    if (!repeated.empty())
        runtime_error(
            "{}: the header names \"{}\" twice (safetensors forbids repeated keys): the file is "
            "corrupt or was written by a non-conforming tool",
            path, repeated);

    const uint64_t data_bytes = file_bytes - 8 - n;
    const unsigned char* data = bytes + 8 + n;
    struct Range {
        uint64_t begin, end;
        const std::string* name;
    };
    std::vector<Range> ranges;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& name = it.key();
        const nlohmann::json& v = it.value();
        if (name == "__metadata__") {
            if (!v.is_object())
                runtime_error("{}: \"__metadata__\" must be an object of strings", path);
            for (auto m = v.begin(); m != v.end(); ++m) {
                if (!m.value().is_string())
                    runtime_error("{}: \"__metadata__\" entry \"{}\" must be a string", path,
                                  m.key());
                s->metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        if (!v.is_object())
            runtime_error(
                "{}: tensor \"{}\": entry must be an object with dtype, shape and "
                "data_offsets",
                path, name);
        StTensor t;
        t.name = name;
        auto dt = v.find("dtype");
        if (dt == v.end() || !dt->is_string())
            runtime_error("{}: tensor \"{}\": missing or non-string \"dtype\"", path, name);
        if (!parse_dtype(dt->get<std::string>(), t.dtype))
            runtime_error(
                "{}: tensor \"{}\": unsupported dtype \"{}\" (supported: F32, F16, BF16, "
                "I8, U8, I32, I64, F64)",
                path, name, dt->get<std::string>());
        auto sh = v.find("shape");
        if (sh == v.end() || !sh->is_array())
            runtime_error("{}: tensor \"{}\": missing or non-list \"shape\"", path, name);
        for (const auto& d : *sh) {
            if (!d.is_number_integer() || d.get<int64_t>() < 0)
                runtime_error("{}: tensor \"{}\": shape {} must hold non-negative integers", path,
                              name, sh->dump());
            t.shape.push_back(d.get<int64_t>());
        }
        auto off = v.find("data_offsets");
        if (off == v.end() || !off->is_array() || off->size() != 2 ||
            !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
            runtime_error(
                "{}: tensor \"{}\": \"data_offsets\" must be two non-negative integers "
                "[begin, end]",
                path, name);
        uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
        if (begin > end)
            runtime_error("{}: tensor \"{}\": data_offsets [{}, {}] has begin > end", path, name,
                          begin, end);
        if (end > data_bytes)
            runtime_error(
                "{}: tensor \"{}\": data_offsets [{}, {}] run past the data buffer ({} "
                "bytes): the file is truncated",
                path, name, begin, end, data_bytes);
        uint64_t want = 0;
        if (!byte_size(t.shape, st_dtype_size(t.dtype), want))
            runtime_error("{}: tensor \"{}\": shape {} is too large", path, name,
                          join_shape(t.shape));
        if (want != end - begin)
            runtime_error(
                "{}: tensor \"{}\": shape {} of {} needs {} bytes but data_offsets [{}, "
                "{}] hold {}",
                path, name, join_shape(t.shape), st_dtype_name(t.dtype), want, begin, end,
                end - begin);
        t.data = data + begin;
        t.bytes = size_t(end - begin);
        auto [pos, fresh] = s->tensors.emplace(name, std::move(t));
        ranges.push_back({begin, end, &pos->first});
    }
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
        return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
    });
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].begin < ranges[i - 1].end)
            runtime_error("{}: tensors \"{}\" [{}, {}] and \"{}\" [{}, {}] overlap", path,
                          *ranges[i - 1].name, ranges[i - 1].begin, ranges[i - 1].end,
                          *ranges[i].name, ranges[i].begin, ranges[i].end);
    // The tensors must tile the data buffer exactly (safetensors forbids holes, so that no bytes
    // hide between tensors).
    uint64_t covered = 0;
    const std::string* after = nullptr;
    for (const Range& r : ranges) {
        if (r.begin > covered) break;
        covered = r.end;
        after = r.name;
    }
    if (covered != data_bytes) {
        uint64_t hole_end = data_bytes;
        for (const Range& r : ranges)
            if (r.begin > covered) {
                hole_end = r.begin;
                break;
            }
        runtime_error(
            "{}: bytes [{}, {}) of the {}-byte data buffer belong to no tensor ({}); "
            "safetensors forbids holes: the file is corrupt or was written by a non-conforming "
            "tool",
            path, covered, hole_end, data_bytes,
            after ? fmt::format("after \"{}\"", *after) : std::string("at the start"));
    }
    return SafetensorsFile(std::move(s));
}

const std::string& SafetensorsFile::path() const {
    return s_->path;
}

std::vector<std::string> SafetensorsFile::names() const {
    std::vector<std::string> out;
    for (const auto& [name, t] : s_->tensors) out.push_back(name);
    return out;
}

bool SafetensorsFile::contains(std::string_view name) const {
    return s_->tensors.find(name) != s_->tensors.end();
}

const StTensor& SafetensorsFile::tensor(std::string_view name) const {
    auto it = s_->tensors.find(name);
    if (it == s_->tensors.end())
        runtime_error(
            "{}: no tensor named \"{}\" ({} tensors in the file; is this the right "
            "model, or does it need a name prefix?)",
            s_->path, name, s_->tensors.size());
    return it->second;
}

const StTensor& SafetensorsFile::float_tensor(std::string_view name,
                                              std::vector<int64_t> expected_shape) const {
    const StTensor& t = tensor(name);
    if (t.dtype != StDType::F32 && t.dtype != StDType::F16 && t.dtype != StDType::BF16)
        runtime_error("{}: tensor \"{}\" has dtype {}; expected F32, F16 or BF16", s_->path, name,
                      st_dtype_name(t.dtype));
    bool ok = t.shape.size() == expected_shape.size();
    for (size_t i = 0; ok && i < expected_shape.size(); ++i)
        ok = expected_shape[i] < 0 || expected_shape[i] == t.shape[i];
    if (!ok)
        runtime_error("{}: tensor \"{}\" has shape {}; the model config expects {} (−1 = any)",
                      s_->path, name, join_shape(t.shape), join_shape(expected_shape));
    return t;
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
    return s_->metadata;
}

void write_safetensors(const std::string& path, const std::vector<StTensorWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::set<std::string> seen;
    uint64_t offset = 0;
    std::vector<uint64_t> sizes;
    for (const StTensorWrite& t : tensors) {
        MEMPIPE_CHECK_ARG(!t.name.empty() && t.name != "__metadata__",
                          "write_safetensors: tensor name \"{}\" is reserved or empty", t.name);
        MEMPIPE_CHECK_ARG(seen.insert(t.name).second,
                          "write_safetensors: tensor name \"{}\" appears twice", t.name);
        for (int64_t d : t.shape)
            MEMPIPE_CHECK_ARG(d >= 0, "write_safetensors: tensor \"{}\" has a negative dimension",
                              t.name);
        uint64_t bytes = 0;
        MEMPIPE_CHECK_ARG(byte_size(t.shape, st_dtype_size(t.dtype), bytes),
                          "write_safetensors: tensor \"{}\" is too large", t.name);
        MEMPIPE_CHECK_ARG(bytes == 0 || t.data != nullptr,
                          "write_safetensors: tensor \"{}\" has no data", t.name);
        header[t.name] = {{"dtype", st_dtype_name(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        sizes.push_back(bytes);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = (unsigned char)(uint64_t(text.size()) >> (8 * i));

    std::vector<FilePart> parts;
    for (size_t i = 0; i < tensors.size(); ++i)
        parts.push_back({tensors[i].data, size_t(sizes[i])});
    write_parts_atomic(path, {{len, 8}, {text.data(), text.size()}}, parts);
}

}  // namespace mempipe::model
