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

// An initialiser as a model spec names it ("init" and "bias_init" of a layer).
struct InitSpec {
  std::string type = "glorot_uniform";  // glorot_uniform | uniform_scaling | he_normal |
                                        // truncated_normal | normal | zeros | constant
  float stddev = 0.1f;                  // truncated_normal, normal
  float value = 0.0f;                   // constant
  float factor = 1.0f;                  // uniform_scaling
};

void init_fill(const InitSpec& init, int64_t fan_in, int64_t fan_out, float* out, int64_t n,
               Rng& rng);

}  // namespace cnn
