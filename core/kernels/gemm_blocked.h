// The packed, cache-blocked GEMM driver shared by every variant (BLIS-style loops: NC x KC panels
// of B, MC x KC blocks of A, an MR x NR register tile). A variant supplies only its micro-kernel,
// which multiplies one packed MR-row sliver of A by one packed NR-column sliver of B. Packing
// zero-pads the edges, so micro-kernels have no tails and never read past the operands.
// Internal to core/kernels; not a public kernel.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/kernels/kernels.h"

namespace cnn::kernels::blocked {

constexpr int kMC = 128;  // rows of A per packed block
constexpr int kKC = 384;  // most depth per block; blocks are balanced (K = 288 is one block of 288)
constexpr int kNC = 512;  // columns of B per packed panel

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

// Depth per block: K split into equal blocks of at most kKC (no short tail block).
inline int depth_block(int K) {
  const int blocks = (K + kKC - 1) / kKC;
  return (K + blocks - 1) / std::max(blocks, 1);
}

// The workspace rule, in one place: the packing buffers for the largest blocks the driver can use
// on a GEMM of at most M x N x K. Every term is monotone in M, N and K (the depth bound is
// min(K, kKC), which is at least depth_block(K') for every K' <= K, although depth_block itself is
// not monotone: depth_block(384) = 384 > depth_block(385) = 193). So one buffer sized for the
// largest GEMM of a family serves every smaller one: the short last chunk of an im2col pass, or a
// thread's share of a split GEMM.
inline int depth_bound(int K) { return std::min(std::max(K, 1), kKC); }
template <int MR>
size_t a_pack_floats(int M, int kc) {
  return static_cast<size_t>(round_up(std::min(kMC, std::max(M, 1)), MR)) * kc;
}
template <int NR>
size_t b_pack_floats(int N, int kc) {
  return static_cast<size_t>(round_up(std::min(kNC, std::max(N, 1)), NR)) * kc;
}
template <int MR, int NR>
size_t workspace(const GemmParams& p) {
  const int kc = depth_bound(p.K);
  return a_pack_floats<MR>(p.M, kc) + b_pack_floats<NR>(p.N, kc);
}

// Packs op(A)[i0 .. i0+mc, k0 .. k0+kc] into MR-row slivers: dst[s][k][r].
template <int MR>
void pack_a(const GemmParams& p, const float* A, int i0, int mc, int k0, int kc, float* dst) {
  for (int s = 0; s < mc; s += MR) {
    const int rows = std::min(MR, mc - s);
    if (!p.ta) {
      for (int k = 0; k < kc; ++k) {
        const float* src = A + static_cast<int64_t>(i0 + s) * p.lda + k0 + k;
        int r = 0;
        for (; r < rows; ++r) dst[r] = src[static_cast<int64_t>(r) * p.lda];
        for (; r < MR; ++r) dst[r] = 0.0f;
        dst += MR;
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* src = A + static_cast<int64_t>(k0 + k) * p.lda + i0 + s;
        int r = 0;
        for (; r < rows; ++r) dst[r] = src[r];
        for (; r < MR; ++r) dst[r] = 0.0f;
        dst += MR;
      }
    }
  }
}

// Packs op(B)[k0 .. k0+kc, j0 .. j0+nc] into NR-column slivers: dst[s][k][c].
template <int NR>
void pack_b(const GemmParams& p, const float* B, int k0, int kc, int j0, int nc, float* dst) {
  for (int s = 0; s < nc; s += NR) {
    const int cols = std::min(NR, nc - s);
    for (int k = 0; k < kc; ++k) {
      int c = 0;
      if (!p.tb) {
        const float* src = B + static_cast<int64_t>(k0 + k) * p.ldb + j0 + s;
        for (; c < cols; ++c) dst[c] = src[c];
      } else {
        const float* src = B + static_cast<int64_t>(j0 + s) * p.ldb + k0 + k;
        for (; c < cols; ++c) dst[c] = src[static_cast<int64_t>(c) * p.ldb];
      }
      for (; c < NR; ++c) dst[c] = 0.0f;
      dst += NR;
    }
  }
}

// Micro: void(int kc, const float* a, int a_rs, int a_ks, const float* b, int b_ks, float* C,
//             int ldc, int mr, int nr, float alpha, float beta, const float* bias, bool relu)
// computing C[mr, nr] = alpha a b + beta C, then + bias[c] (bias not null) and max(0, .) (relu),
// where a(k, r) = a[k * a_ks + r * a_rs] and b(k, c) = b[k * b_ks + c].
// Direct reads full MR-row slivers of A where they are (any transpose is a pair of strides), and
// full NR-column slivers of an untransposed B (each row of the sliver is contiguous), packing only
// edge slivers and transposed B. Otherwise everything is packed (a_rs = 1, a_ks = MR, b_ks = NR).
// Direct pays off when N is small (conv layers) or M is (batch-1 inference): packing then costs
// about as much as the arithmetic that reuses the packed data.
template <int MR, int NR, bool Direct, class Micro>
void gemm(const GemmParams& p, const float* A, const float* B, float* C, float* ws, Micro micro) {
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0) {
    for (int i = 0; i < p.M; ++i)
      for (int j = 0; j < p.N; ++j) {
        float& c = C[static_cast<int64_t>(i) * p.ldc + j];
        c = p.beta == 0.0f ? 0.0f : p.beta * c;
        if (p.bias) c += p.bias[j];
        if (p.relu && c < 0.0f) c = 0.0f;
      }
    return;
  }
  const int kc_max = depth_block(p.K);
  float* a_pack = ws;
  float* b_pack = ws + a_pack_floats<MR>(p.M, kc_max);  // within workspace<MR, NR>(p), see above
  const int a_rs = p.ta ? 1 : p.lda, a_ks = p.ta ? p.lda : 1;
  for (int j0 = 0; j0 < p.N; j0 += kNC) {
    const int nc = std::min(kNC, p.N - j0);
    for (int k0 = 0; k0 < p.K; k0 += kc_max) {
      const int kc = std::min(kc_max, p.K - k0);
      const float beta = k0 == 0 ? p.beta : 1.0f;  // later depth blocks accumulate
      const bool last = k0 + kc >= p.K;            // the epilogue runs once, on the final block
      const int full_cols = Direct && !p.tb ? nc / NR * NR : 0;  // columns read in place
      if (full_cols < nc) pack_b<NR>(p, B, k0, kc, j0 + full_cols, nc - full_cols, b_pack);
      for (int i0 = 0; i0 < p.M; i0 += kMC) {
        const int mc = std::min(kMC, p.M - i0);
        const int full = Direct ? mc / MR * MR : 0;  // rows read in place
        if (full < mc) pack_a<MR>(p, A, i0 + full, mc - full, k0, kc, a_pack);
        for (int js = 0; js < nc; js += NR) {
          const bool b_direct = js < full_cols;
          const float* b = b_direct ? B + static_cast<int64_t>(k0) * p.ldb + j0 + js
                                    : b_pack + static_cast<size_t>(js - full_cols) * kc;
          const int b_ks = b_direct ? p.ldb : NR;
          const int nr = std::min(NR, nc - js);
          const float* bias = last && p.bias ? p.bias + j0 + js : nullptr;
          const bool relu = last && p.relu;
          for (int is = 0; is < mc; is += MR) {
            float* c = C + static_cast<int64_t>(i0 + is) * p.ldc + j0 + js;
            const int mr = std::min(MR, mc - is);
            if (is < full) {
              const float* a = p.ta ? A + static_cast<int64_t>(k0) * p.lda + i0 + is
                                    : A + static_cast<int64_t>(i0 + is) * p.lda + k0;
              micro(kc, a, a_rs, a_ks, b, b_ks, c, p.ldc, mr, nr, p.alpha, beta, bias, relu);
            } else {
              micro(kc, a_pack + static_cast<size_t>(is - full) * kc, 1, MR, b, b_ks, c, p.ldc, mr,
                    nr, p.alpha, beta, bias, relu);
            }
          }
        }
      }
    }
  }
}

}  // namespace cnn::kernels::blocked
