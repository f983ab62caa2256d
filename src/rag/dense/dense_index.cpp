// DenseIndex: loading (.npy / .fvecs, dtype conversion, normalisation, ids) and flat search.
#include "mempipe/rag/dense.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"

namespace mempipe::rag {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A matrix as read from disk, before conversion: f32 rows, or bf16 / int8 rows kept as they are.
struct Raw {
    DType dtype = DType::F32;  // F32, BF16 or I8 (f16 is widened to f32 on read)
    int64_t n = 0, d = 0;
    std::vector<float> f32;
    std::vector<uint16_t> bf16;
    std::vector<int8_t> i8;
    NpyArray npy;  // an f32 .npy stays in its read buffer (no extra copy of a large file)
    const float* rows() const {
        return f32.empty() && !npy.data.empty() ? reinterpret_cast<const float*>(npy.data.data())
                                                : f32.data();
    }
};

Raw read_fvecs(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) runtime_error("cannot open vectors file '{}'", path);
    const uint64_t size = std::filesystem::file_size(path);
    Raw r;
    uint64_t off = 0;
    while (off < size) {
        int32_t d = 0;
        if (size - off < 4 || !f.read(reinterpret_cast<char*>(&d), 4))
            runtime_error("'{}': truncated .fvecs file: {} stray bytes at offset {}", path,
                          size - off, off);
        if (d <= 0 || d > (1 << 24))
            runtime_error(
                "'{}': row {} at offset {} has dimension {} (expected 1 .. 16M): not an "
                ".fvecs file?",
                path, r.n, off, d);
        if (r.n == 0) r.d = d;
        if (d != r.d)
            runtime_error("'{}': row {} has dimension {} but row 0 has {}; all rows must match",
                          path, r.n, d, r.d);
        if (size - off - 4 < uint64_t(d) * 4)
            runtime_error("'{}': truncated .fvecs file: row {} needs {} bytes, {} left", path, r.n,
                          uint64_t(d) * 4, size - off - 4);
        const size_t at = r.f32.size();
        r.f32.resize(at + size_t(d));
        f.read(reinterpret_cast<char*>(r.f32.data() + at), std::streamsize(d) * 4);
        off += 4 + uint64_t(d) * 4;
        ++r.n;
    }
    if (r.n == 0) runtime_error("'{}': empty .fvecs file (no vectors)", path);
    return r;
}

Raw read_raw(const std::string& path, bool allow_1d) {
    if (ends_with(path, ".fvecs")) return read_fvecs(path);
    if (!ends_with(path, ".npy"))
        usage_error("'{}': vectors must be a .npy or .fvecs file (by extension)", path);
    NpyArray a = read_npy(path);
    Raw r;
    if (a.shape.size() == 1 && allow_1d) a.shape.insert(a.shape.begin(), 1);
    if (a.shape.size() != 2)
        runtime_error("'{}': expected a 2-D array [n × d], got {} dimension(s)", path,
                      a.shape.size());
    r.n = a.shape[0];
    r.d = a.shape[1];
    if (r.d <= 0)
        runtime_error("'{}': the vector dimension is 0 (shape [{} × {}])", path, r.n, r.d);
    const size_t e = size_t(r.n * r.d);
    switch (a.dtype) {
        case DType::F32:
            r.npy = std::move(a);
            break;
        case DType::F16: {
            r.f32.resize(e);
            const uint16_t* h = reinterpret_cast<const uint16_t*>(a.data.data());
            for (size_t i = 0; i < e; ++i) r.f32[i] = f16_to_f32(h[i]);
            break;
        }
        case DType::BF16:
            r.dtype = DType::BF16;
            r.bf16.resize(e);
            std::memcpy(r.bf16.data(), a.data.data(), e * 2);
            break;
        case DType::I8:
            r.dtype = DType::I8;
            r.i8.resize(e);
            std::memcpy(r.i8.data(), a.data.data(), e);
            break;
        default:
            runtime_error(
                "'{}': dtype {} is not a vector type (use f32 '<f4', f16 '<f2', bf16 "
                "'<u2' or int8 '|i1')",
                path, dtype_name(a.dtype));
    }
    if (r.dtype == DType::F32)
        for (size_t i = 0; i < size_t(r.n * r.d); ++i)
            if (!std::isfinite(r.rows()[i]))
                runtime_error("'{}': row {} has a non-finite value ({})", path, int64_t(i) / r.d,
                              r.rows()[i]);
    for (uint16_t x : r.bf16)
        if (!std::isfinite(bf16_to_f32(x)))
            runtime_error("'{}': contains a non-finite bf16 value", path);
    return r;
}

std::vector<std::string> read_ids(const std::string& path, int64_t n) {
    std::ifstream f(path);
    if (!f) runtime_error("cannot open ids file '{}'", path);
    std::vector<std::string> ids;
    std::string line;
    while (std::getline(f, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty())
            runtime_error("'{}': line {} is empty (one non-empty id per line expected)", path,
                          ids.size() + 1);
        ids.push_back(line);
    }
    if (int64_t(ids.size()) != n)
        runtime_error(
            "'{}' has {} ids but the vectors file has {} rows; they must match one to one", path,
            ids.size(), n);
    return ids;
}

std::vector<float> read_scales(const std::string& path, int64_t n) {
    NpyArray a = read_npy(path);
    if (a.dtype != DType::F32 || a.shape.size() != 1 || a.shape[0] != n)
        runtime_error(
            "'{}': int8 scales must be a 1-D f32 array of {} entries (one per row), got "
            "{} with {} dimension(s)",
            path, n, dtype_name(a.dtype), a.shape.size());
    std::vector<float> s(static_cast<size_t>(n));
    std::memcpy(s.data(), a.data.data(), size_t(n) * 4);
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(s[size_t(i)]) || s[size_t(i)] < 0)
            runtime_error("'{}': scale {} = {} must be finite and ≥ 0", path, i, s[size_t(i)]);
    return s;
}

void normalize_rows(float* x, int64_t n, int64_t d) {
    for (int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += double(x[i * d + j]) * x[i * d + j];
        if (s == 0) continue;
        const float inv = float(1.0 / std::sqrt(s));
        for (int64_t j = 0; j < d; ++j) x[i * d + j] *= inv;
    }
}

}  // namespace

DType parse_dense_dtype(std::string_view name) {
    if (name == "f32") return DType::F32;
    if (name == "bf16") return DType::BF16;
    if (name == "int8" || name == "i8") return DType::I8;
    usage_error("unknown dense dtype '{}' (choose f32, bf16 or int8)", name);
}

VectorMatrix read_query_vectors(const std::string& path) {
    Raw r = read_raw(path, true);
    if (r.dtype == DType::I8)
        runtime_error(
            "'{}': query vectors must be f32, f16 or bf16, not int8 (queries are "
            "quantised per query by the int8 index)",
            path);
    VectorMatrix m;
    m.rows = r.n;
    m.cols = r.d;
    if (r.dtype == DType::BF16) {
        m.data.resize(r.bf16.size());
        for (size_t i = 0; i < r.bf16.size(); ++i) m.data[i] = bf16_to_f32(r.bf16[i]);
    } else {
        m.data.assign(r.rows(), r.rows() + r.n * r.d);
    }
    return m;
}

DenseIndex DenseIndex::load(const std::string& path, const DenseLoadOptions& options) {
    Raw r = read_raw(path, false);
    std::vector<std::string> ids;
    if (!options.ids_path.empty()) ids = read_ids(options.ids_path, r.n);
    if (r.dtype == DType::F32) return from_f32(r.rows(), r.n, r.d, options, std::move(ids));
    const DType target = options.dtype.value_or(r.dtype);
    if (r.dtype == DType::I8) {
        if (options.scales_path.empty())
            usage_error(
                "'{}' holds int8 vectors: pass their per-row scales (.npy f32 [{}]) with "
                "--scales",
                path, r.n);
        std::vector<float> scales = read_scales(options.scales_path, r.n);
        if (target == DType::I8) {
            DenseIndex idx;
            idx.n_ = r.n;
            idx.d_ = r.d;
            idx.dtype_ = DType::I8;
            MEMPIPE_CHECK_ARG(r.d <= kDenseI8MaxDim, "'{}': int8 vectors support d ≤ {}, got {}",
                              path, kDenseI8MaxDim, r.d);
            idx.data_ = Buffer<uint8_t>(std::max<size_t>(r.i8.size(), 1));
            std::memcpy(idx.data_.data(), r.i8.data(), r.i8.size());
            if (options.normalize)  // ‖scale·k8‖ = 1 ⇔ scale = 1/‖k8‖
                for (int64_t i = 0; i < r.n; ++i) {
                    double s = 0;
                    for (int64_t j = 0; j < r.d; ++j)
                        s += double(r.i8[size_t(i * r.d + j)]) * r.i8[size_t(i * r.d + j)];
                    if (s > 0) scales[size_t(i)] = float(1.0 / std::sqrt(s));
                }
            idx.scales_ = std::move(scales);
            idx.set_ids(std::move(ids), options.ids_path);
            return idx;
        }
        r.f32.resize(r.i8.size());
        for (int64_t i = 0; i < r.n; ++i)
            for (int64_t j = 0; j < r.d; ++j)
                r.f32[size_t(i * r.d + j)] = float(r.i8[size_t(i * r.d + j)]) * scales[size_t(i)];
    } else {  // bf16
        if (target == DType::BF16 && !options.normalize) {
            DenseIndex idx;
            idx.n_ = r.n;
            idx.d_ = r.d;
            idx.dtype_ = DType::BF16;
            idx.data_ = Buffer<uint8_t>(std::max<size_t>(r.bf16.size() * 2, 1));
            std::memcpy(idx.data_.data(), r.bf16.data(), r.bf16.size() * 2);
            idx.set_ids(std::move(ids), options.ids_path);
            return idx;
        }
        r.f32.resize(r.bf16.size());
        for (size_t i = 0; i < r.bf16.size(); ++i) r.f32[i] = bf16_to_f32(r.bf16[i]);
    }
    DenseLoadOptions o = options;
    o.dtype = target;
    return from_f32(r.f32.data(), r.n, r.d, o, std::move(ids));
}

DenseIndex DenseIndex::from_f32(const float* x, int64_t n, int64_t d,
                                const DenseLoadOptions& options, std::vector<std::string> ids) {
    MEMPIPE_CHECK_ARG(n >= 0 && d >= 1,
                      "DenseIndex: need n ≥ 0 rows of dimension d ≥ 1, got {} × {}", n, d);
    MEMPIPE_CHECK_ARG(n <= std::numeric_limits<int32_t>::max(),
                      "DenseIndex: {} rows exceed the int32 row range; shard the vectors", n);
    MEMPIPE_CHECK_ARG(n == 0 || x, "DenseIndex: x is null");
    MEMPIPE_CHECK_ARG(ids.empty() || int64_t(ids.size()) == n,
                      "DenseIndex: {} ids for {} rows; they must match one to one", ids.size(), n);
    const DType t = options.dtype.value_or(DType::F32);
    MEMPIPE_CHECK_ARG(t == DType::F32 || t == DType::BF16 || t == DType::I8,
                      "DenseIndex: dtype {} is not supported (f32, bf16 or int8)", dtype_name(t));
    if (t == DType::I8)
        MEMPIPE_CHECK_ARG(d <= kDenseI8MaxDim, "DenseIndex: int8 vectors support d ≤ {}, got {}",
                          kDenseI8MaxDim, d);
    for (int64_t i = 0; i < n * d; ++i)
        if (!std::isfinite(x[i]))
            runtime_error("DenseIndex: row {} has a non-finite value ({})", i / d, x[i]);
    DenseIndex idx;
    idx.n_ = n;
    idx.d_ = d;
    idx.dtype_ = t;
    std::vector<float> tmp;
    if (options.normalize && n > 0) {
        tmp.assign(x, x + n * d);
        normalize_rows(tmp.data(), n, d);
        x = tmp.data();
    }
    const size_t e = size_t(n * d);
    idx.data_ = Buffer<uint8_t>(std::max<size_t>(e * dtype_size(t), 1));
    if (t == DType::F32) {
        if (e) std::memcpy(idx.data_.data(), x, e * 4);
    } else if (t == DType::BF16) {
        uint16_t* o = reinterpret_cast<uint16_t*>(idx.data_.data());
        for (size_t i = 0; i < e; ++i) o[i] = f32_to_bf16(x[i]);
    } else {
        idx.scales_.resize(size_t(n));
        cpu::quant_int8_rows(x, n, d, reinterpret_cast<int8_t*>(idx.data_.data()),
                             idx.scales_.data());
    }
    idx.set_ids(std::move(ids), options.ids_path);
    return idx;
}

void DenseIndex::set_ids(std::vector<std::string> ids, const std::string& source) {
    ids_ = std::move(ids);
    for (size_t i = 0; i < ids_.size(); ++i)
        if (!row_of_.emplace(ids_[i], int32_t(i)).second)
            runtime_error("{}: duplicate id '{}' (line {}); ids must be unique",
                          source.empty() ? std::string("DenseIndex") : "'" + source + "'", ids_[i],
                          i + 1);
}

DenseKeysView DenseIndex::view() const {
    return {dtype_, data_.data(), dtype_ == DType::I8 ? scales_.data() : nullptr, n_, d_};
}

std::string DenseIndex::doc_id(int32_t row) const {
    MEMPIPE_CHECK_ARG(row >= 0 && row < n_, "DenseIndex::doc_id: row {} out of range [0, {})", row,
                      n_);
    return ids_.empty() ? std::to_string(row) : ids_[size_t(row)];
}

std::optional<int32_t> DenseIndex::row_of(std::string_view id) const {
    if (ids_.empty()) {
        int64_t v = 0;
        if (id.empty() || id.size() > 10) return std::nullopt;
        for (char c : id) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
        }
        if (std::to_string(v) != id || v >= n_) return std::nullopt;
        return int32_t(v);
    }
    auto it = row_of_.find(std::string(id));
    if (it == row_of_.end()) return std::nullopt;
    return it->second;
}

uint64_t DenseIndex::memory_bytes() const {
    return uint64_t(n_ * d_) * dtype_size(dtype_) + scales_.size() * 4;
}

std::vector<std::vector<DenseHit>> DenseIndex::search(const float* queries, int64_t nq,
                                                      int64_t k) const {
    MEMPIPE_CHECK_ARG(k >= 0, "dense search: k must be ≥ 0, got {}", k);
    MEMPIPE_CHECK_ARG(nq >= 0, "dense search: nq must be ≥ 0, got {}", nq);
    for (int64_t i = 0; i < nq * d_; ++i)
        MEMPIPE_CHECK_ARG(std::isfinite(queries[i]),
                          "dense search: query {} has a non-finite value ({})", i / d_, queries[i]);
    const int64_t kk = std::min(k, n_);
    std::vector<float> v(static_cast<size_t>(nq * kk));
    std::vector<int32_t> ix(static_cast<size_t>(nq * kk));
    cpu::dense_top_k(queries, nq, view(), kk, v.data(), ix.data());
    std::vector<std::vector<DenseHit>> out(static_cast<size_t>(nq));
    for (int64_t b = 0; b < nq; ++b)
        for (int64_t j = 0; j < kk; ++j)
            out[size_t(b)].push_back({ix[size_t(b * kk + j)], v[size_t(b * kk + j)]});
    return out;
}

}  // namespace mempipe::rag
