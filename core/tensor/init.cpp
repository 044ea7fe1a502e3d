// Initialiser implementations (formulas in init.h).
#include "core/tensor/init.h"

#include <cmath>

namespace cnn {
namespace {
float truncated(Rng& rng, double stddev) {
  for (;;) {
    const double z = rng.normal();
    if (std::fabs(z) <= 2.0) return static_cast<float>(z * stddev);
  }
}
}  // namespace

void init_fill(const InitSpec& init, int64_t fan_in, int64_t fan_out, float* out, int64_t n,
               Rng& rng) {
  const std::string& t = init.type;
  if (t == "zeros" || t == "constant") {
    const float v = t == "zeros" ? 0.0f : init.value;
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  } else if (t == "glorot_uniform" || t == "uniform_scaling") {
    const double limit = t == "glorot_uniform"
                             ? std::sqrt(6.0 / static_cast<double>(fan_in + fan_out))
                             : init.factor * std::sqrt(3.0 / static_cast<double>(fan_in));
    for (int64_t i = 0; i < n; ++i)
      out[i] = rng.uniform(static_cast<float>(-limit), static_cast<float>(limit));
  } else if (t == "he_normal") {
    const double s = std::sqrt(2.0 / static_cast<double>(fan_in)) / 0.87962566103423978;
    for (int64_t i = 0; i < n; ++i) out[i] = truncated(rng, s);
  } else if (t == "truncated_normal") {
    for (int64_t i = 0; i < n; ++i) out[i] = truncated(rng, init.stddev);
  } else {  // normal
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(rng.normal() * init.stddev);
  }
}

}  // namespace cnn
