// GEMM micro-kernel in wasm SIMD128 (4-wide f32): an MR x (4 NV) register tile of MR*NV vector
// accumulators over the shared driver (gemm_blocked.h), reading A and B in place (packing them
// cost as much as using them, since conv layers have a narrow N and inference a batch of 1). The
// 2 x 16 tile keeps 8 accumulators, below the 12 at which V8 starts spilling registers, and
// measured fastest of 2x16, 3x16, 4x8, 5x8 and 6x8; mul + add (no relaxed-SIMD FMA with this
// toolchain). Bias and ReLU are applied as the tile is stored.
#include <algorithm>

#include "core/kernels/gemm_blocked.h"
#include "core/kernels/wasmsimd/tile.h"

namespace cnn::kernels::wasmsimd {
namespace {

// MR rows x NV vectors. kc iterations of: NV loads of B, MR broadcasts of A, MR*NV mul + add.
// (NR is 4 * NV; B rows are b_ks floats apart.)
template <int MR, int NV>
void micro_kernel(int kc, const float* a, int a_rs, int a_ks, const float* b, int b_ks, float* C,
                  int ldc, int mr, int nr, float alpha, float beta, const float* bias, bool relu) {
  Tile<MR, NV> t;
  if (a_rs == 1 && a_ks == MR) {  // packed sliver: one pointer
    for (int k = 0; k < kc; ++k, a += MR, b += b_ks) t.step(a, 1, b);
  } else {  // A in place: rows a_rs apart, depth a_ks apart
    for (int k = 0; k < kc; ++k, a += a_ks, b += b_ks) t.step(a, a_rs, b);
  }
  t.store(C, ldc, mr, nr, alpha, beta, bias, relu);
}

}  // namespace

// The tile, overridable on the command line to compare tiles with bench/kernel_bench.cpp. A GEMM
// at most 8 columns wide (a conv layer of <= 8 filters: forward, and backward-weight's dW) takes
// a 4 x 8 tile instead, where 2 x 16 would compute half a tile of padding and pack all of B. Each
// element's value is the same in either tile (tile.h), so the choice changes no bit.
#ifndef CNN_WASMSIMD_MR
#define CNN_WASMSIMD_MR 2
#define CNN_WASMSIMD_NV 4
#define CNN_WASMSIMD_DIRECT true
#endif
constexpr int kMR = CNN_WASMSIMD_MR;
constexpr int kNV = CNN_WASMSIMD_NV;
constexpr int kNR = 4 * kNV;
constexpr int kNarrowMR = 4, kNarrowNV = 2, kNarrowNR = 4 * kNarrowNV;

// Sized for either tile: a share of a split GEMM may be narrow where the whole one is not.
size_t gemm_workspace(const GemmParams& p) {
  return std::max(blocked::workspace<kMR, kNR>(p), blocked::workspace<kNarrowMR, kNarrowNR>(p));
}

void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace) {
  if (p.N <= kNarrowNR && kNR > kNarrowNR)
    blocked::gemm<kNarrowMR, kNarrowNR, CNN_WASMSIMD_DIRECT>(p, A, B, C, workspace,
                                                             micro_kernel<kNarrowMR, kNarrowNV>);
  else
    blocked::gemm<kMR, kNR, CNN_WASMSIMD_DIRECT>(p, A, B, C, workspace, micro_kernel<kMR, kNV>);
}

}  // namespace cnn::kernels::wasmsimd
