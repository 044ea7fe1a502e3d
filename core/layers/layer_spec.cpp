// Names of a layer spec's values, shared by the spec parser, the layers' summaries and errors.
#include "core/layers/layer_spec.h"

#include "core/tensor/error.h"

namespace cnn {

using kernels::Activation;

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kLinear:
      return "linear";
    case Activation::kRelu:
      return "relu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kSoftmax:
      return "softmax";
  }
  return "linear";
}

std::string layer_label(int index, const LayerSpec& l) {
  return "layer " + std::to_string(index) + " (" + l.type + ")";
}

PaddingSpec parse_padding(const std::string& text, const std::string& where) {
  if (text == "valid") return PaddingSpec{PaddingSpec::kValid, 0};
  if (text == "same") return PaddingSpec{PaddingSpec::kSame, 0};
  const bool digits = !text.empty() && text.size() <= 4 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && std::stoi(text) <= kMaxPadding)
    return PaddingSpec{PaddingSpec::kExplicit, std::stoi(text)};
  throw Error(where + ": \"padding\" must be \"same\", \"valid\" or a number of pixels from 0 to " +
              std::to_string(kMaxPadding) + ", not \"" + text + "\"");
}

std::string padding_name(const PaddingSpec& p) {
  if (p.kind == PaddingSpec::kSame) return "same";
  if (p.kind == PaddingSpec::kValid) return "valid";
  return std::to_string(p.amount);
}

}  // namespace cnn
