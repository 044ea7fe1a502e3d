// Packed, register-blocked GEMM in portable C++ (BLIS-style loops: NC x KC panels of B, MC x KC
// blocks of A, an MR x NR micro-tile). The compiler vectorises the micro-tile for the target (SSE2
// natively, SIMD128 under Emscripten); hand-written intrinsics live in other ISA folders.
// Packing zero-pads the edges, so the micro-kernel has no tails and never reads past the operands.
#include <algorithm>
#include <cassert>

#include "core/kernels/kernels.h"

namespace cnn::kernels::generic {
namespace {

constexpr int kMR = 4;    // rows of the micro-tile
constexpr int kNR = 8;    // columns of the micro-tile (two 4-wide vectors)
constexpr int kMC = 128;  // rows of A per packed block
constexpr int kKC = 256;  // depth per packed block
constexpr int kNC = 512;  // columns of B per packed panel

int round_up(int x, int m) { return (x + m - 1) / m * m; }

// op(A)[i, k]
inline float at(const GemmParams& p, const float* A, int i, int k) {
  return p.ta ? A[static_cast<int64_t>(k) * p.lda + i] : A[static_cast<int64_t>(i) * p.lda + k];
}
// op(B)[k, j]
inline float bt(const GemmParams& p, const float* B, int k, int j) {
  return p.tb ? B[static_cast<int64_t>(j) * p.ldb + k] : B[static_cast<int64_t>(k) * p.ldb + j];
}

// Packs op(A)[i0 .. i0+mc, k0 .. k0+kc] into MR-row slivers: dst[s][k][r].
void pack_a(const GemmParams& p, const float* A, int i0, int mc, int k0, int kc, float* dst) {
  for (int s = 0; s < mc; s += kMR) {
    const int rows = std::min(kMR, mc - s);
    for (int k = 0; k < kc; ++k) {
      int r = 0;
      for (; r < rows; ++r) dst[r] = at(p, A, i0 + s + r, k0 + k);
      for (; r < kMR; ++r) dst[r] = 0.0f;
      dst += kMR;
    }
  }
}

// Packs op(B)[k0 .. k0+kc, j0 .. j0+nc] into NR-column slivers: dst[s][k][c].
void pack_b(const GemmParams& p, const float* B, int k0, int kc, int j0, int nc, float* dst) {
  for (int s = 0; s < nc; s += kNR) {
    const int cols = std::min(kNR, nc - s);
    for (int k = 0; k < kc; ++k) {
      int c = 0;
      if (!p.tb && cols == kNR) {
        const float* src = B + static_cast<int64_t>(k0 + k) * p.ldb + j0 + s;
        for (; c < kNR; ++c) dst[c] = src[c];
      } else {
        for (; c < cols; ++c) dst[c] = bt(p, B, k0 + k, j0 + s + c);
        for (; c < kNR; ++c) dst[c] = 0.0f;
      }
      dst += kNR;
    }
  }
}

// C[mr, nr] = alpha * a_sliver * b_sliver + beta * C over depth kc.
inline void micro_kernel(int kc, const float* a, const float* b, float* C, int ldc, int mr, int nr,
                         float alpha, float beta) {
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
    if (beta == 0.0f) {
      for (int c = 0; c < nr; ++c) cr[c] = alpha * acc[r][c];
    } else {
      for (int c = 0; c < nr; ++c) cr[c] = alpha * acc[r][c] + beta * cr[c];
    }
  }
}

}  // namespace

size_t gemm_workspace(const GemmParams& p) {
  const int kc = std::min(kKC, std::max(p.K, 1));
  const int mc = round_up(std::min(kMC, std::max(p.M, 1)), kMR);
  const int nc = round_up(std::min(kNC, std::max(p.N, 1)), kNR);
  return static_cast<size_t>(mc) * kc + static_cast<size_t>(kc) * nc;
}

// C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  assert(p.M >= 0 && p.N >= 0 && p.K >= 0);
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0) {
    for (int i = 0; i < p.M; ++i)
      for (int j = 0; j < p.N; ++j) {
        float& c = C[static_cast<int64_t>(i) * p.ldc + j];
        c = p.beta == 0.0f ? 0.0f : p.beta * c;
      }
    return;
  }
  const int kc_max = std::min(kKC, p.K);
  float* a_pack = workspace;
  float* b_pack = workspace + static_cast<size_t>(round_up(std::min(kMC, p.M), kMR)) * kc_max;
  for (int j0 = 0; j0 < p.N; j0 += kNC) {
    const int nc = std::min(kNC, p.N - j0);
    for (int k0 = 0; k0 < p.K; k0 += kKC) {
      const int kc = std::min(kKC, p.K - k0);
      const float beta = k0 == 0 ? p.beta : 1.0f;  // later depth blocks accumulate
      pack_b(p, B, k0, kc, j0, nc, b_pack);
      for (int i0 = 0; i0 < p.M; i0 += kMC) {
        const int mc = std::min(kMC, p.M - i0);
        pack_a(p, A, i0, mc, k0, kc, a_pack);
        for (int js = 0; js < nc; js += kNR) {
          const float* b = b_pack + static_cast<size_t>(js) * kc;
          for (int is = 0; is < mc; is += kMR) {
            const float* a = a_pack + static_cast<size_t>(is) * kc;
            float* c = C + static_cast<int64_t>(i0 + is) * p.ldc + j0 + js;
            micro_kernel(kc, a, b, c, p.ldc, std::min(kMR, mc - is), std::min(kNR, nc - js),
                         p.alpha, beta);
          }
        }
      }
    }
  }
}

}  // namespace cnn::kernels::generic
