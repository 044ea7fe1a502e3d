// GEMM micro-kernel in AVX2 + FMA (8-wide f32) over the shared driver (gemm_blocked.h), chosen at
// run time from the CPU's features: only the functions marked CNN_AVX2 use these instructions, so
// the binary stays portable. Not compiled to vector code off x86 (wasm too): there it is generic.
#include "core/kernels/gemm_blocked.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstring>

#define CNN_AVX2 __attribute__((target("avx2,fma")))
#define CNN_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

namespace cnn::kernels::avx2 {
namespace {

// The tile, overridable on the command line to compare tiles with bench/gemm_bench.cpp: 6 x 16
// keeps 12 ymm accumulators + 2 B vectors + 1 broadcast in the 16 registers; reading A and B in
// place measured faster than packing everything and than 4 x 24 on most keras-book GEMMs.
#ifndef CNN_AVX2_MR
#define CNN_AVX2_MR 6
#define CNN_AVX2_NV 2
#define CNN_AVX2_DIRECT true
#endif
constexpr int kMR = CNN_AVX2_MR;
constexpr int kNV = CNN_AVX2_NV;
constexpr int kNR = 8 * kNV;

// out = alpha acc, + beta C when beta != 0, + bias, then max(0, .) when relu, on a whole tile: C
// itself for full tiles, a zero-padded copy for edge tiles, so an element's value never depends on
// the tile it falls in (results are bitwise identical however a GEMM is split). Exactly:
// fma(beta, C, alpha acc) [+ bias], or fma(alpha, acc, bias) when beta == 0. No mul ever feeds an
// add: GCC contracts those into FMAs depending on the surrounding code, which could round edge and
// full tiles differently.
CNN_AVX2_INLINE void epilogue(const __m256 (&acc)[kMR * kNV], float* c, int ldc, float alpha,
                              float beta, const float* bias, bool relu) {
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta), zero = _mm256_setzero_ps();
  // Unrolled, so the accumulators stay in registers (an array indexed at run time lives in memory).
#pragma GCC unroll 32
  for (int r = 0; r < kMR; ++r, c += ldc) {
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) {
      __m256 out;
      if (beta != 0.0f) {
        out = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8 * v), _mm256_mul_ps(va, acc[r * kNV + v]));
        if (bias) out = _mm256_add_ps(out, _mm256_loadu_ps(bias + 8 * v));
      } else if (bias) {
        out = _mm256_fmadd_ps(va, acc[r * kNV + v], _mm256_loadu_ps(bias + 8 * v));
      } else {
        out = _mm256_mul_ps(va, acc[r * kNV + v]);
      }
      if (relu) out = _mm256_max_ps(out, zero);
      _mm256_storeu_ps(c + 8 * v, out);
    }
  }
}

// kc steps of: kNV loads of B, kMR broadcasts of A, kMR * kNV FMAs, always in k order.
CNN_AVX2 void micro_kernel(int kc, const float* a, int a_rs, int a_ks, const float* b, int b_ks,
                           float* C, int ldc, int mr, int nr, float alpha, float beta,
                           const float* bias, bool relu) {
  __m256 acc[kMR * kNV];
  // Unrolled: as a loop, GCC turns this into a memset, and the array then lives in memory.
#pragma GCC unroll 64
  for (int i = 0; i < kMR * kNV; ++i) acc[i] = _mm256_setzero_ps();
  if (a_rs == 1) {  // packed sliver (a_ks = kMR) or transposed A in place (a_ks = lda)
    for (int k = 0; k < kc; ++k, a += a_ks, b += b_ks) {
      __m256 bv[kNV];
      for (int v = 0; v < kNV; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
      for (int r = 0; r < kMR; ++r) {
        const __m256 av = _mm256_broadcast_ss(a + r);
        for (int v = 0; v < kNV; ++v)
          acc[r * kNV + v] = _mm256_fmadd_ps(av, bv[v], acc[r * kNV + v]);
      }
    }
  } else {  // untransposed A in place: rows a_rs apart, depth contiguous (a_ks = 1)
    const float* rows[kMR];
    for (int r = 0; r < kMR; ++r) rows[r] = a + static_cast<int64_t>(r) * a_rs;
    for (int k = 0; k < kc; ++k, b += b_ks) {
      __m256 bv[kNV];
      for (int v = 0; v < kNV; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
      for (int r = 0; r < kMR; ++r) {
        const __m256 av = _mm256_broadcast_ss(rows[r] + static_cast<int64_t>(k) * a_ks);
        for (int v = 0; v < kNV; ++v)
          acc[r * kNV + v] = _mm256_fmadd_ps(av, bv[v], acc[r * kNV + v]);
      }
    }
  }
  if (mr == kMR && nr == kNR) {
    epilogue(acc, C, ldc, alpha, beta, bias, relu);
    return;
  }
  // Edge tile: the valid part of C (and of bias) in a zero-padded copy, the same epilogue, then
  // the valid part back.
  alignas(32) float tile[kMR][kNR] = {};
  alignas(32) float bias_tile[kNR] = {};
  if (beta != 0.0f)
    for (int r = 0; r < mr; ++r)
      std::memcpy(tile[r], C + static_cast<int64_t>(r) * ldc, sizeof(float) * nr);
  if (bias) std::memcpy(bias_tile, bias, sizeof(float) * nr);
  epilogue(acc, &tile[0][0], kNR, alpha, beta, bias ? bias_tile : nullptr, relu);
  for (int r = 0; r < mr; ++r)
    std::memcpy(C + static_cast<int64_t>(r) * ldc, tile[r], sizeof(float) * nr);
}

}  // namespace

bool supported() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

size_t gemm_workspace(const GemmParams& p) { return blocked::workspace<kMR, kNR>(p); }

void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  blocked::gemm<kMR, kNR, CNN_AVX2_DIRECT>(p, A, B, C, workspace, micro_kernel);
}

}  // namespace cnn::kernels::avx2

#else  // not x86: never selected (supported() is false); the calls still work, as generic.

namespace cnn::kernels::avx2 {

bool supported() { return false; }
size_t gemm_workspace(const GemmParams& p) { return generic::gemm_workspace(p); }
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  generic::gemm_ws(p, A, B, C, workspace);
}

}  // namespace cnn::kernels::avx2

#endif
