// One conv variant's three passes on given numbers, shared by the kernel tests (registry, sweep,
// threads): backward outputs start non-zero so that accumulation (+=) is checked, and a guard
// after the workspace catches writes past the size the variant asked for.
#pragma once

#include <vector>

#include "core/kernels/registry.h"

namespace cnn::test {

struct ConvOut {
  std::vector<float> y, dx, dw, db;
  bool workspace_intact = true;  // nothing was written past the workspace the variant asked for
};

inline ConvOut run_conv(const kernels::Conv2dVariant& v, const kernels::Conv2dParams& p,
                        const std::vector<float>& x, const std::vector<float>& w,
                        const std::vector<float>& b, const std::vector<float>& dy) {
  constexpr float kGuard = 12345.0f;
  ConvOut o;
  o.y.assign(static_cast<size_t>(p.N) * p.OH * p.OW * p.K, 0.0f);
  o.dx.assign(x.size(), 0.5f);
  o.dw.assign(w.size(), 0.25f);
  o.db.assign(b.size(), -0.5f);
  const size_t size = v.workspace(p);
  std::vector<float> ws(size + 64, kGuard);
  const auto intact = [&] {
    for (size_t i = size; i < ws.size(); ++i)
      if (ws[i] != kGuard) return false;
    return true;
  };
  v.forward(p, x.data(), w.data(), b.data(), o.y.data(), ws.data());
  o.workspace_intact = intact();
  v.backward_input(p, dy.data(), w.data(), o.dx.data(), ws.data());
  o.workspace_intact = o.workspace_intact && intact();
  v.backward_weight(p, x.data(), dy.data(), o.dw.data(), o.db.data(), ws.data());
  o.workspace_intact = o.workspace_intact && intact();
  return o;
}

}  // namespace cnn::test
