// Max pooling forward in portable C++, for any channel count: the window is clipped once per
// output pixel, and the running maximum and its index are updated with selects over a row of
// channels (NHWC keeps them adjacent), which the compiler turns into vector compares and blends.
// ref's per-element branch is unpredictable on real activations and costs several times more.
// The first maximum wins exactly as in ref (strict >, so NaN never replaces a value).
#include <algorithm>
#include <cmath>

#include "core/kernels/kernels.h"

namespace cnn::kernels::generic {

bool maxpool2d_fits(const Pool2dParams&) { return true; }

// input [N, H, W, C] -> output [N, OH, OW, C], argmax [N, OH, OW, C] (indices within a sample)
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax) {
  const int64_t in_sample = static_cast<int64_t>(p.H) * p.W * p.C;
  const int C = p.C;
  for (int n = 0; n < p.N; ++n) {
    const float* x = input + n * in_sample;
    for (int oy = 0; oy < p.OH; ++oy) {
      const int y0 = std::max(0, oy * p.SH - p.PT), y1 = std::min(p.H, oy * p.SH - p.PT + p.KH);
      for (int ox = 0; ox < p.OW; ++ox) {
        const int x0 = std::max(0, ox * p.SW - p.PL), x1 = std::min(p.W, ox * p.SW - p.PL + p.KW);
        const int64_t o = ((static_cast<int64_t>(n) * p.OH + oy) * p.OW + ox) * C;
        float* __restrict best = output + o;
        int32_t* __restrict best_i = argmax + o;
        if (y0 >= y1 || x0 >= x1) {  // the window holds only padding
          std::fill(best, best + C, 0.0f);
          std::fill(best_i, best_i + C, -1);
          continue;
        }
        const int32_t first = (y0 * p.W + x0) * C;
        for (int c = 0; c < C; ++c) {
          best[c] = x[first + c];
          best_i[c] = first + c;
        }
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = (iy == y0 ? x0 + 1 : x0); ix < x1; ++ix) {
            const int32_t i = (iy * p.W + ix) * C;
            const float* __restrict v = x + i;
            for (int c = 0; c < C; ++c) {  // plain loads and selects: no branch to predict
              const float a = v[c], b = best[c];
              const int32_t j = best_i[c];
              const bool gt =
                  std::isgreater(a, b);  // a quiet compare, which the vectoriser accepts
              best[c] = gt ? a : b;
              best_i[c] = gt ? i + c : j;
            }
          }
      }
    }
  }
}

}  // namespace cnn::kernels::generic
