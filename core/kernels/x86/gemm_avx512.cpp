// GEMM micro-kernel in AVX-512F (16-wide f32) over the shared driver (gemm_blocked.h), chosen at
// run time from the CPU's features: only the functions marked CNN_AVX512 use these instructions, so
// the binary stays portable. Not compiled to vector code off x86 (wasm too): there it is generic.
#include "core/kernels/gemm_blocked.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstring>

#define CNN_AVX512 __attribute__((target("avx512f")))
#define CNN_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) inline

namespace cnn::kernels::avx512 {
namespace {

// The tile, overridable on the command line to compare tiles with bench/gemm_bench.cpp: 8 x 32
// (16 zmm accumulators) reading A and B in place measured fastest on the keras-book GEMMs on a
// Zen 5 (full-width 512-bit FMA: about twice the AVX2 kernel), ahead of 6x32, 12x32, 14x32, 6x64,
// 4x64 and of packing everything (which lost 10-30%).
#ifndef CNN_AVX512_MR
#define CNN_AVX512_MR 8
#define CNN_AVX512_NV 2
#define CNN_AVX512_DIRECT true
#endif
constexpr int kMR = CNN_AVX512_MR;
constexpr int kNV = CNN_AVX512_NV;
constexpr int kNR = 16 * kNV;

// out = alpha acc, + beta C when beta != 0, + bias, then max(0, .) when relu, on a whole tile: C
// itself for full tiles, a zero-padded copy for edge tiles, so an element's value never depends on
// the tile it falls in (results are bitwise identical however a GEMM is split). Exactly:
// fma(beta, C, alpha acc) [+ bias], or fma(alpha, acc, bias) when beta == 0. No mul ever feeds an
// add: GCC contracts those into FMAs depending on the surrounding code, which could round edge and
// full tiles differently.
CNN_AVX512_INLINE void epilogue(const __m512 (&acc)[kMR * kNV], float* c, int ldc, float alpha,
                                float beta, const float* bias, bool relu) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta), zero = _mm512_setzero_ps();
  // Unrolled, so the accumulators stay in registers (an array indexed at run time lives in memory).
#pragma GCC unroll 32
  for (int r = 0; r < kMR; ++r, c += ldc) {
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) {
      __m512 out;
      if (beta != 0.0f) {
        out = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16 * v), _mm512_mul_ps(va, acc[r * kNV + v]));
        if (bias) out = _mm512_add_ps(out, _mm512_loadu_ps(bias + 16 * v));
      } else if (bias) {
        out = _mm512_fmadd_ps(va, acc[r * kNV + v], _mm512_loadu_ps(bias + 16 * v));
      } else {
        out = _mm512_mul_ps(va, acc[r * kNV + v]);
      }
      // maskz with a full mask is max_ps; GCC 12's max_ps trips -Wmaybe-uninitialized in its
      // header.
      if (relu) out = _mm512_maskz_max_ps(0xFFFF, out, zero);
      _mm512_storeu_ps(c + 16 * v, out);
    }
  }
}

// kc steps of: kNV loads of B, kMR broadcasts of A, kMR * kNV FMAs, always in k order.
CNN_AVX512 void micro_kernel(int kc, const float* a, int a_rs, int a_ks, const float* b, int b_ks,
                             float* C, int ldc, int mr, int nr, float alpha, float beta,
                             const float* bias, bool relu) {
  __m512 acc[kMR * kNV];
  // Unrolled: as a loop, GCC turns this into a memset, and the array then lives in memory.
#pragma GCC unroll 64
  for (int i = 0; i < kMR * kNV; ++i) acc[i] = _mm512_setzero_ps();
  if (a_rs == 1) {  // packed sliver (a_ks = kMR) or transposed A in place (a_ks = lda)
    for (int k = 0; k < kc; ++k, a += a_ks, b += b_ks) {
      __m512 bv[kNV];
      for (int v = 0; v < kNV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
      for (int r = 0; r < kMR; ++r) {
        const __m512 av = _mm512_set1_ps(a[r]);
        for (int v = 0; v < kNV; ++v)
          acc[r * kNV + v] = _mm512_fmadd_ps(av, bv[v], acc[r * kNV + v]);
      }
    }
  } else {  // untransposed A in place: rows a_rs apart, depth contiguous (a_ks = 1)
    const float* rows[kMR];
    for (int r = 0; r < kMR; ++r) rows[r] = a + static_cast<int64_t>(r) * a_rs;
    for (int k = 0; k < kc; ++k, b += b_ks) {
      __m512 bv[kNV];
      for (int v = 0; v < kNV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
      for (int r = 0; r < kMR; ++r) {
        const __m512 av = _mm512_set1_ps(rows[r][static_cast<int64_t>(k) * a_ks]);
        for (int v = 0; v < kNV; ++v)
          acc[r * kNV + v] = _mm512_fmadd_ps(av, bv[v], acc[r * kNV + v]);
      }
    }
  }
  if (mr == kMR && nr == kNR) {
    epilogue(acc, C, ldc, alpha, beta, bias, relu);
    return;
  }
  // Edge tile: the valid part of C (and of bias) in a zero-padded copy, the same epilogue, then
  // the valid part back.
  alignas(64) float tile[kMR][kNR] = {};
  alignas(64) float bias_tile[kNR] = {};
  if (beta != 0.0f)
    for (int r = 0; r < mr; ++r)
      std::memcpy(tile[r], C + static_cast<int64_t>(r) * ldc, sizeof(float) * nr);
  if (bias) std::memcpy(bias_tile, bias, sizeof(float) * nr);
  epilogue(acc, &tile[0][0], kNR, alpha, beta, bias ? bias_tile : nullptr, relu);
  for (int r = 0; r < mr; ++r)
    std::memcpy(C + static_cast<int64_t>(r) * ldc, tile[r], sizeof(float) * nr);
}

}  // namespace

bool supported() { return __builtin_cpu_supports("avx512f"); }

size_t gemm_workspace(const GemmParams& p) { return blocked::workspace<kMR, kNR>(p); }

void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  blocked::gemm<kMR, kNR, CNN_AVX512_DIRECT>(p, A, B, C, workspace, micro_kernel);
}

}  // namespace cnn::kernels::avx512

#else  // not x86: never selected (supported() is false); the calls still work, as generic.

namespace cnn::kernels::avx512 {

bool supported() { return false; }
size_t gemm_workspace(const GemmParams& p) { return generic::gemm_workspace(p); }
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  generic::gemm_ws(p, A, B, C, workspace);
}

}  // namespace cnn::kernels::avx512

#endif
