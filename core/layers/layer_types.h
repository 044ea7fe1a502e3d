// Factories of the concrete layer types (each defined in its own file). Internal to core/layers.
#pragma once

#include <memory>

#include "core/layers/layer.h"

namespace cnn {

std::unique_ptr<Layer> make_conv2d_layer(const LayerSpec& spec, int index);
std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec, int index);
std::unique_ptr<Layer> make_pool2d_layer(const LayerSpec& spec, int index);
std::unique_ptr<Layer> make_lrn_layer(const LayerSpec& spec, int index);
std::unique_ptr<Layer> make_flatten_layer(const LayerSpec& spec, int index);
std::unique_ptr<Layer> make_dropout_layer(const LayerSpec& spec, int index);
std::unique_ptr<Layer> make_activation_layer(const LayerSpec& spec, int index);

}  // namespace cnn
