// The ONNX export read back by a minimal protobuf reader: header, graph input and output, nodes
// and attributes, initializer shapes and layouts. Not a numerical check: tests/onnx runs the
// exported models in onnxruntime against the core.
#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/native/support/onnx_reader.h"

using namespace cnn;
using namespace cnn::test::onnx;

namespace {

std::vector<int64_t> attr_ints(const OnnxNode& n, const std::string& name) {
  REQUIRE(n.attrs.count(name));
  const std::vector<Field>& a = n.attrs.at(name);
  CHECK(one(a, 20).value == 7);  // INTS
  return ints(a, 8);
}
int64_t attr_int(const OnnxNode& n, const std::string& name) {
  REQUIRE(n.attrs.count(name));
  CHECK(one(n.attrs.at(name), 20).value == 2);  // INT
  return static_cast<int64_t>(one(n.attrs.at(name), 3).value);
}
float attr_float(const OnnxNode& n, const std::string& name) {
  REQUIRE(n.attrs.count(name));
  CHECK(one(n.attrs.at(name), 20).value == 1);  // FLOAT
  return as_float(one(n.attrs.at(name), 2).value);
}

std::vector<std::string> op_types(const OnnxModel& m) {
  std::vector<std::string> ops;
  for (const OnnxNode& n : m.nodes) ops.push_back(n.op);
  return ops;
}

// Every node reads the graph input, an initializer or an earlier node's output, and writes a new
// name; the last one writes the graph output.
void check_topology(const OnnxModel& m) {
  CHECK_NOTHROW(check_graph(m));
  REQUIRE(!m.nodes.empty());
  CHECK(m.nodes.back().output == "probabilities");
}

const OnnxNode& find_op(const OnnxModel& m, const std::string& op, int nth = 0) {
  for (const OnnxNode& n : m.nodes)
    if (n.op == op && nth-- == 0) return n;
  FAIL("no node " << op);
  return m.nodes.front();
}

}  // namespace

TEST_CASE("ONNX export of tiny: header, graph, initializers and layouts", "[onnx]") {
  Trainer t;
  t.configure(preset_json("tiny"));
  const OnnxModel m = read_model(t.export_onnx());
  CHECK(m.ir_version == 7);
  CHECK(m.opset == 13);
  CHECK(m.opset_domain.empty());
  CHECK(m.producer == "cnn-playground");
  CHECK(m.graph_name == "tiny");
  CHECK(m.input == std::make_pair(std::string("input"), std::vector<int64_t>{-1, 28, 28, 1}));
  CHECK(m.output == std::make_pair(std::string("probabilities"), std::vector<int64_t>{-1, 10}));
  CHECK(op_types(m) == std::vector<std::string>{"Transpose", "Conv", "Relu", "MaxPool", "Conv",
                                                "Relu", "MaxPool", "Transpose", "Flatten", "Gemm",
                                                "Softmax"});
  check_topology(m);
  CHECK(attr_ints(m.nodes[0], "perm") == std::vector<int64_t>{0, 3, 1, 2});
  CHECK(attr_ints(m.nodes[7], "perm") == std::vector<int64_t>{0, 2, 3, 1});
  CHECK(attr_int(m.nodes[10], "axis") == 1);
  const OnnxNode& conv = m.nodes[1];
  CHECK(conv.inputs == std::vector<std::string>{"input/nchw", "conv2d_1/kernel", "conv2d_1/bias"});
  CHECK(attr_ints(conv, "kernel_shape") == std::vector<int64_t>{5, 5});
  CHECK(attr_ints(conv, "strides") == std::vector<int64_t>{1, 1});
  CHECK(attr_ints(conv, "pads") == std::vector<int64_t>{2, 2, 2, 2});
  CHECK(attr_ints(m.nodes[6], "kernel_shape") == std::vector<int64_t>{3, 3});
  CHECK(attr_ints(m.nodes[6], "pads") == std::vector<int64_t>{0, 0, 0, 0});

  CHECK(m.init_order == std::vector<std::string>{"conv2d_1/kernel", "conv2d_1/bias",
                                                 "conv2d_2/kernel", "conv2d_2/bias",
                                                 "dense_1/kernel", "dense_1/bias"});
  const std::map<std::string, std::vector<int64_t>> dims = {
      {"conv2d_1/kernel", {8, 1, 5, 5}},  {"conv2d_1/bias", {8}},
      {"conv2d_2/kernel", {16, 8, 5, 5}}, {"conv2d_2/bias", {16}},
      {"dense_1/kernel", {256, 10}},      {"dense_1/bias", {10}}};
  for (const auto& [name, d] : dims) {
    INFO(name);
    const OnnxTensor& tensor = m.inits.at(name);
    CHECK(tensor.dims == d);
    CHECK(tensor.data_type == 1);
    int64_t n = 1;
    for (int64_t x : d) n *= x;
    CHECK(tensor.raw.size() == static_cast<size_t>(4 * n));
  }
  // Conv kernels are [KH, KW, C, K] in the core and [K, C, KH, KW] in ONNX; dense kernels are as
  // is.
  const NamedValues k = t.weights(2).at(0);
  REQUIRE(k.shape == Shape{5, 5, 8, 16});
  const OnnxTensor& ok = m.inits.at("conv2d_2/kernel");
  for (int ky = 0; ky < 5; ++ky)
    for (int kx = 0; kx < 5; ++kx)
      for (int c = 0; c < 8; ++c)
        for (int o = 0; o < 16; ++o)
          REQUIRE(ok.at(((o * 8 + c) * 5 + ky) * 5 + kx) ==
                  k.data[((ky * 5 + kx) * 8 + c) * 16 + o]);
  const NamedValues dk = t.weights(4).at(0);
  for (size_t i = 0; i < dk.data.size(); ++i)
    REQUIRE(m.inits.at("dense_1/kernel").at(i) == dk.data[i]);
}

TEST_CASE("ONNX export: asymmetric SAME padding, pooling, LRN, dropout and activations", "[onnx]") {
  Trainer t;
  t.configure(R"({"name": "semantics", "input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 6, "kernel": 5, "stride": 2, "padding": "same", "activation": "relu"},
    {"type": "lrn", "depth_radius": 2, "bias": 1.5, "alpha": 0.1, "beta": 0.75},
    {"type": "avgpool2d", "size": 3, "stride": 2, "padding": "same"},
    {"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1, "activation": "tanh", "use_bias": false},
    {"type": "maxpool2d", "size": 2, "stride": 2, "padding": "same"},
    {"type": "dropout", "rate": 0.25},
    {"type": "dense", "units": 24, "activation": "sigmoid"},
    {"type": "lrn", "depth_radius": 3, "alpha": 0.5, "beta": 0.5},
    {"type": "dense", "units": 10},
    {"type": "activation", "activation": "softmax"}]})");
  const OnnxModel m = read_model(t.export_onnx());
  CHECK(op_types(m) == std::vector<std::string>{"Transpose", "Conv", "Relu", "LRN", "AveragePool",
                                                "Conv", "Tanh", "MaxPool", "Transpose", "Flatten",
                                                "Gemm", "Sigmoid", "Reshape", "LRN", "Reshape",
                                                "Gemm", "Softmax"});
  check_topology(m);
  // 28 -> 14 with a 5x5 window and stride 2: TensorFlow pads 3 pixels, the odd one after.
  CHECK(attr_ints(find_op(m, "Conv"), "pads") == std::vector<int64_t>{1, 1, 2, 2});
  CHECK(attr_ints(find_op(m, "Conv"), "strides") == std::vector<int64_t>{2, 2});
  const OnnxNode& lrn = find_op(m, "LRN");
  CHECK(attr_int(lrn, "size") == 5);
  CHECK(attr_float(lrn, "alpha") == Approx(0.5f));
  CHECK(attr_float(lrn, "beta") == 0.75f);
  CHECK(attr_float(lrn, "bias") == 1.5f);
  CHECK(attr_int(find_op(m, "LRN", 1), "size") == 7);
  CHECK(attr_float(find_op(m, "LRN", 1), "alpha") == Approx(3.5f));
  const OnnxNode& avg = find_op(m, "AveragePool");
  CHECK(attr_ints(avg, "pads") == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(attr_int(avg, "count_include_pad") == 0);
  CHECK(attr_ints(find_op(m, "Conv", 1), "pads") == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(find_op(m, "Conv", 1).inputs.size() == 2);  // no bias
  CHECK(attr_ints(find_op(m, "MaxPool"), "pads") == std::vector<int64_t>{0, 0, 1, 1});
  // The dense layer reads the pooled 4x4x8 image flat, in NHWC order.
  CHECK(m.inits.at("dense_1/kernel").dims == std::vector<int64_t>{128, 24});
  const OnnxTensor& shape4d = m.inits.at("lrn_2/shape4d");
  CHECK(shape4d.data_type == 7);
  CHECK(shape4d.dims == std::vector<int64_t>{4});
}

TEST_CASE("ONNX export writes the padding the layers really use", "[onnx]") {
  Trainer t;
  // 28x28, kernel 3, stride 2, padding 1: (28 - 3 + 2) / 2 + 1 = 14 windows, the last one ends on
  // the last pixel, so the explicit pixel after is never read (ONNX gets 1, 1, 0, 0, same output).
  // Then 14x14, kernel 3, stride 2, padding 2: (14 - 3 + 4) / 2 + 1 = 8, one of the two after read.
  t.configure(R"({"input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 2, "kernel": 3, "stride": 2, "padding": 1},
    {"type": "conv2d", "filters": 2, "kernel": 3, "stride": 2, "padding": 2},
    {"type": "avgpool2d", "size": 2, "stride": 2, "padding": 1},
    {"type": "dense", "units": 10, "activation": "softmax"}]})");
  const OnnxModel m = read_model(t.export_onnx());
  CHECK(attr_ints(find_op(m, "Conv"), "pads") == std::vector<int64_t>{1, 1, 0, 0});
  CHECK(attr_ints(find_op(m, "Conv", 1), "pads") == std::vector<int64_t>{2, 2, 1, 1});
  // 8x8, window 2, stride 2, padding 1: (8 - 2 + 2) / 2 + 1 = 5, the last window covers it.
  CHECK(attr_ints(find_op(m, "AveragePool"), "pads") == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(t.summary().layers[1].output == Shape{8, 8, 2});
}

TEST_CASE("ONNX export refuses what runtimes refuse and needs a model", "[onnx]") {
  Trainer empty;
  CHECK_THROWS_AS(empty.export_onnx(), Error);
  Trainer t;
  t.configure(R"({"input": [28, 28, 1], "layers": [
    {"type": "maxpool2d", "size": 2, "padding": 2},
    {"type": "dense", "units": 10, "activation": "softmax"}]})");
  CHECK_THROWS_WITH(t.export_onnx(), Catch::Contains("layer 0 (maxpool2d)") &&
                                         Catch::Contains("padding smaller than the window"));
}
