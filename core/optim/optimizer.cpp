// Update rules for SGD, Adam and RMSprop over flat arrays (see optimizer.h for the formulas).
#include "core/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel/thread_pool.h"

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

namespace {

// Elements per chunk: small enough for a stack copy of the old values, large enough that handing
// out a chunk costs nothing next to its arithmetic.
constexpr int64_t kChunk = 4096;

// Runs f(begin, end, &sums) over the chunks of [0, n) on the threads and adds the chunks' sums in
// chunk order.
template <class F>
UpdateSums chunked(int64_t n, F&& f) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  if (chunks <= 1) {
    UpdateSums s;
    if (n > 0) f(int64_t{0}, n, &s);
    return s;
  }
  std::vector<UpdateSums> part(static_cast<size_t>(chunks));
  parallel::for_each(static_cast<int>(chunks), [&](int c, int) {
    f(c * kChunk, std::min(n, (c + 1) * kChunk), &part[static_cast<size_t>(c)]);
  });
  UpdateSums total;
  for (const UpdateSums& s : part) {
    total.update_sq += s.update_sq;
    total.weight_sq += s.weight_sq;
    total.finite = total.finite && s.finite;
  }
  return total;
}

}  // namespace

UpdateSums optimizer_update_measured(const OptimizerConfig& c, int64_t n, float* p, const float* g,
                                     float* m, float* v, int64_t t) {
  return chunked(n, [&](int64_t begin, int64_t end, UpdateSums* s) {
    float old[kChunk];
    const int64_t len = end - begin;
    std::copy(p + begin, p + end, old);
    optimizer_update(c, len, p + begin, g + begin, m ? m + begin : nullptr, v ? v + begin : nullptr,
                     t);
    double update_sq = 0, weight_sq = 0;
    bool finite = true;
    for (int64_t i = 0; i < len; ++i) {
      const float now = p[begin + i];
      const double d = static_cast<double>(now) - old[i];
      update_sq += d * d;
      weight_sq += static_cast<double>(old[i]) * old[i];
      finite = finite && std::isfinite(now);
    }
    *s = UpdateSums{update_sq, weight_sq, finite};
  });
}

UpdateSums add_weight_decay(float l2, int64_t n, const float* p, float* g) {
  return chunked(n, [&](int64_t begin, int64_t end, UpdateSums* s) {
    double sq = 0;
    bool finite = true;
    for (int64_t i = begin; i < end; ++i) {
      sq += static_cast<double>(p[i]) * p[i];
      g[i] += l2 * p[i];
      finite = finite && std::isfinite(g[i]);
    }
    s->weight_sq = sq;
    s->finite = finite;
  });
}

bool all_finite_threaded(int64_t n, const float* a) {
  return chunked(n,
                 [&](int64_t begin, int64_t end, UpdateSums* s) {
                   bool finite = true;
                   for (int64_t i = begin; i < end; ++i) finite = finite && std::isfinite(a[i]);
                   s->finite = finite;
                 })
      .finite;
}

}  // namespace cnn
