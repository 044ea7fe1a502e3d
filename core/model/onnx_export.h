// ONNX export: a trained network's inference graph as an ONNX ModelProto (ir_version 7, opset 13),
// encoded by hand. Inference only: dropout disappears, there is no training graph, no optimizer
// state and no ONNX import; the safetensors file stays the model file of record.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/network.h"

namespace cnn {

// The model reads "input", float [N, H, W, C] (N symbolic, the spec's input shape, NHWC as the
// core), and writes "probabilities", float [N, classes]. Inside, the graph runs NCHW (ONNX's
// layout for Conv and pooling) and turns back to NHWC before anything flattens, so dense kernels
// keep their [in, units] layout and NHWC row order. Initializers keep the Keras tensor names;
// conv kernels are transposed from [KH, KW, C, K] to ONNX's [K, C, KH, KW].
// Throws Error for a layer the exporter cannot express (none of the current layer types).
std::vector<uint8_t> export_onnx(const Network& net);

}  // namespace cnn
