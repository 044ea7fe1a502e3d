// Reference max and average pooling (NHWC). Windows are clipped to the input: padding never wins a
// max and is never counted in an average (TensorFlow's semantics for SAME pooling).
#include <cassert>
#include <limits>

#include "core/kernels/kernels.h"

namespace cnn::kernels::ref {

// input [N, H, W, C] -> output [N, OH, OW, C], argmax [N, OH, OW, C] (index into the sample, -1 if
// the window holds no input pixel)
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax) {
  assert(p.KH > 0 && p.KW > 0 && p.SH > 0 && p.SW > 0);
  const int64_t in_sample = static_cast<int64_t>(p.H) * p.W * p.C;
  for (int n = 0; n < p.N; ++n) {
    const float* x = input + n * in_sample;
    for (int oy = 0; oy < p.OH; ++oy)
      for (int ox = 0; ox < p.OW; ++ox)
        for (int c = 0; c < p.C; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          int32_t best_i = -1;
          for (int ky = 0; ky < p.KH; ++ky) {
            const int iy = oy * p.SH - p.PT + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int kx = 0; kx < p.KW; ++kx) {
              const int ix = ox * p.SW - p.PL + kx;
              if (ix < 0 || ix >= p.W) continue;
              const int32_t i = (iy * p.W + ix) * p.C + c;
              // Strict > keeps the first maximum; NaN never wins but a window of NaNs keeps index
              // 0.
              if (best_i < 0 || x[i] > best) {
                best = x[i];
                best_i = i;
              }
            }
          }
          const int64_t o = ((static_cast<int64_t>(n) * p.OH + oy) * p.OW + ox) * p.C + c;
          output[o] = best_i < 0 ? 0.0f : best;
          argmax[o] = best_i;
        }
  }
}

// doutput [N, OH, OW, C], argmax -> dinput [N, H, W, C] (+=)
void maxpool2d_backward(const Pool2dParams& p, const float* doutput, const int32_t* argmax,
                        float* dinput) {
  const int64_t in_sample = static_cast<int64_t>(p.H) * p.W * p.C;
  const int64_t out_sample = static_cast<int64_t>(p.OH) * p.OW * p.C;
  for (int n = 0; n < p.N; ++n)
    for (int64_t o = 0; o < out_sample; ++o) {
      const int32_t i = argmax[n * out_sample + o];
      if (i >= 0) dinput[n * in_sample + i] += doutput[n * out_sample + o];
    }
}

namespace {
// Number of input pixels under the window at (oy, ox).
int window_count(const Pool2dParams& p, int oy, int ox) {
  int rows = 0, cols = 0;
  for (int ky = 0; ky < p.KH; ++ky) {
    const int iy = oy * p.SH - p.PT + ky;
    rows += (iy >= 0 && iy < p.H);
  }
  for (int kx = 0; kx < p.KW; ++kx) {
    const int ix = ox * p.SW - p.PL + kx;
    cols += (ix >= 0 && ix < p.W);
  }
  return rows * cols;
}
}  // namespace

// input [N, H, W, C] -> output [N, OH, OW, C]
void avgpool2d_forward(const Pool2dParams& p, const float* input, float* output) {
  for (int n = 0; n < p.N; ++n)
    for (int oy = 0; oy < p.OH; ++oy)
      for (int ox = 0; ox < p.OW; ++ox) {
        const int count = window_count(p, oy, ox);
        for (int c = 0; c < p.C; ++c) {
          float sum = 0.0f;
          for (int ky = 0; ky < p.KH; ++ky) {
            const int iy = oy * p.SH - p.PT + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int kx = 0; kx < p.KW; ++kx) {
              const int ix = ox * p.SW - p.PL + kx;
              if (ix < 0 || ix >= p.W) continue;
              sum += input[((n * p.H + iy) * p.W + ix) * p.C + c];
            }
          }
          output[((n * p.OH + oy) * p.OW + ox) * p.C + c] = count ? sum / count : 0.0f;
        }
      }
}

// doutput [N, OH, OW, C] -> dinput [N, H, W, C] (+=)
void avgpool2d_backward(const Pool2dParams& p, const float* doutput, float* dinput) {
  for (int n = 0; n < p.N; ++n)
    for (int oy = 0; oy < p.OH; ++oy)
      for (int ox = 0; ox < p.OW; ++ox) {
        const int count = window_count(p, oy, ox);
        if (!count) continue;
        for (int c = 0; c < p.C; ++c) {
          const float g = doutput[((n * p.OH + oy) * p.OW + ox) * p.C + c] / count;
          for (int ky = 0; ky < p.KH; ++ky) {
            const int iy = oy * p.SH - p.PT + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int kx = 0; kx < p.KW; ++kx) {
              const int ix = ox * p.SW - p.PL + kx;
              if (ix < 0 || ix >= p.W) continue;
              dinput[((n * p.H + iy) * p.W + ix) * p.C + c] += g;
            }
          }
        }
      }
}

}  // namespace cnn::kernels::ref
