// Trainer::layer_stats: one row of the layer inspection table, gathered from the network's
// current tensors. The reductions themselves are in core/tensor/tensor_stats.cpp; the only number
// recorded during training (the update ratio) is measured in Trainer::train_one_step.
// Trainer::layer_window: a conv or pooling layer's window as built (core/layers/window_geometry.h).
#include "core/model/trainer.h"
#include "core/tensor/error.h"

namespace cnn {

LayerStats Trainer::layer_stats(int layer) const {
  require_model();
  const int layers = net_->num_layers();
  if (layer < 0 || layer >= layers)
    throw Error("layer_stats: layer " + std::to_string(layer) + " does not exist (the model has " +
                std::to_string(layers) + " layers, numbered 0 to " + std::to_string(layers - 1) +
                ")");
  const Layer& l = net_->layer(layer);
  std::vector<FloatSpan> values, grads;
  for (const Param& p : l.params()) {
    values.push_back({p.value.ptr(), p.value.size()});
    grads.push_back({p.grad.ptr(), p.grad.size()});
  }
  LayerStats s;
  s.layer = layer;
  s.name = net_->layer_name(layer);
  s.type = l.spec().type;
  s.has_params = !values.empty();
  s.weights = tensor_stats(values);
  s.gradients = tensor_stats(grads);
  s.activations = tensor_stats(net_->activation_spans(layer));
  s.update_ratio = layer < static_cast<int>(update_ratio_.size()) ? update_ratio_[layer] : 0.0;
  return s;
}

LayerWindow Trainer::layer_window(int layer) const {
  require_model();
  const int layers = net_->num_layers();
  if (layer < 0 || layer >= layers)
    throw Error("layer_window: layer " + std::to_string(layer) + " does not exist (the model has " +
                std::to_string(layers) + " layers, numbered 0 to " + std::to_string(layers - 1) +
                ")");
  const Layer& l = net_->layer(layer);
  if (!l.window()) throw Error("layer_window: " + l.label() + " is not a conv2d or pooling layer");
  const LayerSpec& s = l.spec();
  LayerWindow w;
  w.layer = layer;
  w.name = net_->layer_name(layer);
  w.type = s.type;
  w.kh = s.kh;
  w.kw = s.kw;
  w.sh = s.sh;
  w.sw = s.sw;
  w.padding = padding_name(s.padding);
  w.geometry = *l.window();
  w.activation = activation_name(s.activation);
  return w;
}

}  // namespace cnn
