// Max pooling forward in wasm SIMD128, vectorised over channels (NHWC keeps 4 channels of one
// pixel adjacent). Envelope: C % 4 == 0. The window is clipped once per output pixel, and the
// first maximum wins exactly as in ref (strict >, so NaN never replaces a value). Backward is the
// ref scatter through the argmax indices.
#include <algorithm>
#include <cassert>
#include <vector>

#include "core/kernels/kernels.h"
#include "core/kernels/wasmsimd/simd128.h"

namespace cnn::kernels::wasmsimd {

bool maxpool2d_fits(const Pool2dParams& p) { return p.C % 4 == 0; }

namespace {

// One window wholly inside the input, every group of 4 channels: `rel` holds its pixels' offsets
// from the corner in scan order, `rel_at` the same as index vectors (+ lanes). KK > 0 is the
// window's size known at compile time, 0 reads it from `whole`.
template <int KK>
void max_inside(const float* x, int32_t corner, int C, int whole, const int32_t* rel,
                const int32_t* rel_at, float* out, int32_t* argmax) {
  const int kk = KK > 0 ? KK : whole;
  for (int c = 0; c < C; c += 4) {
    const float* xc = x + corner + c;
    v128_t best = wasm_v128_load(xc);
    v128_t best_at = wasm_v128_load(rel_at);
    for (int k = 1; k < kk; ++k) {
      const v128_t v = wasm_v128_load(xc + rel[k]);
      const v128_t gt = wasm_f32x4_gt(v, best);
      best = wasm_v128_bitselect(v, best, gt);
      best_at = wasm_v128_bitselect(wasm_v128_load(rel_at + 4 * k), best_at, gt);
    }
    wasm_v128_store(out + c, best);
    wasm_v128_store(argmax + c, wasm_i32x4_add(best_at, wasm_i32x4_splat(corner + c)));
  }
}

}  // namespace

// input [N, H, W, C] -> output [N, OH, OW, C], argmax [N, OH, OW, C]
// A window wholly inside the input (every window of a VALID pooling) reads the same pixel offsets
// from its corner, listed once per call, with their index vectors; a window the edge clips lists
// its own per output pixel. For each group of 4 channels the maximum runs down the list in scan
// order, carrying the winning pixel's index, and the corner, channel and lane are added at the end.
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax) {
  assert(p.C % 4 == 0);
  const int64_t in_sample = static_cast<int64_t>(p.H) * p.W * p.C;
  const v128_t lanes = wasm_i32x4_make(0, 1, 2, 3);
  std::vector<int32_t> offsets(static_cast<size_t>(p.KH) * p.KW);
  std::vector<int32_t> offsets4(offsets.size() * 4);  // each offset 4 times: one vector load
  const int whole = p.KH * p.KW;                      // a window inside the input, from its corner:
  std::vector<int32_t> rel(offsets.size());           //   pixel offsets
  std::vector<int32_t> rel_at(offsets.size() * 4);    //   and their indices + lanes, a vector each
  for (int ky = 0; ky < p.KH; ++ky)
    for (int kx = 0; kx < p.KW; ++kx) {
      const int k = ky * p.KW + kx;
      rel[k] = (ky * p.W + kx) * p.C;
      for (int lane = 0; lane < 4; ++lane) rel_at[4 * k + lane] = rel[k] + lane;
    }
  for (int n = 0; n < p.N; ++n) {
    const float* x = input + n * in_sample;
    for (int oy = 0; oy < p.OH; ++oy) {
      const int y0 = std::max(0, oy * p.SH - p.PT), y1 = std::min(p.H, oy * p.SH - p.PT + p.KH);
      for (int ox = 0; ox < p.OW; ++ox) {
        const int x0 = std::max(0, ox * p.SW - p.PL), x1 = std::min(p.W, ox * p.SW - p.PL + p.KW);
        const int64_t o = ((static_cast<int64_t>(n) * p.OH + oy) * p.OW + ox) * p.C;
        if (y0 >= y1 || x0 >= x1) {  // the window holds only padding
          for (int c = 0; c < p.C; ++c) {
            output[o + c] = 0.0f;
            argmax[o + c] = -1;
          }
          continue;
        }
        if (y1 - y0 == p.KH && x1 - x0 == p.KW) {
          const int32_t corner = (y0 * p.W + x0) * p.C;
          if (whole == 4)  // 2x2, the common case: the window loop unrolled
            max_inside<4>(x, corner, p.C, whole, rel.data(), rel_at.data(), output + o, argmax + o);
          else
            max_inside<0>(x, corner, p.C, whole, rel.data(), rel_at.data(), output + o, argmax + o);
          continue;
        }
        int count = 0;  // in scan order, so ties keep the first maximum as ref does
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) {
            offsets[count] = (iy * p.W + ix) * p.C;
            std::fill_n(&offsets4[4 * count], 4, offsets[count]);
            ++count;
          }
        for (int c = 0; c < p.C; c += 4) {
          const float* xc = x + c;
          v128_t best = wasm_v128_load(xc + offsets[0]);
          v128_t best_at = wasm_v128_load(&offsets4[0]);
          for (int k = 1; k < count; ++k) {
            const v128_t v = wasm_v128_load(xc + offsets[k]);
            const v128_t gt = wasm_f32x4_gt(v, best);
            best = wasm_v128_bitselect(v, best, gt);
            best_at = wasm_v128_bitselect(wasm_v128_load(&offsets4[4 * k]), best_at, gt);
          }
          wasm_v128_store(output + o + c, best);
          wasm_v128_store(argmax + o + c,
                          wasm_i32x4_add(best_at, wasm_i32x4_add(wasm_i32x4_splat(c), lanes)));
        }
      }
    }
  }
}

}  // namespace cnn::kernels::wasmsimd
