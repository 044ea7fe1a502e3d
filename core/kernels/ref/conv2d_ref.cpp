// Reference 2-D convolution (NHWC input, [KH, KW, C, K] weights): the plainest loop nest, the
// definition every fast variant is tested against and the fallback outside their envelopes.
// Not fast on purpose; start reading the core here.
#include <cassert>

#include "core/kernels/kernels.h"

namespace cnn::kernels::ref {

// input [N, H, W, C], weight [KH, KW, C, K], bias [K] -> output [N, OH, OW, K]
void conv2d_forward(const Conv2dParams& p, const float* input, const float* weight,
                    const float* bias, float* output) {
  assert(p.N > 0 && p.C > 0 && p.K > 0 && p.SH > 0 && p.SW > 0);
  for (int n = 0; n < p.N; ++n)
    for (int oy = 0; oy < p.OH; ++oy)
      for (int ox = 0; ox < p.OW; ++ox)
        for (int k = 0; k < p.K; ++k) {
          float sum = bias ? bias[k] : 0.0f;
          for (int ky = 0; ky < p.KH; ++ky) {
            const int iy = oy * p.SH - p.PT + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int kx = 0; kx < p.KW; ++kx) {
              const int ix = ox * p.SW - p.PL + kx;
              if (ix < 0 || ix >= p.W) continue;
              for (int c = 0; c < p.C; ++c)
                sum += input[((n * p.H + iy) * p.W + ix) * p.C + c] *
                       weight[((ky * p.KW + kx) * p.C + c) * p.K + k];
            }
          }
          output[((n * p.OH + oy) * p.OW + ox) * p.K + k] = p.relu && sum < 0.0f ? 0.0f : sum;
        }
}

// doutput [N, OH, OW, K], weight [KH, KW, C, K] -> dinput [N, H, W, C] (+=)
void conv2d_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                           float* dinput) {
  for (int n = 0; n < p.N; ++n)
    for (int oy = 0; oy < p.OH; ++oy)
      for (int ox = 0; ox < p.OW; ++ox)
        for (int k = 0; k < p.K; ++k) {
          const float g = doutput[((n * p.OH + oy) * p.OW + ox) * p.K + k];
          for (int ky = 0; ky < p.KH; ++ky) {
            const int iy = oy * p.SH - p.PT + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int kx = 0; kx < p.KW; ++kx) {
              const int ix = ox * p.SW - p.PL + kx;
              if (ix < 0 || ix >= p.W) continue;
              for (int c = 0; c < p.C; ++c)
                dinput[((n * p.H + iy) * p.W + ix) * p.C + c] +=
                    g * weight[((ky * p.KW + kx) * p.C + c) * p.K + k];
            }
          }
        }
}

// input [N, H, W, C], doutput [N, OH, OW, K] -> dweight [KH, KW, C, K] (+=), dbias [K] (+=)
void conv2d_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                            float* dweight, float* dbias) {
  for (int n = 0; n < p.N; ++n)
    for (int oy = 0; oy < p.OH; ++oy)
      for (int ox = 0; ox < p.OW; ++ox)
        for (int k = 0; k < p.K; ++k) {
          const float g = doutput[((n * p.OH + oy) * p.OW + ox) * p.K + k];
          if (dbias) dbias[k] += g;
          for (int ky = 0; ky < p.KH; ++ky) {
            const int iy = oy * p.SH - p.PT + ky;
            if (iy < 0 || iy >= p.H) continue;
            for (int kx = 0; kx < p.KW; ++kx) {
              const int ix = ox * p.SW - p.PL + kx;
              if (ix < 0 || ix >= p.W) continue;
              for (int c = 0; c < p.C; ++c)
                dweight[((ky * p.KW + kx) * p.C + c) * p.K + k] +=
                    g * input[((n * p.H + iy) * p.W + ix) * p.C + c];
            }
          }
        }
}

}  // namespace cnn::kernels::ref
