// Weight initialisers, with the exact formulas of the frameworks the presets come from:
//   glorot_uniform   U(-l, l), l = sqrt(6 / (fan_in + fan_out))            (Keras default)
//   uniform_scaling  U(-l, l), l = factor * sqrt(3 / fan_in)                (TFLearn default)
//   he_normal        N(0, s) truncated at 2 s, s = sqrt(2 / fan_in) / .8796 (Keras 2)
//   truncated_normal N(0, stddev) truncated at 2 stddev, redrawn           (TensorFlow)
//   normal           N(0, stddev);  zeros;  constant(value)
// fan_in = KH*KW*C and fan_out = KH*KW*K for a conv kernel; IN and OUT for a dense kernel.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor/rng.h"

namespace cnn {

struct InitSpec;

void init_fill(const InitSpec& init, int64_t fan_in, int64_t fan_out, float* out, int64_t n, Rng& rng);

}  // namespace cnn
