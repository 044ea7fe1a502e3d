// Tensor helpers: sizes, printing and finiteness checks.
#include "core/tensor/tensor.h"

#include <cmath>

namespace cnn {

int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

std::string shape_str(const Shape& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

Tensor::Tensor(Shape s, float fill) : shape(std::move(s)), data(shape_size(shape), fill) {}

void Tensor::reshape(const Shape& s) {
  shape = s;
  data.resize(shape_size(s));
}

void Tensor::zero() { std::fill(data.begin(), data.end(), 0.0f); }

bool Tensor::all_finite() const { return cnn::all_finite(data.data(), size()); }

bool all_finite(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

}  // namespace cnn
