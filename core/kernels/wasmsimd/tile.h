// The register tile shared by the SIMD128 GEMM and the direct convolution: MR rows x NV vectors
// of accumulators, and their store with the epilogue. Internal to core/kernels/wasmsimd.
#pragma once

#include "core/kernels/wasmsimd/simd128.h"

// Always inlined: a call that takes the tile's address pins its accumulators in memory, and a
// kernel whose depth loop is a nest (the direct convolution's kernel rows) then stored all of them
// after every step instead of keeping them in registers.
#define CNN_TILE_INLINE __attribute__((always_inline)) inline

namespace cnn::kernels::wasmsimd {

template <int MR, int NV>
struct Tile {
  v128_t acc[MR][NV];
  Tile() {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_splat(0.0f);
  }
  // acc[r] += a(r) * b for one depth step: b holds NV vectors, a(r) = a[r * a_rs].
  CNN_TILE_INLINE void step(const float* a, int a_rs, const float* b) {
    v128_t bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = wasm_v128_load(b + 4 * v);
    for (int r = 0; r < MR; ++r) {
      const v128_t av = wasm_v128_load32_splat(a + r * a_rs);
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(av, bv[v]));
    }
  }
  // C[mr, nr] = alpha acc + beta C, then + bias[c] (bias not null) and max(0, .) (relu).
  CNN_TILE_INLINE void store(float* C, int ldc, int mr, int nr, float alpha, float beta,
                             const float* bias, bool relu) const {
    constexpr int NR = 4 * NV;
    const v128_t va = wasm_f32x4_splat(alpha), vb = wasm_f32x4_splat(beta);
    if (mr == MR && nr == NR) {
      for (int r = 0; r < MR; ++r) {
        float* cr = C + r * ldc;
        for (int v = 0; v < NV; ++v) {
          v128_t out = wasm_f32x4_mul(va, acc[r][v]);
          if (beta != 0.0f)
            out = wasm_f32x4_add(out, wasm_f32x4_mul(vb, wasm_v128_load(cr + 4 * v)));
          if (bias) out = wasm_f32x4_add(out, wasm_v128_load(bias + 4 * v));
          if (relu) out = wasm_f32x4_pmax(out, wasm_f32x4_splat(0.0f));
          wasm_v128_store(cr + 4 * v, out);
        }
      }
      return;
    }
    // Edge tile: spill the accumulators and store the valid part with scalar code doing exactly
    // the full tile's operations in its order (no "+ 0" when beta is 0, which would turn -0 into
    // +0), so an element's bits never depend on its place in a tile or on the tile's shape:
    // threads split work anywhere, and every tile shape gives the same results.
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
};

}  // namespace cnn::kernels::wasmsimd
