#include "conformance.h"

#include <cstdlib>
#include <iostream>

namespace mempipe::test {

namespace {
std::vector<CaseGenerator>& generators() {
    static std::vector<CaseGenerator> g;
    return g;
}

uint64_t fnv1a(const std::string& s, uint64_t h) {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

uint64_t base_seed() {
    const char* env = std::getenv("MEMPIPE_TEST_SEED");
    return env ? std::strtoull(env, nullptr, 0) : 20261125ull;
}

class ConformanceTest : public ::testing::Test {
  public:
    ConformanceTest(OpCase c, SimdLevel level) : case_(std::move(c)), level_(level) {}
    void TestBody() override {
        uint64_t seed = fnv1a(case_.op + "/" + case_.params, base_seed());
        SCOPED_TRACE("op " + case_.op + " [" + case_.params + "] level " +
                     std::string(simd_level_name(level_)) + " seed " + std::to_string(seed) +
                     " (base MEMPIPE_TEST_SEED=" + std::to_string(base_seed()) + ")");
        ScopedSimdLevel force(level_);
        CaseContext ctx{level_, seed, Rng(seed)};
        case_.run(ctx);
    }

  private:
    OpCase case_;
    SimdLevel level_;
};

std::string sanitize(std::string s) {
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '=' && c != ',')
            c = '_';
    return s;
}
}  // namespace

CaseRegistrar::CaseRegistrar(CaseGenerator gen) {
    generators().push_back(gen);
}

std::vector<OpCase> all_cases() {
    std::vector<OpCase> cases;
    for (auto gen : generators()) gen(cases);
    return cases;
}

std::vector<int64_t> adversarial_sizes(int64_t max_size) {
    std::vector<int64_t> out;
    for (int64_t n :
         {1, 2, 3, 5, 7, 8, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 257, 1000, 1031})
        if (n <= max_size) out.push_back(n);
    return out;
}

void expect_within_bound(const float* want, const float* got, size_t n,
                         const std::function<double(size_t)>& allowed, const std::string& what,
                         const std::function<std::string(size_t)>& context) {
    size_t bad = 0;
    for (size_t i = 0; i < n && bad < 5; ++i) {
        const double r = want[i], g = got[i];
        bool ok;
        if (std::isnan(r) || std::isnan(g))
            ok = std::isnan(r) && std::isnan(g);
        else if (std::isinf(r) || std::isinf(g))
            ok = r == g;
        else
            ok = std::fabs(g - r) <= allowed(i);
        if (!ok) {
            ADD_FAILURE() << what << ": mismatch at " << i << (context ? " " : "")
                          << (context ? context(i) : std::string()) << ": want " << r << " got "
                          << g << " |err| " << std::fabs(g - r) << " allowed " << allowed(i);
            ++bad;
        }
    }
}

void expect_close(const float* ref, const float* got, size_t n, double rtol, double atol,
                  const std::string& what) {
    expect_within_bound(
        ref, got, n, [&](size_t i) { return atol + rtol * std::fabs(double(ref[i])); }, what);
}

void expect_finite(const float* got, size_t n, const std::string& what) {
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(got[i])) {
            ADD_FAILURE() << what << ": non-finite value " << got[i] << " at " << i;
            return;
        }
}

}  // namespace mempipe::test

int main(int argc, char** argv) {
    using namespace mempipe;
    using namespace mempipe::test;
    ::testing::InitGoogleTest(&argc, argv);
    // --level NAME: run one SIMD level only (exit 77 = skipped when this CPU lacks it).
    std::vector<SimdLevel> levels = available_simd_levels();
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) != "--level") continue;
        auto want = parse_simd_level(argv[i + 1]);
        if (!want) {
            std::cerr << "conformance: unknown --level '" << argv[i + 1]
                      << "' (scalar, avx2, avx512, amx)\n";
            return 2;
        }
        if (*want > detected_simd_level()) {
            std::cout << "conformance: skipped level " << argv[i + 1]
                      << ": this CPU supports up to " << simd_level_name(detected_simd_level())
                      << "\n";
            return 77;
        }
        levels = {*want};
    }
    for (SimdLevel level : levels) {
        for (const OpCase& c : all_cases()) {
            std::string suite = "Conformance_" + std::string(simd_level_name(level));
            std::string name = sanitize(c.op + "/" + c.params);
            ::testing::RegisterTest(
                suite.c_str(), name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                [c, level]() -> ::testing::Test* { return new ConformanceTest(c, level); });
        }
    }
    std::cout << "mempipe conformance: base seed " << base_seed()
              << " (set MEMPIPE_TEST_SEED to replay), detected "
              << simd_level_name(detected_simd_level()) << "\n";
    return RUN_ALL_TESTS();
}
