// One layer of a model spec as plain values, as the layers are built from it. The JSON side (the
// parser of the whole spec document, its defaults and error messages per field) is
// core/model/spec.cpp; this file is what the layers need without depending on core/model.
#pragma once

#include <string>

#include "core/kernels/kernels.h"
#include "core/tensor/init.h"

namespace cnn {

// Padding: "valid", "same" (TensorFlow's rule, extra pixel bottom/right) or an explicit amount.
struct PaddingSpec {
  enum Kind { kValid, kSame, kExplicit } kind = kValid;
  int amount = 0;
};

// The largest explicit padding a spec, the CLI or the page may ask for.
constexpr int kMaxPadding = 1024;

// A padding as the spec, the CLI and the page write it: "valid", "same", or a whole number of
// pixels from 0 to kMaxPadding ("2"). Throws Error, starting with `where`:
//   "<where>: \"padding\" must be \"same\", \"valid\" or a number of pixels from 0 to 1024, not
//   \"full\""
PaddingSpec parse_padding(const std::string& text, const std::string& where);
// What parse_padding reads back: "valid", "same" or the number of pixels ("2").
std::string padding_name(const PaddingSpec& p);

struct LayerSpec {
  std::string type;  // conv2d maxpool2d avgpool2d lrn flatten dense dropout activation
  // conv2d / dense
  int filters = 0, units = 0;
  int kh = 0, kw = 0;  // conv kernel, pool size
  int sh = 1, sw = 1;
  PaddingSpec padding;
  kernels::Activation activation = kernels::Activation::kLinear;
  bool use_bias = true;
  InitSpec init, bias_init{"zeros"};
  float l2 = 0.0f;
  // dropout
  float rate = 0.0f;
  // lrn
  int depth_radius = 5;
  float lrn_bias = 1.0f, alpha = 1.0f, beta = 0.5f;
};

const char* activation_name(kernels::Activation a);
// "layer 3 (conv2d)"
std::string layer_label(int index, const LayerSpec& l);

}  // namespace cnn
