// Conformance cases for the FPGA dataflow emulator, RAG and contextual-memory designs
// (rag_designs.h: BM25, dense; memory_context.h: mac_recall; memagent.h: the decode engine) against
// their references, with adversarial shapes (empty, k = 1, k = n, k > n with −1 padding, ties →
// lower index, capacity spill to HBM), guard regions and misaligned outputs; the BM25 scan's
// timing by hand.
//
// Tolerance: none. Each design reproduces its reference's arithmetic in the same order (f32 folds
// in fold order for BM25, f64 folds for dense F32/BF16, exact int dots for I8, f64 folds for
// mac_recall and the decode step), so outputs must match bit for bit.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "conformance.h"
#include "fpga_case_util.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/memagent.h"
#include "mempipe/devices/fpga/memory_context.h"
#include "mempipe/devices/fpga/rag_designs.h"
#include "mempipe/ops/bm25.h"
#include "mempipe/ops/dense_retrieval.h"

namespace mempipe::test {
namespace {
// ---- BM25 --------------------------------------------------------------------------------------

const fpga::StageReport* find_stage(const fpga::FpgaEstimate& e, const std::string& name) {
    for (const fpga::RegionReport& r : e.regions)
        for (const fpga::StageReport& st : r.stages)
            if (st.name == name) return &st;
    return nullptr;
}

struct Bm25Index {
    std::vector<uint64_t> offsets;
    std::vector<uint32_t> docs;
    std::vector<float> impacts, nonocc;
    PostingsView view;
};

// Term t holds each doc with probability density[t]; integer impacts make many exact ties.
Bm25Index bm25_index(Rng& rng, int64_t num_docs, int64_t num_terms, bool ties, bool with_nonocc) {
    Bm25Index ix;
    ix.offsets.push_back(0);
    for (int64_t t = 0; t < num_terms; ++t) {
        const double density = t == 0 ? 0.0 : (t % 3 == 0 ? 0.6 : 0.05);  // term 0: empty list
        for (int64_t d = 0; d < num_docs; ++d)
            if (rng.uniform() < density) {
                ix.docs.push_back(uint32_t(d));
                ix.impacts.push_back(ties ? float(rng.uniform_int(0, 3)) : rng.uniform(0.0f, 5.0f));
            }
        ix.offsets.push_back(ix.docs.size());
    }
    ix.nonocc.resize(size_t(num_terms));
    for (auto& v : ix.nonocc) v = rng.uniform(-0.5f, 0.0f);
    ix.view.num_docs = num_docs;
    ix.view.num_terms = num_terms;
    ix.view.offsets = ix.offsets.data();
    ix.view.docs = ix.docs.data();
    ix.view.impacts = ix.impacts.data();
    ix.view.nonocc = with_nonocc ? ix.nonocc.data() : nullptr;
    return ix;
}

void run_bm25(CaseContext& ctx, int64_t num_docs, int64_t k, std::vector<uint32_t> terms, bool ties,
              bool nonocc, size_t mis, const fpga::FpgaConfig& cfg) {
    Bm25Index ix = bm25_index(ctx.rng, num_docs, 12, ties, nonocc);
    std::vector<float> ws(static_cast<size_t>(k));
    std::vector<int32_t> wd(static_cast<size_t>(k));
    Guarded<float> gs(size_t(k), mis * 4);
    Guarded<int32_t> gd(size_t(k), mis * 4);
    const int64_t want =
        ref::bm25_top_k(ix.view, terms.data(), int64_t(terms.size()), k, ws.data(), wd.data());
    int64_t got = -1;
    fpga::FpgaEstimate e = fpga::bm25::run(ix.view, terms.data(), int64_t(terms.size()), k,
                                           gs.data(), gd.data(), &got, cfg);
    gs.check_guards("scores");
    gd.check_guards("docs");
    EXPECT_EQ(want, got) << "result count";
    expect_equal(wd.data(), gd.data(), size_t(k), "docs");
    expect_equal(ws.data(), gs.data(), size_t(k), "scores");
    EXPECT_TRUE(std::isfinite(e.seconds) && e.seconds > 0);
}

void bm25_cases(std::vector<OpCase>& out) {
    const fpga::FpgaConfig u55c = fpga::u55c_config();
    struct C {
        int64_t docs, k;
        std::vector<uint32_t> terms;
        bool ties, nonocc;
    };
    std::vector<C> cs = {
        {0, 4, {}, false, false},
        {100, 0, {1, 2}, false, false},
        {100, 5, {0}, false, false},
        {1, 1, {3}, false, false},
        {17, 17, {1, 3}, true, false},
        {17, 40, {1, 3}, true, true},
        {1031, 64, {2, 3, 2}, true, false},
        {1031, 1, {5, 6, 9}, false, true},
        {1031, 64, {0, 4, 7, 3}, false, true},
        {5000, 1000, {3, 6}, true, false},
    };
    for (const C& c : cs)
        for (size_t mis : {size_t(0), size_t(1)})
            out.push_back({"fpga_bm25",
                           param("docs", c.docs) + "," + param("k", c.k) + "," +
                               param("terms", int64_t(c.terms.size())) + (c.ties ? ",ties" : "") +
                               (c.nonocc ? ",nonocc" : "") + ",misalign=" + std::to_string(mis),
                           [=](CaseContext& ctx) {
                               FPGA_SCALAR_ONLY(ctx);
                               run_bm25(ctx, c.docs, c.k, c.terms, c.ties, c.nonocc, mis, u55c);
                           }});
    // The forward-index scan's timing by hand (the authors' indexer_bm25.h schedule,
    // rag_designs.h): 130 docs = batches of 64, 64 and 2 docs. Term 0 holds every doc, term 1 docs
    // 0–9, term 2 docs 5 and 70, so the longest doc of each batch has 3, 2 and 1 entries: 6 rows.
    // score_acc: 6 rows at II 1 + 12 cycles per batch = 5 + 36 = 41 cycles; the 4-channel loader
    // moves 6 rows × 4 channels × 64 B = 1536 B over 4 HBM channels.
    out.push_back(
        {"fpga_bm25", "forward_scan_rows", [](CaseContext& ctx) {
             FPGA_SCALAR_ONLY(ctx);
             Bm25Index ix;
             ix.offsets = {0};
             for (uint32_t d = 0; d < 130; ++d) ix.docs.push_back(d);
             ix.offsets.push_back(ix.docs.size());
             for (uint32_t d = 0; d < 10; ++d) ix.docs.push_back(d);
             ix.offsets.push_back(ix.docs.size());
             ix.docs.push_back(5);
             ix.docs.push_back(70);
             ix.offsets.push_back(ix.docs.size());
             for (size_t j = 0; j < ix.docs.size(); ++j)
                 ix.impacts.push_back(float(ctx.rng.uniform_int(0, 4)));
             ix.view.num_docs = 130;
             ix.view.num_terms = 3;
             ix.view.offsets = ix.offsets.data();
             ix.view.docs = ix.docs.data();
             ix.view.impacts = ix.impacts.data();
             const fpga::FpgaConfig c = fpga::u55c_config();
             const std::vector<uint32_t> terms = {2, 1, 2};
             std::vector<float> ws(8), gs(8);
             std::vector<int32_t> wd(8), gd(8);
             const int64_t want =
                 ref::bm25_top_k(ix.view, terms.data(), 3, 8, ws.data(), wd.data());
             int64_t got = -1;
             fpga::FpgaEstimate e =
                 fpga::bm25::run(ix.view, terms.data(), 3, 8, gs.data(), gd.data(), &got, c);
             EXPECT_EQ(want, got);
             expect_equal(wd.data(), gd.data(), 8, "docs");
             expect_equal(ws.data(), gs.data(), 8, "scores");
             // Rows come from every term of the index, not only the query's: the same
             // 6 rows for any query.
             const double loader_bytes = 6.0 * 4 * 64;
             for (const fpga::FpgaEstimate& x :
                  {e, fpga::bm25::estimate({130, 12, 8, 1, 2.0}, c)}) {
                 const fpga::StageReport* acc = find_stage(x, "score_acc");
                 const fpga::StageReport* ld = find_stage(x, "doc_loader");
                 ASSERT_TRUE(acc && ld);
                 EXPECT_EQ(acc->interval, 41.0);
                 EXPECT_DOUBLE_EQ(ld->memory_cycles, loader_bytes / c.hbm.bytes_per_cycle(4));
                 EXPECT_DOUBLE_EQ(x.placement.bytes[2], loader_bytes);
             }
         }});
    // At 100 rows per batch the four 512-bit channels (57.5 B/cycle each at 250 MHz, 0.85
    // efficiency) cannot feed one row per cycle: the scan is bound by HBM, not by score_acc. The
    // df table (65536 × 4 B) and the query bitmap (8 KB) load first, one word per cycle.
    out.push_back(
        {"fpga_bm25", "scan_is_hbm_bound", [](CaseContext& ctx) {
             FPGA_SCALAR_ONLY(ctx);
             const fpga::FpgaConfig c = fpga::u55c_config();
             const fpga::FpgaEstimate e = fpga::bm25::estimate({64 * 1000, 0, 64, 1, 100.0}, c);
             const fpga::StageReport* ld = find_stage(e, "doc_loader");
             const fpga::StageReport* acc = find_stage(e, "score_acc");
             ASSERT_TRUE(ld && acc);
             EXPECT_TRUE(ld->memory_bound);
             EXPECT_DOUBLE_EQ(ld->interval, 1000.0 * 100 * 4 * 64 / c.hbm.bytes_per_cycle(4));
             EXPECT_EQ(acc->interval, 1000.0 * 100 - 1 + 1000 * 12);
             EXPECT_EQ(e.regions[1].bottleneck, "doc_loader");
             const fpga::StageReport* load = find_stage(e, "load_df_query");
             ASSERT_TRUE(load);
             EXPECT_EQ(load->compute_cycles, (65536.0 * 4 + 8192) / 64 - 1);
             // Batch rows are required; a design without them is unsupported.
             EXPECT_FALSE(fpga::bm25::unsupported_reason({100, 5, 4, 1, 0.0}, c).empty());
             EXPECT_THROW(fpga::bm25::estimate({100, 5, 4, 1, 0.0}, c), Error);
             EXPECT_TRUE(fpga::bm25::unsupported_reason({0, 0, 4, 1, 0.0}, c).empty());
         }});
    out.push_back({"fpga_bm25", "bad_index", [](CaseContext& ctx) {
                       FPGA_SCALAR_ONLY(ctx);
                       Bm25Index ix = bm25_index(ctx.rng, 50, 6, false, false);
                       ix.impacts[ix.offsets[3]] = -1.0f;
                       std::vector<uint32_t> terms = {3};
                       std::vector<float> v(4);
                       std::vector<int32_t> d(4);
                       EXPECT_THROW(fpga::bm25::run(ix.view, terms.data(), 1, 4, v.data(), d.data(),
                                                    nullptr, fpga::u55c_config()),
                                    Error);
                       terms = {99};
                       EXPECT_THROW(fpga::bm25::run(ix.view, terms.data(), 1, 4, v.data(), d.data(),
                                                    nullptr, fpga::u55c_config()),
                                    Error);
                   }});
}

// ---- dense -------------------------------------------------------------------------------------

void run_dense(CaseContext& ctx, int64_t nq, int64_t n, int64_t d, DType dt, int64_t k, bool ties,
               size_t mis, const fpga::FpgaConfig& cfg) {
    std::vector<float> x(size_t(n * d)), q(size_t(nq * d));
    for (auto& v : x) v = ties ? float(ctx.rng.uniform_int(-1, 1)) : ctx.rng.normal();
    for (auto& v : q) v = ties ? float(ctx.rng.uniform_int(-2, 2)) : ctx.rng.normal();
    std::vector<uint16_t> xb(x.size());
    std::vector<int8_t> x8(x.size());
    std::vector<float> sc(static_cast<size_t>(n));
    DenseKeysView keys{dt, x.data(), nullptr, n, d};
    if (dt == DType::BF16) {
        for (size_t i = 0; i < x.size(); ++i) xb[i] = f32_to_bf16(x[i]);
        keys.data = xb.data();
    } else if (dt == DType::I8) {
        ref::quant_int8_rows(x.data(), n, d, x8.data(), sc.data());
        keys.data = x8.data();
        keys.scales = sc.data();
    }
    const size_t n_out = size_t(nq * k);
    std::vector<float> wv(n_out);
    std::vector<int32_t> wi(n_out);
    Guarded<float> gv(n_out, mis * 4);
    Guarded<int32_t> gi(n_out, mis * 4);
    ref::dense_top_k(q.data(), nq, keys, k, wv.data(), wi.data());
    fpga::FpgaEstimate e = fpga::dense::run(q.data(), nq, keys, k, gv.data(), gi.data(), cfg);
    gv.check_guards("values");
    gi.check_guards("indices");
    expect_equal(wi.data(), gi.data(), n_out, "indices");
    expect_equal(wv.data(), gv.data(), n_out, "values");
    EXPECT_TRUE(std::isfinite(e.seconds) && e.seconds > 0);
}

void dense_cases(std::vector<OpCase>& out) {
    const fpga::FpgaConfig u55c = fpga::u55c_config();
    struct C {
        int64_t nq, n, d;
        DType dt;
        int64_t k;
        bool ties;
    };
    std::vector<C> cs = {
        {1, 0, 8, DType::F32, 3, false},      {0, 10, 8, DType::F32, 3, false},
        {1, 1, 1, DType::F32, 1, false},      {2, 17, 15, DType::F32, 17, false},
        {3, 33, 16, DType::BF16, 40, true},   {1, 65, 17, DType::I8, 64, false},
        {4, 257, 31, DType::I8, 5, true},     {2, 1031, 64, DType::BF16, 100, false},
        {1, 1000, 1, DType::F32, 1000, true}, {5, 129, 1024, DType::F32, 10, false},
    };
    for (const C& c : cs)
        for (size_t mis : {size_t(0), size_t(1)})
            out.push_back({"fpga_dense",
                           param("nq", c.nq) + "," + param("n", c.n) + "," + param("d", c.d) + "," +
                               std::string(dtype_name(c.dt)) + "," + param("k", c.k) +
                               (c.ties ? ",ties" : "") + ",misalign=" + std::to_string(mis),
                           [=](CaseContext& ctx) {
                               FPGA_SCALAR_ONLY(ctx);
                               run_dense(ctx, c.nq, c.n, c.d, c.dt, c.k, c.ties, mis, u55c);
                           }});
    out.push_back(
        {"fpga_dense", "spill_to_hbm", [](CaseContext& ctx) {
             FPGA_SCALAR_ONLY(ctx);
             fpga::FpgaConfig c = small_chip(64.0 * 1024);
             run_dense(ctx, 2, 600, 128, DType::F32, 20, false, 0, c);
             fpga::FpgaEstimate e = fpga::dense::estimate({2, 600, 128, DType::F32, 20}, c);
             EXPECT_GT(e.placement.items[2], 400.0);
         }});
}

// ---- memory-as-context recall ------------------------------------------------------------------

void run_mac(CaseContext& ctx, int64_t batch, int64_t d, int64_t h, int64_t n, bool probs,
             size_t mis, const fpga::FpgaConfig& cfg) {
    std::vector<float> x(size_t(batch * d)), km(size_t(n * h)), mm(size_t(n * d));
    std::vector<uint16_t> wq(size_t(h * d));
    ctx.rng.fill_normal(x);
    ctx.rng.fill_normal(km, 0.5f);
    ctx.rng.fill_normal(mm);
    ctx.rng.fill_bf16_normal(wq, float(1.0 / std::sqrt(double(std::max<int64_t>(d, 1)))));
    const float scale = float(1.0 / std::sqrt(double(std::max<int64_t>(h, 1))));
    std::vector<float> wo(size_t(batch * d)), wp(size_t(batch * n));
    Guarded<float> go(wo.size(), mis * 4), gp(wp.size(), mis * 4);
    fpga::mac::ref::mac_recall(x.data(), wq.data(), km.data(), mm.data(), batch, d, h, n, scale,
                               wo.data(), probs ? wp.data() : nullptr);
    fpga::FpgaEstimate e = fpga::mac::run(x.data(), wq.data(), km.data(), mm.data(), batch, d, h, n,
                                          scale, go.data(), probs ? gp.data() : nullptr, cfg);
    go.check_guards("out");
    gp.check_guards("probs");
    expect_equal(wo.data(), go.data(), wo.size(), "out");
    if (probs) expect_equal(wp.data(), gp.data(), wp.size(), "probs");
    EXPECT_TRUE(std::isfinite(e.seconds) && e.seconds > 0);
}

void mac_cases(std::vector<OpCase>& out) {
    const fpga::FpgaConfig u55c = fpga::u55c_config();
    struct C {
        int64_t batch, d, h, n;
        bool probs;
    };
    std::vector<C> cs = {{1, 16, 16, 0, true},   {0, 16, 16, 5, true},   {1, 1, 1, 1, true},
                         {1, 33, 17, 7, true},   {2, 64, 65, 31, false}, {3, 128, 96, 300, true},
                         {1, 257, 129, 65, true}};
    for (const C& c : cs)
        for (size_t mis : {size_t(0), size_t(1)})
            out.push_back({"fpga_mac_recall",
                           param("batch", c.batch) + "," + param("d", c.d) + "," + param("h", c.h) +
                               "," + param("n_mem", c.n) + (c.probs ? ",probs" : "") +
                               ",misalign=" + std::to_string(mis),
                           [=](CaseContext& ctx) {
                               FPGA_SCALAR_ONLY(ctx);
                               run_mac(ctx, c.batch, c.d, c.h, c.n, c.probs, mis, u55c);
                           }});
    out.push_back({"fpga_mac_recall", "spill_to_hbm", [](CaseContext& ctx) {
                       FPGA_SCALAR_ONLY(ctx);
                       fpga::FpgaConfig c = small_chip(32.0 * 1024);
                       run_mac(ctx, 1, 128, 64, 200, true, 0, c);
                       fpga::FpgaEstimate e = fpga::mac::estimate({1, 128, 64, 200}, c);
                       EXPECT_GT(e.placement.items[2], 100.0);
                   }});
}

// ---- MemAgent decode engine --------------------------------------------------------------------

struct TinyModel {
    fpga::memagent::Shape s;
    std::vector<int8_t> w8;
    std::vector<float> f32;
    std::vector<fpga::memagent::LayerWeights> layers;
    fpga::memagent::Weights w;
    std::vector<uint16_t> kc, vc;
    fpga::memagent::KvCache kv;
};

// Random int4 weights (all of [−8, 7]) with positive group scales; a KV cache of `cap` positions
// whose first `filled` entries are random bf16.
TinyModel tiny_model(Rng& rng, const fpga::memagent::Shape& s, int64_t cap, int64_t filled) {
    TinyModel m;
    m.s = s;
    const int64_t qd = s.hq * s.head_dim, kd = s.hkv * s.head_dim;
    struct Lin {
        int64_t out, in;
    };
    const Lin lins[] = {{qd, s.d},    {kd, s.d},    {kd, s.d},   {s.d, qd},
                        {s.ffn, s.d}, {s.ffn, s.d}, {s.d, s.ffn}};
    size_t n8 = size_t(s.vocab * s.d), nf = size_t(s.vocab * s.d / s.group + 2 * s.d);
    for (const Lin& l : lins) {
        n8 += size_t(s.layers * l.out * l.in);
        nf += size_t(s.layers * (l.out * l.in / s.group + l.out));
    }
    nf += size_t(s.layers * 2 * s.d);
    m.w8.resize(n8);
    m.f32.resize(nf);
    for (auto& v : m.w8) v = int8_t(rng.uniform_int(-8, 7));
    size_t o8 = 0, of = 0;
    auto lin = [&](int64_t out, int64_t in, bool bias) {
        fpga::memagent::Int4Linear L;
        L.w = m.w8.data() + o8;
        o8 += size_t(out * in);
        float* sc = m.f32.data() + of;
        of += size_t(out * in / s.group);
        for (int64_t i = 0; i < out * in / s.group; ++i)
            sc[i] = rng.uniform(0.5f, 1.5f) / (8.0f * std::sqrt(float(in)));
        L.scales = sc;
        if (bias) {
            float* b = m.f32.data() + of;
            of += size_t(out);
            for (int64_t i = 0; i < out; ++i) b[i] = rng.normal() * 0.1f;
            L.bias = b;
        }
        return L;
    };
    auto norm = [&]() {
        float* g = m.f32.data() + of;
        of += size_t(s.d);
        for (int64_t i = 0; i < s.d; ++i) g[i] = rng.uniform(0.8f, 1.2f);
        return g;
    };
    m.layers.resize(size_t(s.layers));
    for (auto& L : m.layers) {
        L.q = lin(qd, s.d, s.qkv_bias);
        L.k = lin(kd, s.d, s.qkv_bias);
        L.v = lin(kd, s.d, s.qkv_bias);
        L.o = lin(s.d, qd, false);
        L.gate = lin(s.ffn, s.d, false);
        L.up = lin(s.ffn, s.d, false);
        L.down = lin(s.d, s.ffn, false);
        L.attn_norm = norm();
        L.ffn_norm = norm();
    }
    m.w.layers = m.layers.data();
    m.w.final_norm = norm();
    m.w.lm_head = lin(s.vocab, s.d, false);
    m.kc.assign(size_t(s.layers * cap * kd), 0);
    m.vc.assign(m.kc.size(), 0);
    for (int64_t l = 0; l < s.layers; ++l)
        for (int64_t i = 0; i < filled * kd; ++i) {
            m.kc[size_t(l * cap * kd + i)] = f32_to_bf16(rng.normal());
            m.vc[size_t(l * cap * kd + i)] = f32_to_bf16(rng.normal());
        }
    m.kv = {m.kc.data(), m.vc.data(), cap};
    return m;
}

void memagent_cases(std::vector<OpCase>& out) {
    struct C {
        int64_t d, layers, hq, hkv, hd, ffn, vocab, group, pos;
        bool bias;
    };
    std::vector<C> cs = {{32, 1, 2, 1, 16, 64, 50, 16, 0, true},
                         {64, 2, 4, 2, 16, 96, 97, 32, 5, true},
                         {48, 2, 6, 3, 8, 80, 33, 16, 17, false},
                         {128, 1, 8, 2, 32, 256, 1000, 64, 64, true}};
    for (const C& c : cs)
        out.push_back(
            {"fpga_memagent_decode",
             param("d", c.d) + "," + param("layers", c.layers) + "," + param("hq", c.hq) + "," +
                 param("hkv", c.hkv) + "," + param("ffn", c.ffn) + "," + param("vocab", c.vocab) +
                 "," + param("pos", c.pos) + (c.bias ? ",bias" : ""),
             [=](CaseContext& ctx) {
                 FPGA_SCALAR_ONLY(ctx);
                 fpga::memagent::Shape s;
                 s.d = c.d, s.layers = c.layers, s.hq = c.hq, s.hkv = c.hkv, s.head_dim = c.hd,
                 s.ffn = c.ffn, s.vocab = c.vocab, s.group = c.group, s.qkv_bias = c.bias;
                 TinyModel a = tiny_model(ctx.rng, s, c.pos + 2, c.pos);
                 TinyModel b = a;  // same weights, own cache copy
                 b.kv = {b.kc.data(), b.vc.data(), a.kv.capacity};
                 b.w.layers = a.layers.data();
                 std::vector<float> x(size_t(c.d));
                 ctx.rng.fill_normal(x);
                 std::vector<float> wl(size_t(c.vocab));
                 Guarded<float> gl(size_t(c.vocab));
                 const int32_t want =
                     fpga::memagent::ref::decode_step(s, a.w, a.kv, c.pos, x.data(), wl.data());
                 int32_t got = -1;
                 fpga::FpgaEstimate e = fpga::memagent::run(s, a.w, b.kv, c.pos, x.data(),
                                                            gl.data(), &got, fpga::u55c_config());
                 gl.check_guards("logits");
                 expect_equal(wl.data(), gl.data(), wl.size(), "logits");
                 EXPECT_EQ(want, got);
                 expect_equal(a.kc.data(), b.kc.data(), a.kc.size(), "K cache");
                 expect_equal(a.vc.data(), b.vc.data(), a.vc.size(), "V cache");
                 expect_finite(gl.data(), gl.size(), "logits");
                 EXPECT_TRUE(std::isfinite(e.seconds) && e.seconds > 0);
             }});
}

}  // namespace

static CaseRegistrar reg_bm25(bm25_cases);
static CaseRegistrar reg_dense(dense_cases);
static CaseRegistrar reg_mac(mac_cases);
static CaseRegistrar reg_memagent(memagent_cases);

}  // namespace mempipe::test
