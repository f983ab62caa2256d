// ref::ttt_newton_schulz5: Muon's orthogonalisation of a step, five Newton–Schulz iterations in
// f64 (zeropower_via_newtonschulz5 of the LaCT code; matmul operands rounded to bf16 under
// TttMatmul::Bf16).
#include <cmath>

#include "ops/ttt/ttt_internal.h"

namespace mempipe::ref {

void ttt_newton_schulz5(float* x, int64_t rows, int64_t cols, TttMatmul mm) {
    using namespace ttt_detail;
    check_shape(TttShape{rows, cols}, 0, "ttt_newton_schulz5");
    check_rows(x, rows, cols, "x", "ttt_newton_schulz5");
    if (rows == 0 || cols == 0) return;
    const bool tall = rows > cols;
    const int64_t r = tall ? cols : rows, c = tall ? rows : cols;  // X: [r × c], r ≤ c
    std::vector<double> X = widen(x, rows * cols);
    if (tall) X = transpose(X, rows, cols);
    double norm = 0;
    for (double e : X) norm += e * e;
    norm = std::sqrt(norm) + kTttNewtonSchulzEps;
    for (double& e : X) e /= norm;
    auto rounded = [mm](std::vector<double> m) {
        for (double& e : m) e = operand(e, mm);
        return m;
    };
    for (const auto& abc : kTttNewtonSchulz) {
        const std::vector<double> Xr = rounded(X);
        const std::vector<double> A = matmul(Xr, transpose(Xr, r, c), r, c, r);
        const std::vector<double> Ar = rounded(A);
        const std::vector<double> AA = matmul(Ar, Ar, r, r, r);
        std::vector<double> B(A.size());
        for (size_t e = 0; e < A.size(); ++e) B[e] = abc[1] * A[e] + abc[2] * AA[e];
        const std::vector<double> BX = matmul(rounded(B), Xr, r, r, c);
        for (size_t e = 0; e < X.size(); ++e) X[e] = abc[0] * X[e] + BX[e];
    }
    if (tall) X = transpose(X, r, c);
    for (int64_t e = 0; e < rows * cols; ++e) x[e] = float(X[size_t(e)]);
}

}  // namespace mempipe::ref
