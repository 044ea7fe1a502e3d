// The kernel registry: every implementation variant of the heavy ops (convolution, dense, GEMM),
// listed in one table per op, slowest (ref) first. Layers ask `*_select` for a variant, which picks
// the fastest one whose envelope fits the shape; tests iterate the tables, so a new variant is
// tested by being listed. Light ops (pooling, LRN, activations) call ref:: directly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/kernels/kernels.h"

namespace cnn::kernels {

struct Conv2dVariant {
  const char* name;
  bool (*fits)(const Conv2dParams& p);
  size_t (*workspace)(const Conv2dParams& p);  // floats
  void (*forward)(const Conv2dParams& p, const float* input, const float* weight, const float* bias,
                  float* output, float* workspace);
  void (*backward_input)(const Conv2dParams& p, const float* doutput, const float* weight,
                         float* dinput, float* workspace);
  void (*backward_weight)(const Conv2dParams& p, const float* input, const float* doutput,
                          float* dweight, float* dbias, float* workspace);
};

struct DenseVariant {
  const char* name;
  bool (*fits)(int N, int IN, int OUT);
  size_t (*workspace)(int N, int IN, int OUT);
  void (*forward)(int N, int IN, int OUT, const float* x, const float* weight, const float* bias,
                  float* y, bool relu, float* workspace);
  void (*backward_input)(int N, int IN, int OUT, const float* dy, const float* weight, float* dx,
                         float* workspace);
  void (*backward_weight)(int N, int IN, int OUT, const float* x, const float* dy, float* dweight,
                          float* dbias, float* workspace);
};

struct GemmVariant {
  const char* name;
  bool (*fits)(const GemmParams& p);
  size_t (*workspace)(const GemmParams& p);
  void (*run)(const GemmParams& p, const float* A, const float* B, float* C, float* workspace);
};

// Max pooling (the backward pass is the shared argmax scatter).
struct MaxPool2dVariant {
  const char* name;
  bool (*fits)(const Pool2dParams& p);
  void (*forward)(const Pool2dParams& p, const float* input, float* output, int32_t* argmax);
};

const std::vector<Conv2dVariant>& conv2d_variants();
const std::vector<MaxPool2dVariant>& maxpool2d_variants();
const std::vector<DenseVariant>& dense_variants();
const std::vector<GemmVariant>& gemm_variants();

// The fastest variant that fits. A preference set by `prefer_variant` (e.g. "ref" for debugging or
// benchmarking the baseline) wins when that variant exists and fits.
const Conv2dVariant& conv2d_select(const Conv2dParams& p);
const DenseVariant& dense_select(int N, int IN, int OUT);
const MaxPool2dVariant& maxpool2d_select(const Pool2dParams& p);

// "" (default: fastest), or a variant name such as "ref" or "generic". Process-wide.
void prefer_variant(const std::string& name);
const std::string& preferred_variant();

}  // namespace cnn::kernels
