// GEMM micro-kernel in wasm SIMD128 (4-wide f32): an MR x (4 NV) register tile of MR*NV vector
// accumulators over the shared driver (gemm_blocked.h), reading A and B in place (packing them
// cost as much as using them, since conv layers have a narrow N and inference a batch of 1). The
// 2 x 16 tile keeps 8 accumulators, below the 12 at which V8 starts spilling registers, and
// measured fastest of 2x16, 3x16, 4x8, 5x8 and 6x8; mul + add (no relaxed-SIMD FMA with this
// toolchain). Bias and ReLU are applied as the tile is stored.
#include "core/kernels/gemm_blocked.h"
#include "core/kernels/wasmsimd/simd128.h"

namespace cnn::kernels::wasmsimd {
namespace {

// MR rows x NV vectors. kc iterations of: NV loads of B, MR broadcasts of A, MR*NV mul + add.
// (NR is 4 * NV; B rows are b_ks floats apart.)
template <int MR, int NV>
void micro_kernel(int kc, const float* a, int a_rs, int a_ks, const float* b, int b_ks, float* C,
                  int ldc, int mr, int nr, float alpha, float beta, const float* bias, bool relu) {
  constexpr int NR = 4 * NV;
  static_assert(NR % 4 == 0, "whole vectors");
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_splat(0.0f);
  if (a_rs == 1 && a_ks == MR) {  // packed sliver: one pointer
    for (int k = 0; k < kc; ++k, a += MR, b += b_ks) {
      v128_t bv[NV];
      for (int v = 0; v < NV; ++v) bv[v] = wasm_v128_load(b + 4 * v);
      for (int r = 0; r < MR; ++r) {
        const v128_t av = wasm_v128_load32_splat(a + r);
        for (int v = 0; v < NV; ++v)
          acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(av, bv[v]));
      }
    }
  } else {  // A in place: rows a_rs apart, depth a_ks apart
    for (int k = 0; k < kc; ++k, a += a_ks, b += b_ks) {
      v128_t bv[NV];
      for (int v = 0; v < NV; ++v) bv[v] = wasm_v128_load(b + 4 * v);
      const float* ar = a;
      for (int r = 0; r < MR; ++r, ar += a_rs) {
        const v128_t av = wasm_v128_load32_splat(ar);
        for (int v = 0; v < NV; ++v)
          acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(av, bv[v]));
      }
    }
  }
  const v128_t va = wasm_f32x4_splat(alpha), vb = wasm_f32x4_splat(beta);
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; ++r) {
      float* cr = C + r * ldc;
      for (int v = 0; v < NV; ++v) {
        v128_t out = wasm_f32x4_mul(va, acc[r][v]);
        if (beta != 0.0f) out = wasm_f32x4_add(out, wasm_f32x4_mul(vb, wasm_v128_load(cr + 4 * v)));
        if (bias) out = wasm_f32x4_add(out, wasm_v128_load(bias + 4 * v));
        if (relu) out = wasm_f32x4_pmax(out, wasm_f32x4_splat(0.0f));
        wasm_v128_store(cr + 4 * v, out);
      }
    }
    return;
  }
  // Edge tile: spill the accumulators and store the valid part with scalar code doing exactly the
  // full tile's operations in its order (no "+ 0" when beta is 0, which would turn -0 into +0), so
  // an element's bits never depend on its place in a tile: threads split GEMMs anywhere.
  float tile[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) wasm_v128_store(&tile[r][4 * v], acc[r][v]);
  for (int r = 0; r < mr; ++r) {
    float* cr = C + r * ldc;
    for (int c = 0; c < nr; ++c) {
      float out = alpha * tile[r][c];
      if (beta != 0.0f) out += beta * cr[c];
      if (bias) out += bias[c];
      cr[c] = relu && out < 0.0f ? 0.0f : out;
    }
  }
}

}  // namespace

// The tile, overridable on the command line to compare tiles with bench/kernel_bench.cpp.
#ifndef CNN_WASMSIMD_MR
#define CNN_WASMSIMD_MR 2
#define CNN_WASMSIMD_NV 4
#define CNN_WASMSIMD_DIRECT true
#endif
constexpr int kMR = CNN_WASMSIMD_MR;
constexpr int kNV = CNN_WASMSIMD_NV;
constexpr int kNR = 4 * kNV;

size_t gemm_workspace(const GemmParams& p) { return blocked::workspace<kMR, kNR>(p); }

void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  blocked::gemm<kMR, kNR, CNN_WASMSIMD_DIRECT>(p, A, B, C, workspace, micro_kernel<kMR, kNV>);
}

}  // namespace cnn::kernels::wasmsimd
