// Update rules for SGD, Adam and RMSprop over flat arrays (see optimizer.h for the formulas).
#include "core/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel/thread_pool.h"
#include "core/tensor/tensor.h"

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

struct ChunkSums {
  double decay_sq = 0;
  bool grad_finite = true;
  UpdateSums update;
};

void update_chunk(const OptimizerConfig& c, int64_t t, const ParamUpdate& u, int64_t begin,
                  int64_t end, ChunkSums* s) {
  const int64_t len = end - begin;
  float* g = u.g + begin;
  const float* p = u.p + begin;
  for (const auto& [dst, src] : u.adds) {
    float* d = dst + begin;
    const float* a = src + begin;
    for (int64_t i = 0; i < len; ++i) d[i] += a[i];
  }
  bool grad_finite = true;
  if (u.l2 > 0.0f) {
    double sq = 0;
    for (int64_t i = 0; i < len; ++i) {
      sq += static_cast<double>(p[i]) * p[i];
      g[i] += u.l2 * p[i];
      grad_finite = grad_finite && std::isfinite(g[i]);
    }
    s->decay_sq = sq;
  } else {
    grad_finite = all_finite(g, len);
  }
  s->grad_finite = grad_finite;
  float old[kChunk];
  std::copy(p, p + len, old);
  optimizer_update(c, len, u.p + begin, g, u.m ? u.m + begin : nullptr, u.v ? u.v + begin : nullptr,
                   t);
  double update_sq = 0, weight_sq = 0;
  bool finite = true;
  for (int64_t i = 0; i < len; ++i) {
    const float now = p[i];
    const double d = static_cast<double>(now) - old[i];
    update_sq += d * d;
    weight_sq += static_cast<double>(old[i]) * old[i];
    finite = finite && std::isfinite(now);
  }
  s->update = UpdateSums{update_sq, weight_sq, finite};
}

}  // namespace

std::vector<ParamUpdateSums> update_parameters(const OptimizerConfig& c, int64_t t,
                                               const std::vector<ParamUpdate>& params) {
  // first[k]: the index of parameter k's first chunk in the one loop over all chunks.
  std::vector<int64_t> first(params.size() + 1, 0);
  for (size_t k = 0; k < params.size(); ++k)
    first[k + 1] = first[k] + (params[k].n + kChunk - 1) / kChunk;
  std::vector<ChunkSums> part(static_cast<size_t>(first.back()));
  parallel::for_each(static_cast<int>(first.back()), [&](int chunk, int) {
    const size_t k = static_cast<size_t>(
        std::upper_bound(first.begin(), first.end(), int64_t{chunk}) - first.begin() - 1);
    const int64_t begin = (chunk - first[k]) * kChunk;
    update_chunk(c, t, params[k], begin, std::min(params[k].n, begin + kChunk),
                 &part[static_cast<size_t>(chunk)]);
  });
  std::vector<ParamUpdateSums> sums(params.size());
  for (size_t k = 0; k < params.size(); ++k) {
    ParamUpdateSums& total = sums[k];
    for (int64_t i = first[k]; i < first[k + 1]; ++i) {
      const ChunkSums& s = part[static_cast<size_t>(i)];
      total.decay_sq += s.decay_sq;
      total.grad_finite = total.grad_finite && s.grad_finite;
      total.update.update_sq += s.update.update_sq;
      total.update.weight_sq += s.update.weight_sq;
      total.update.finite = total.update.finite && s.update.finite;
    }
  }
  return sums;
}

}  // namespace cnn
