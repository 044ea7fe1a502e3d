// Update rules for SGD, Adam and RMSprop over flat arrays (see optimizer.h for the formulas).
#include "core/optim/optimizer.h"

#include <cmath>

namespace cnn {

int optimizer_slots(const OptimizerConfig& c) {
  if (c.type == "adam") return 2;
  if (c.type == "rmsprop") return 1;
  return c.momentum != 0.0f ? 1 : 0;
}

void optimizer_update(const OptimizerConfig& c, int64_t n, float* p, const float* g, float* m,
                      float* v, int64_t t) {
  const float lr = c.lr;
  if (c.type == "adam") {
    const float b1 = c.beta1, b2 = c.beta2, eps = c.epsilon;
    const double bc1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(t));
    const double bc2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(t));
    const float step = static_cast<float>(lr / bc1);
    const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
    for (int64_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      p[i] -= step * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
  } else if (c.type == "rmsprop") {
    const float rho = c.rho, eps = c.epsilon;
    for (int64_t i = 0; i < n; ++i) {
      m[i] = rho * m[i] + (1.0f - rho) * g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(m[i]) + eps);
    }
  } else if (c.momentum != 0.0f) {
    const float mu = c.momentum;
    for (int64_t i = 0; i < n; ++i) {
      m[i] = mu * m[i] + g[i];
      p[i] -= lr * (c.nesterov ? g[i] + mu * m[i] : m[i]);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
  }
}

}  // namespace cnn
