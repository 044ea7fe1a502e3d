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

// The maximum over one window, every group of 4 channels: `rel` holds the window's pixel offsets
// from `corner` in scan order (so ties keep the first maximum, as ref does), `rel_at` the same as
// index vectors (+ lanes). KK > 0 is the window's size known at compile time, 0 reads `count`.
template <int KK>
void max_window(const float* x, int32_t corner, int C, int count, const int32_t* rel,
                const int32_t* rel_at, float* out, int32_t* argmax) {
  const int kk = KK > 0 ? KK : count;
  for (int c = 0; c < C; c += 4) {
    const float* xc = x + corner + c;
    v128_t best = wasm_v128_load(xc + rel[0]);
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

// Lists the offsets of the pixels [y0, y1) x [x0, x1) from the corner (y0, x0) of an input W x C
// wide, with their index vectors; returns how many.
int list_window(int y0, int y1, int x0, int x1, int W, int C, int32_t* rel, int32_t* rel_at) {
  int count = 0;
  for (int iy = y0; iy < y1; ++iy)
    for (int ix = x0; ix < x1; ++ix, ++count) {
      rel[count] = ((iy - y0) * W + (ix - x0)) * C;
      for (int lane = 0; lane < 4; ++lane) rel_at[4 * count + lane] = rel[count] + lane;
    }
  return count;
}

}  // namespace

// input [N, H, W, C] -> output [N, OH, OW, C], argmax [N, OH, OW, C]
// A window wholly inside the input (every window of a VALID pooling) reads pixel offsets from its
// corner listed once per call; a window the edge clips lists its own. For each group of 4
// channels the maximum runs down the list, carrying the winning pixel's index, and the corner,
// channel and lane are added at the end.
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax) {
  assert(p.C % 4 == 0);
  const int64_t in_sample = static_cast<int64_t>(p.H) * p.W * p.C;
  const size_t most = static_cast<size_t>(p.KH) * p.KW;
  std::vector<int32_t> whole(most), whole_at(most * 4);  // a window inside the input
  std::vector<int32_t> clipped(most), clipped_at(most * 4);
  const int whole_count = list_window(0, p.KH, 0, p.KW, p.W, p.C, whole.data(), whole_at.data());
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
        const int32_t corner = (y0 * p.W + x0) * p.C;
        if (y1 - y0 == p.KH && x1 - x0 == p.KW) {
          if (whole_count == 4)  // 2x2, the common case: the window loop unrolled
            max_window<4>(x, corner, p.C, 4, whole.data(), whole_at.data(), output + o, argmax + o);
          else
            max_window<0>(x, corner, p.C, whole_count, whole.data(), whole_at.data(), output + o,
                          argmax + o);
          continue;
        }
        const int count = list_window(y0, y1, x0, x1, p.W, p.C, clipped.data(), clipped_at.data());
        max_window<0>(x, corner, p.C, count, clipped.data(), clipped_at.data(), output + o,
                      argmax + o);
      }
    }
  }
}

}  // namespace cnn::kernels::wasmsimd
