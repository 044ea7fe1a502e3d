// Portable GEMM: the shared packed driver (gemm_blocked.h) with a 4 x 8 micro-kernel in plain C++
// that the compiler vectorises for its target (SSE2 natively). Intrinsics live in other ISA
// folders.
#include "core/kernels/gemm_blocked.h"

namespace cnn::kernels::generic {
namespace {

constexpr int kMR = 4;
constexpr int kNR = 8;

// A is always packed here (a_rs = 1, a_ks = kMR): fixed strides keep the loop vectorisable.
inline void micro_kernel(int kc, const float* a, int /*a_rs*/, int /*a_ks*/, const float* b,
                         int /*b_ks*/, float* C, int ldc, int mr, int nr, float alpha, float beta,
                         const float* bias, bool relu) {
  float acc[kMR][kNR] = {};
  for (int k = 0; k < kc; ++k) {
    const float* bk = b + k * kNR;
    const float* ak = a + k * kMR;
    for (int r = 0; r < kMR; ++r) {
      const float ar = ak[r];
      for (int c = 0; c < kNR; ++c) acc[r][c] += ar * bk[c];
    }
  }
  for (int r = 0; r < mr; ++r) {
    float* cr = C + static_cast<int64_t>(r) * ldc;
    for (int c = 0; c < nr; ++c) {
      float v = alpha * acc[r][c];  // the same operations for every element (see gemm_blocked.h)
      if (beta != 0.0f) v += beta * cr[c];
      if (bias) v += bias[c];
      cr[c] = relu && v < 0.0f ? 0.0f : v;
    }
  }
}

}  // namespace

size_t gemm_workspace(const GemmParams& p) { return blocked::workspace<kMR, kNR>(p); }

void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  blocked::gemm<kMR, kNR, false>(p, A, B, C, workspace, micro_kernel);
}

}  // namespace cnn::kernels::generic
