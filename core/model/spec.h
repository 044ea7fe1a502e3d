// The model spec: the JSON description of a network and its training (Keras conventions, see
// presets/*.json), parsed into plain structs with every default made explicit. Parsing checks
// types and ranges field by field; shape checks that need the whole network happen in
// network.cpp. Errors name the layer ("layer 3 (conv2d): ...") and the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/layers/layer_spec.h"
#include "core/optim/optimizer.h"
#include "core/tensor/tensor.h"

namespace cnn {

struct AugmentSpec {
  bool enabled = false;
  float shift = 2.0f, rotate = 12.0f, scale = 0.12f;
};

struct ModelSpec {
  std::string name = "model";
  std::string description;
  Shape input = {28, 28, 1};
  std::vector<LayerSpec> layers;
  std::string loss = "categorical_crossentropy";
  OptimizerConfig optimizer;
  int batch_size = 32;
  int epochs = 1;
  uint64_t seed = 1;
  bool shuffle = true;
  // "constant", or "cosine": lr * (0.05 + 0.95 * (1 + cos(pi * t)) / 2) with t the fraction of the
  // planned training (epochs x steps per epoch) done, held at 5% of lr afterwards.
  std::string lr_schedule =
      "constant";  // reshuffle the training set every epoch (false: file order)
  AugmentSpec augment;
};

// Parses and checks a spec. `where` prefixes errors about the document as a whole ("spec").
ModelSpec parse_spec(const std::string& json_text, const std::string& where = "spec");
// The normalised JSON of a spec (all defaults explicit); parse_spec(spec_to_json(s)) == s.
std::string spec_to_json(const ModelSpec& spec, int indent = -1);

}  // namespace cnn
