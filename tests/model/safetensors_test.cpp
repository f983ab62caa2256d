// safetensors reader/writer: round trip and malformed files → clear errors naming file and tensor.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/model/safetensors.h"
#include "mempipe/model/weights.h"

namespace fs = std::filesystem;
using namespace mempipe;
using namespace mempipe::model;

namespace {

std::string temp_path(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("mempipe_st_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return (dir / name).string();
}

// A file from a raw header text and a data buffer of `data_bytes` bytes (0, 1, 2, ...).
std::string write_raw(const std::string& name, const std::string& header, size_t data_bytes,
                      int64_t header_len_override = -1) {
    std::string path = temp_path(name);
    std::ofstream out(path, std::ios::binary);
    uint64_t n = header_len_override >= 0 ? uint64_t(header_len_override) : header.size();
    for (int i = 0; i < 8; ++i) out.put(char(n >> (8 * i)));
    out << header;
    for (size_t i = 0; i < data_bytes; ++i) out.put(char(i));
    return path;
}

// Runs f, expects an Error whose message contains every string of `parts`.
template <class F>
void expect_error(F&& f, std::vector<std::string> parts, ErrorKind kind = ErrorKind::Runtime) {
    try {
        f();
        FAIL() << "no error thrown; expected one mentioning " << parts[0];
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        for (const std::string& p : parts)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
                << "message \"" << e.what() << "\" lacks \"" << p << "\"";
    }
}

TEST(Safetensors, RoundTripEveryDtype) {
    std::vector<float> f32 = {1.5f, -2.25f, 3.0f, 0.0f, 1e-3f, -7.0f};
    std::vector<uint16_t> bf16 = {f32_to_bf16(1.0f), f32_to_bf16(-0.5f), f32_to_bf16(3.25f)};
    std::vector<int64_t> i64 = {-1, 1ll << 40};
    std::vector<uint8_t> u8 = {0, 255, 7};
    std::vector<double> f64 = {3.141592653589793};
    std::string path = temp_path("round_trip.safetensors");
    write_safetensors(path,
                      {{"w.weight", StDType::F32, {2, 3}, f32.data()},
                       {"b", StDType::BF16, {3}, bf16.data()},
                       {"ids", StDType::I64, {2}, i64.data()},
                       {"bytes", StDType::U8, {1, 3}, u8.data()},
                       {"scalar", StDType::F64, {}, f64.data()},
                       {"empty", StDType::F16, {0, 4}, nullptr}},
                      {{"format", "pt"}});
    EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
    SafetensorsFile f = SafetensorsFile::open(path);
    EXPECT_EQ(f.names(),
              (std::vector<std::string>{"b", "bytes", "empty", "ids", "scalar", "w.weight"}));
    EXPECT_EQ(f.metadata().at("format"), "pt");
    const StTensor& w = f.tensor("w.weight");
    EXPECT_EQ(w.dtype, StDType::F32);
    EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(w.bytes, 24u);
    EXPECT_EQ(std::memcmp(w.data, f32.data(), 24), 0);
    EXPECT_EQ(std::memcmp(f.tensor("b").data, bf16.data(), 6), 0);
    EXPECT_EQ(std::memcmp(f.tensor("ids").data, i64.data(), 16), 0);
    EXPECT_EQ(std::memcmp(f.tensor("bytes").data, u8.data(), 3), 0);
    EXPECT_EQ(f.tensor("scalar").numel(), 1);
    EXPECT_EQ(f.tensor("empty").numel(), 0);
    // The weights helpers widen what they read exactly.
    Buffer<float> b = tensor_to_f32(f.tensor("b"));
    EXPECT_EQ(b[0], 1.0f);
    EXPECT_EQ(b[1], -0.5f);
    EXPECT_EQ(b[2], 3.25f);
    // Header length is padded to a multiple of 8 (data 8-byte aligned in the file).
    std::ifstream in(path, std::ios::binary);
    uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 8);
    EXPECT_EQ(n % 8, 0u);
}

TEST(Safetensors, OverwriteKeepsFileValid) {
    std::vector<float> a = {1, 2}, b = {3, 4, 5};
    std::string path = temp_path("overwrite.safetensors");
    write_safetensors(path, {{"x", StDType::F32, {2}, a.data()}});
    write_safetensors(path, {{"x", StDType::F32, {3}, b.data()}});
    SafetensorsFile f = SafetensorsFile::open(path);
    EXPECT_EQ(f.tensor("x").numel(), 3);
    EXPECT_EQ(f.tensor("x").as<float>()[2], 5.0f);
}

TEST(Safetensors, WriterRejectsBadNames) {
    std::vector<float> a = {1};
    std::string path = temp_path("bad_names.safetensors");
    expect_error(
        [&] {
            write_safetensors(
                path, {{"x", StDType::F32, {1}, a.data()}, {"x", StDType::F32, {1}, a.data()}});
        },
        {"\"x\"", "twice"}, ErrorKind::Usage);
    expect_error(
        [&] {
            write_safetensors(path, {{"__metadata__", StDType::F32, {1}, a.data()}});
        },
        {"reserved"}, ErrorKind::Usage);
    EXPECT_FALSE(fs::exists(path));
}

TEST(Safetensors, MissingFile) {
    expect_error([] { SafetensorsFile::open(temp_path("does_not_exist.safetensors")); },
                 {"does_not_exist.safetensors", "cannot open"});
}

TEST(Safetensors, TruncatedFile) {
    std::vector<float> w(64, 1.0f);
    std::string path = temp_path("truncated.safetensors");
    write_safetensors(path, {{"layer.weight", StDType::F32, {8, 8}, w.data()}});
    fs::resize_file(path, fs::file_size(path) - 10);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"layer.weight\"", "truncated"});
    fs::resize_file(path, 5);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "truncated", "8-byte"});
}

TEST(Safetensors, HeaderLengthPastEof) {
    std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::string path = write_raw("header_past_eof.safetensors", header, 4, 1 << 20);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "header length", "past the end"});
}

TEST(Safetensors, BadJson) {
    std::string path = write_raw("bad_json.safetensors", R"({"a":{"dtype":"F32",)", 4);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "not valid JSON"});
    path = write_raw("not_object.safetensors", "[1, 2, 3]", 0);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "JSON object"});
    path = write_raw("entry_not_object.safetensors", R"({"a": 5})", 0);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"a\"", "object"});
    path = write_raw("bad_metadata.safetensors", R"({"__metadata__": {"k": 1}})", 0);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "__metadata__", "\"k\""});
}

TEST(Safetensors, WrongDtype) {
    std::string path = write_raw(
        "wrong_dtype.safetensors",
        R"({"good":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"q":{"dtype":"F8_E5M2","shape":[4],"data_offsets":[4,8]}})",
        8);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"q\"", "F8_E5M2", "unsupported"});
    path = write_raw("dtype_not_string.safetensors",
                     R"({"q":{"dtype":7,"shape":[1],"data_offsets":[0,1]}})", 1);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"q\"", "dtype"});
}

TEST(Safetensors, OverlappingOffsets) {
    std::string path = write_raw(
        "overlap.safetensors",
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
        12);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"a\"", "\"b\"", "overlap"});
}

TEST(Safetensors, RepeatedKey) {
    std::string path = write_raw(
        "repeated_key.safetensors",
        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
        8);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"a\"", "twice"});
}

TEST(Safetensors, HolesInTheDataBuffer) {
    // A gap between two tensors, unclaimed bytes at the start, and trailing bytes.
    std::string path = write_raw(
        "hole_between.safetensors",
        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
        12);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "[4, 8)", "after \"a\"", "holes"});
    path = write_raw("hole_start.safetensors",
                     R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "[0, 4)", "at the start"});
    path = write_raw("trailing.safetensors",
                     R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 6);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "[4, 6)", "after \"a\""});
    // Zero-size tensors anywhere inside the buffer are fine.
    path = write_raw(
        "empty_tensor.safetensors",
        R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
        4);
    EXPECT_EQ(SafetensorsFile::open(path).names().size(), 2u);
}

TEST(Safetensors, ShapeSizeMismatch) {
    std::string path =
        write_raw("shape_mismatch.safetensors",
                  R"({"w":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,16]}})", 16);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"w\"", "[3×4]", "24 bytes"});
    path = write_raw("negative_dim.safetensors",
                     R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"w\"", "non-negative"});
    path = write_raw("bad_offsets.safetensors",
                     R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"w\"", "begin > end"});
    path = write_raw(
        "huge_shape.safetensors",
        R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8);
    expect_error([&] { SafetensorsFile::open(path); }, {path, "\"w\""});
}

TEST(Safetensors, MissingTensorAndWrongShape) {
    std::vector<float> w(6, 0.5f);
    std::vector<int32_t> ids = {1, 2};
    std::string path = temp_path("missing.safetensors");
    write_safetensors(
        path, {{"w", StDType::F32, {2, 3}, w.data()}, {"ids", StDType::I32, {2}, ids.data()}});
    SafetensorsFile f = SafetensorsFile::open(path);
    EXPECT_TRUE(f.contains("w"));
    EXPECT_FALSE(f.contains("v"));
    expect_error([&] { f.tensor("v"); }, {path, "\"v\"", "no tensor"});
    expect_error([&] { f.float_tensor("w", {3, 2}); }, {path, "\"w\"", "[2×3]", "[3×2]"});
    expect_error([&] { f.float_tensor("ids", {2}); }, {path, "\"ids\"", "I32"});
    EXPECT_EQ(&f.float_tensor("w", {2, -1}), &f.tensor("w"));
    expect_error([&] { LinearStorage::from_tensor(f.tensor("ids"), LinearFormat::Bf16); },
                 {"\"ids\"", "I32"});
}

}  // namespace
