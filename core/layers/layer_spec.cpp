// Names of a layer spec's values, shared by the spec parser, the layers' summaries and errors.
#include "core/layers/layer_spec.h"

namespace cnn {

using kernels::Activation;

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kLinear: return "linear";
    case Activation::kRelu: return "relu";
    case Activation::kTanh: return "tanh";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kSoftmax: return "softmax";
  }
  return "linear";
}

std::string layer_label(int index, const LayerSpec& l) {
  return "layer " + std::to_string(index) + " (" + l.type + ")";
}

}  // namespace cnn
