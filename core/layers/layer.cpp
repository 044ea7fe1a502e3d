// Layer helpers shared by every layer type: activation plumbing, the factory.
#include "core/layers/layer.h"

#include <algorithm>

#include "core/kernels/kernels.h"
#include "core/layers/layer_types.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/error.h"

namespace cnn {

float* Context::scratch(size_t floats) {
  if (workspace->size() < floats) workspace->resize(floats);
  return workspace->data();
}

int64_t Layer::param_count() const {
  int64_t n = 0;
  for (const Param& p : params_) n += shape_size(p.value.shape);
  return n;
}

void Layer::read_values_from(const Layer& source) {
  values_of_ = &source;
  for (Param& p : params_) std::vector<float>().swap(p.value.data);
}

int64_t grain_rows(int64_t cols) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(cols, 1));
}

void parallel_zero(Tensor& t) {
  float* p = t.ptr();
  parallel::for_ranges(t.size(), kElementwiseGrain,
                       [&](int64_t b, int64_t e) { std::fill(p + b, p + e, 0.0f); });
}

void parallel_add(const Tensor& src, Tensor& dst) {
  const float* s = src.ptr();
  float* d = dst.ptr();
  parallel::for_ranges(src.size(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) d[i] += s[i];
  });
}

void activation_forward_into(kernels::Activation a, const Tensor& z, Tensor& y) {
  y.reshape(z.shape);
  const int cols = z.shape.empty() ? 1 : static_cast<int>(z.size() / z.shape[0]);
  const int64_t rows = z.size() / cols;
  // Whole rows per thread (softmax works on rows); every element's arithmetic is the same.
  parallel::for_ranges(rows, grain_rows(cols), [&](int64_t r0, int64_t r1) {
    kernels::ref::activation_forward(a, (r1 - r0) * cols, cols, z.ptr() + r0 * cols,
                                     y.ptr() + r0 * cols);
  });
}

const Tensor& activation_backward_into(kernels::Activation a, bool fused, const Tensor& y,
                                       const Tensor& dy, Tensor& dz) {
  if (fused || a == kernels::Activation::kLinear) return dy;
  dz.reshape(dy.shape);
  const int cols = y.shape.empty() ? 1 : static_cast<int>(y.size() / y.shape[0]);
  parallel::for_ranges(y.size() / cols, grain_rows(cols), [&](int64_t r0, int64_t r1) {
    kernels::ref::activation_gradient(a, (r1 - r0) * cols, cols, y.ptr() + r0 * cols,
                                      dy.ptr() + r0 * cols, dz.ptr() + r0 * cols);
  });
  return dz;
}

void check_param_budget(const std::string& label, int64_t weights) {
  constexpr int64_t kMaxWeights = int64_t{1} << 26;
  if (weights > kMaxWeights)
    throw Error(label + ": " + std::to_string(weights) + " weights is more than the " +
                std::to_string(kMaxWeights) + " a layer may have; use fewer filters or units");
}

std::unique_ptr<Layer> make_layer(const LayerSpec& spec, int index) {
  const std::string& t = spec.type;
  if (t == "conv2d") return make_conv2d_layer(spec, index);
  if (t == "dense") return make_dense_layer(spec, index);
  if (t == "maxpool2d" || t == "avgpool2d") return make_pool2d_layer(spec, index);
  if (t == "lrn") return make_lrn_layer(spec, index);
  if (t == "flatten") return make_flatten_layer(spec, index);
  if (t == "dropout") return make_dropout_layer(spec, index);
  return make_activation_layer(spec, index);
}

}  // namespace cnn
