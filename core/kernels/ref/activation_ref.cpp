// Reference activations and the fused softmax + cross-entropy loss. Backward passes are written in
// terms of the forward output y, so layers keep only their outputs.
#include <algorithm>
#include <cmath>

#include "core/kernels/kernels.h"

namespace cnn::kernels::ref {

// x [n] -> y [n]; softmax over consecutive rows of `cols`
void activation_forward(Activation a, int64_t n, int cols, const float* x, float* y) {
  switch (a) {
    case Activation::kLinear:
      std::copy(x, x + n, y);
      break;
    case Activation::kRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
      break;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
      break;
    case Activation::kSoftmax:
      for (int64_t r = 0; r < n / cols; ++r) {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        const float mx = *std::max_element(xr, xr + cols);
        float sum = 0.0f;
        for (int j = 0; j < cols; ++j) sum += (yr[j] = std::exp(xr[j] - mx));
        for (int j = 0; j < cols; ++j) yr[j] /= sum;
      }
      break;
  }
}

// y, dy [n] -> dx [n] (+=)
void activation_backward(Activation a, int64_t n, int cols, const float* y, const float* dy,
                         float* dx) {
  switch (a) {
    case Activation::kLinear:
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i];
      break;
    case Activation::kRelu:
      for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dx[i] += y[i] > 0.0f ? g : 0.0f;
      }
      break;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
      break;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
      break;
    case Activation::kSoftmax:
      for (int64_t r = 0; r < n / cols; ++r) {
        const float* yr = y + r * cols;
        const float* gr = dy + r * cols;
        float dot = 0.0f;
        for (int j = 0; j < cols; ++j) dot += gr[j] * yr[j];
        for (int j = 0; j < cols; ++j) dx[r * cols + j] += yr[j] * (gr[j] - dot);
      }
      break;
  }
}

// y, dy [n] -> dz [n] (overwritten)
void activation_gradient(Activation a, int64_t n, int cols, const float* y, const float* dy,
                         float* dz) {
  switch (a) {
    case Activation::kRelu:  // the hot case: dy is read unconditionally so the select vectorises
      for (int64_t i = 0; i < n; ++i) {
        const float g = dy[i];
        dz[i] = y[i] > 0.0f ? g : 0.0f;
      }
      return;
    case Activation::kTanh:
      for (int64_t i = 0; i < n; ++i) dz[i] = dy[i] * (1.0f - y[i] * y[i]);
      return;
    case Activation::kSigmoid:
      for (int64_t i = 0; i < n; ++i) dz[i] = dy[i] * y[i] * (1.0f - y[i]);
      return;
    default:
      std::fill(dz, dz + n, 0.0f);
      activation_backward(a, n, cols, y, dy, dz);
  }
}

// logits [N, C], labels [N] -> probs [N, C], dlogits [N, C] (overwritten); returns mean loss
double softmax_cross_entropy(int N, int C, const float* logits, const uint8_t* labels, float* probs,
                             float* dlogits, float scale) {
  double total = 0.0;
  for (int n = 0; n < N; ++n) {
    const float* z = logits + n * C;
    float* p = probs + n * C;
    const float mx = *std::max_element(z, z + C);
    double sum = 0.0;
    for (int j = 0; j < C; ++j) sum += std::exp(static_cast<double>(z[j] - mx));
    const double log_sum = std::log(sum);
    for (int j = 0; j < C; ++j) p[j] = static_cast<float>(std::exp(z[j] - mx - log_sum));
    // -log p[label] computed from the logits directly, so a tiny probability does not give inf.
    total += log_sum - static_cast<double>(z[labels[n]] - mx);
    if (dlogits)
      for (int j = 0; j < C; ++j)
        dlogits[n * C + j] = (p[j] - (j == labels[n] ? 1.0f : 0.0f)) * scale;
  }
  return N ? total / N : 0.0;
}

}  // namespace cnn::kernels::ref
