// Formatting of benchmark rows (markdown and JSON): pure helpers, no timing.
#include <gtest/gtest.h>

#include <cmath>

#include "../../bench/src/report.h"

namespace mempipe::bench {
namespace {

BenchRow full_row() {
    BenchRow r;
    r.name = "top_k";
    r.n = 1 << 20;
    r.ours_s = 2.5e-3;
    r.peer_s = 5e-3;
    r.peer = "torch 2.15 topk";
    r.roofline_fraction = 0.423;
    r.limit = "DRAM read 33 GB/s";
    r.extra = {{"recall", 0.99951}, {"k", 2048}, {"mode", "fp32"}};
    return r;
}

TEST(BenchReport, FormatSeconds) {
    EXPECT_EQ(format_seconds(0), "n/a");
    EXPECT_EQ(format_seconds(-1), "n/a");
    EXPECT_EQ(format_seconds(std::nan("")), "n/a");
    EXPECT_EQ(format_seconds(850e-9), "850 ns");
    EXPECT_EQ(format_seconds(12.34e-6), "12.3 µs");
    EXPECT_EQ(format_seconds(4.561e-3), "4.56 ms");
    EXPECT_EQ(format_seconds(1.234), "1.23 s");
    EXPECT_EQ(format_seconds(123.4), "123 s");
}

TEST(BenchReport, FormatSizeUsesBinarySuffixesOnlyWhenExact) {
    EXPECT_EQ(format_size(0), "0");
    EXPECT_EQ(format_size(1000), "1000");
    EXPECT_EQ(format_size(1536), "1536");
    EXPECT_EQ(format_size(4096), "4k");
    EXPECT_EQ(format_size(32768), "32k");
    EXPECT_EQ(format_size(131072), "128k");
    EXPECT_EQ(format_size(1048576), "1M");
    EXPECT_EQ(format_size(int64_t(3) << 30), "3G");
}

TEST(BenchReport, FormatRatios) {
    EXPECT_EQ(format_speedup(2.314), "2.31×");
    EXPECT_EQ(format_speedup(17.26), "17.3×");
    EXPECT_EQ(format_speedup(0), "n/a");
    EXPECT_EQ(format_percent(0.423), "42%");
    EXPECT_EQ(format_percent(0.0123), "1.2%");
    EXPECT_EQ(format_percent(1.05), "105%");
    EXPECT_EQ(format_percent(0), "n/a");
    EXPECT_EQ(format_rate(229.6), "230");
    EXPECT_EQ(format_rate(33.41), "33.4");
    EXPECT_EQ(format_rate(0), "n/a");
}

TEST(BenchReport, MarkdownEscapesPipesAndNewlines) {
    EXPECT_EQ(markdown_escape("a|b\nc\rd"), "a\\|b c d");
    EXPECT_EQ(markdown_row({"a", "b|c"}), "| a | b\\|c |\n");
    EXPECT_EQ(markdown_header({"x", "y", "z"}), "| x | y | z |\n|---|---|---|\n");
    EXPECT_EQ(markdown_header({}), "|\n|\n");
}

TEST(BenchReport, RowCellsWithPeer) {
    BenchRow r = full_row();
    auto cells = bench_row_cells(r);
    ASSERT_EQ(cells.size(), bench_row_columns().size());
    EXPECT_EQ(cells[0], "top_k");
    EXPECT_EQ(cells[1], "1M");
    EXPECT_EQ(cells[2], "2.50 ms");
    EXPECT_EQ(cells[3], "5.00 ms");
    EXPECT_EQ(cells[4], "2.00×");
    EXPECT_EQ(cells[5], "42% of DRAM read 33 GB/s");
    EXPECT_EQ(cells[6], "peer: torch 2.15 topk; recall=0.9995; k=2048; mode=fp32");
}

TEST(BenchReport, RowCellsWithoutPeerSayNa) {
    BenchRow r = full_row();
    r.peer_s = 0;
    r.peer = "";
    r.roofline_fraction = 0;
    r.extra = Json();
    auto cells = bench_row_cells(r);
    EXPECT_EQ(cells[3], "n/a");
    EXPECT_EQ(cells[4], "n/a");
    EXPECT_EQ(cells[5], "n/a");
    EXPECT_EQ(cells[6], "");
    std::string line = markdown_row(cells);
    EXPECT_EQ(line, "| top_k | 1M | 2.50 ms | n/a | n/a | n/a |  |\n");
}

TEST(BenchReport, RowJsonSchema) {
    Json j = bench_row_json(full_row());
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"name", "n", "ours_s", "peer_s", "speedup",
                                              "roofline_fraction", "limit", "peer", "extra"}));
    EXPECT_EQ(j["name"], "top_k");
    EXPECT_EQ(j["n"], 1 << 20);
    EXPECT_DOUBLE_EQ(j["ours_s"].get<double>(), 2.5e-3);
    EXPECT_DOUBLE_EQ(j["peer_s"].get<double>(), 5e-3);
    EXPECT_DOUBLE_EQ(j["speedup"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(j["roofline_fraction"].get<double>(), 0.423);
    EXPECT_EQ(j["limit"], "DRAM read 33 GB/s");
    EXPECT_EQ(j["extra"]["k"], 2048);
    // The printed JSON parses back to the same document.
    EXPECT_EQ(Json::parse(j.dump()), j);
}

TEST(BenchReport, RowJsonNullsWhatWasNotMeasured) {
    BenchRow r;
    r.name = "seer_gate";
    r.n = 4096;
    r.ours_s = 1e-3;
    Json j = bench_row_json(r);
    EXPECT_TRUE(j["peer_s"].is_null());
    EXPECT_TRUE(j["speedup"].is_null());
    EXPECT_TRUE(j["roofline_fraction"].is_null());
    EXPECT_TRUE(j["extra"].is_object());
    EXPECT_TRUE(j["extra"].empty());
    r.ours_s = std::nan("");
    EXPECT_TRUE(bench_row_json(r)["ours_s"].is_null());
}

TEST(BenchReport, LimitsAndBuildInfo) {
    MachineLimits l{30.5, 230, 461, 893};
    Json lj = machine_limits_json(l);
    EXPECT_DOUBLE_EQ(lj["dram_read_gbs"].get<double>(), 30.5);
    EXPECT_DOUBLE_EQ(lj["int8_dot_gops"].get<double>(), 893);
    Json b = build_info(2);
    for (const char* key :
         {"compiler", "build", "simd_detected", "simd_active", "threads", "cpu", "date"}) {
        EXPECT_TRUE(b.contains(key)) << key;
    }
    EXPECT_EQ(b["threads"], 2);
    std::string simd = b["simd_detected"].get<std::string>();
    EXPECT_TRUE(simd == "scalar" || simd == "avx2" || simd == "avx512" || simd == "amx") << simd;
    EXPECT_EQ(b["date"].get<std::string>().size(), 20u);  // 2026-11-25T18:46:38Z
}

}  // namespace
}  // namespace mempipe::bench
