// Tensor: a shape and a contiguous float32 buffer, nothing more (no autograd, no strides, no
// views). Memory layout is fixed for the whole core and matches Keras, so the model file needs no
// transposes:
//   activations  [N, H, W, C]   (NHWC, channels last; a dense activation is [N, units])
//   conv kernel  [KH, KW, C, K] (C input channels, K output channels)
//   dense kernel [IN, OUT]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnn {

using Shape = std::vector<int>;

int64_t shape_size(const Shape& shape);
// "28x28x1"; "" for a scalar shape.
std::string shape_str(const Shape& shape);

struct Tensor {
  Shape shape;
  std::vector<float> data;

  Tensor() = default;
  explicit Tensor(Shape s, float fill = 0.0f);

  int64_t size() const { return static_cast<int64_t>(data.size()); }
  float* ptr() { return data.data(); }
  const float* ptr() const { return data.data(); }
  // Changes the shape, keeping the buffer when the element count does not grow.
  void reshape(const Shape& s);
  void zero();
  bool all_finite() const;
};

// True when every element of [p, p + n) is finite.
bool all_finite(const float* p, int64_t n);

}  // namespace cnn
