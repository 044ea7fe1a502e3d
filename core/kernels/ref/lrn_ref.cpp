// Reference local response normalisation across channels, as tf.nn.local_response_normalization:
//   s[c] = bias + alpha * sum_{c' = c-R .. c+R} x[c']^2,   y[c] = x[c] * s[c]^-beta
// Backward: dx[j] = dy[j] s[j]^-beta - 2 alpha beta x[j] sum_{c in N(j)} dy[c] x[c] s[c]^(-beta-1).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/kernels/kernels.h"

namespace cnn::kernels::ref {

// input [rows, C] -> output [rows, C], scale [rows, C]
void lrn_forward(const LrnParams& p, const float* input, float* output, float* scale) {
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* x = input + r * p.C;
    for (int c = 0; c < p.C; ++c) {
      float sum = 0.0f;
      const int lo = std::max(0, c - p.radius), hi = std::min(p.C - 1, c + p.radius);
      for (int j = lo; j <= hi; ++j) sum += x[j] * x[j];
      const float s = p.bias + p.alpha * sum;
      scale[r * p.C + c] = s;
      output[r * p.C + c] = x[c] * std::pow(s, -p.beta);
    }
  }
}

// input, scale, doutput [rows, C] -> dinput [rows, C] (+=)
void lrn_backward(const LrnParams& p, const float* input, const float* scale, const float* doutput,
                  float* dinput) {
  // t[c] = dy[c] x[c] s[c]^(-beta-1), once per channel rather than once per neighbour.
  std::vector<float> t(static_cast<size_t>(p.C));
  for (int64_t r = 0; r < p.rows; ++r) {
    const float* x = input + r * p.C;
    const float* s = scale + r * p.C;
    const float* dy = doutput + r * p.C;
    for (int c = 0; c < p.C; ++c) t[c] = dy[c] * x[c] * std::pow(s[c], -p.beta - 1.0f);
    for (int j = 0; j < p.C; ++j) {
      float cross = 0.0f;
      const int lo = std::max(0, j - p.radius), hi = std::min(p.C - 1, j + p.radius);
      for (int c = lo; c <= hi; ++c) cross += t[c];
      dinput[r * p.C + j] +=
          dy[j] * std::pow(s[j], -p.beta) - 2.0f * p.alpha * p.beta * x[j] * cross;
    }
  }
}

}  // namespace cnn::kernels::ref
