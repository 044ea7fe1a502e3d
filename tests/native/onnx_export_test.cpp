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

using namespace cnn;

namespace {

// One protobuf field: a varint or fixed32 value, or a length-delimited byte range.
struct Field {
  int number = 0, wire = 0;
  uint64_t value = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::string str() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

uint64_t read_varint(const uint8_t*& p, const uint8_t* end) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    REQUIRE(p < end);
    const uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  FAIL("varint longer than 10 bytes");
  return 0;
}

// Splits one message into its fields; every length must stay inside the message.
std::vector<Field> parse(const uint8_t* p, size_t n) {
  std::vector<Field> out;
  const uint8_t* end = p + n;
  while (p < end) {
    Field f;
    const uint64_t key = read_varint(p, end);
    f.number = static_cast<int>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    REQUIRE(f.number > 0);
    if (f.wire == 0) {
      f.value = read_varint(p, end);
    } else if (f.wire == 2) {
      f.size = read_varint(p, end);
      REQUIRE(f.size <= static_cast<size_t>(end - p));
      f.data = p;
      p += f.size;
    } else {
      REQUIRE(f.wire == 5);
      REQUIRE(end - p >= 4);
      uint32_t bits = 0;
      for (int i = 0; i < 4; ++i) bits |= static_cast<uint32_t>(p[i]) << (8 * i);
      f.value = bits;
      p += 4;
    }
    out.push_back(f);
  }
  return out;
}
std::vector<Field> parse(const Field& f) { return parse(f.data, f.size); }

std::vector<Field> all(const std::vector<Field>& m, int number) {
  std::vector<Field> out;
  for (const Field& f : m)
    if (f.number == number) out.push_back(f);
  return out;
}
Field one(const std::vector<Field>& m, int number) {
  const std::vector<Field> v = all(m, number);
  REQUIRE(v.size() == 1);
  return v[0];
}
std::vector<int64_t> ints(const std::vector<Field>& m, int number) {
  std::vector<int64_t> out;
  for (const Field& f : all(m, number)) out.push_back(static_cast<int64_t>(f.value));
  return out;
}
float as_float(uint64_t bits) {
  const uint32_t b = static_cast<uint32_t>(bits);
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

struct OnnxNode {
  std::string op, output;
  std::vector<std::string> inputs;
  std::map<std::string, std::vector<Field>> attrs;
};
struct OnnxTensor {
  std::vector<int64_t> dims;
  int64_t data_type = 0;
  std::vector<uint8_t> raw;
  float at(size_t i) const {
    float v;
    std::memcpy(&v, raw.data() + 4 * i, sizeof v);  // little endian on every target we build for
    return v;
  }
};
struct OnnxModel {
  // The file itself: attribute Fields point into it, so the model keeps it alive.
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  int64_t ir_version = 0, opset = 0;
  std::string opset_domain, producer, graph_name;
  std::vector<OnnxNode> nodes;
  std::map<std::string, OnnxTensor> inits;
  std::vector<std::string> init_order;
  // Name and dims of the graph's input and output (-1: the symbolic batch size).
  std::pair<std::string, std::vector<int64_t>> input, output;
};

// A ValueInfoProto's name and dims, symbolic ones as -1 (and their name checked to be "N").
std::pair<std::string, std::vector<int64_t>> value_info(const std::vector<Field>& v) {
  const std::vector<Field> tensor_type = parse(one(parse(one(v, 2)), 1));
  REQUIRE(one(tensor_type, 1).value == 1);  // FLOAT
  std::vector<int64_t> dims;
  for (const Field& df : all(parse(one(tensor_type, 2)), 1)) {
    const std::vector<Field> d = parse(df);
    if (!all(d, 2).empty()) {
      CHECK(one(d, 2).str() == "N");
      dims.push_back(-1);
    } else {
      dims.push_back(static_cast<int64_t>(one(d, 1).value));
    }
  }
  return {one(v, 1).str(), dims};
}

OnnxModel read_model(std::vector<uint8_t> file) {
  OnnxModel m;
  m.bytes = std::make_shared<const std::vector<uint8_t>>(std::move(file));
  const std::vector<uint8_t>& bytes = *m.bytes;
  const std::vector<Field> model = parse(bytes.data(), bytes.size());
  m.ir_version = static_cast<int64_t>(one(model, 1).value);
  m.producer = one(model, 2).str();
  const std::vector<Field> opset = parse(one(model, 8));
  m.opset = static_cast<int64_t>(one(opset, 2).value);
  m.opset_domain = all(opset, 1).empty() ? "" : one(opset, 1).str();
  const std::vector<Field> graph = parse(one(model, 7));
  m.graph_name = one(graph, 2).str();
  for (const Field& nf : all(graph, 1)) {
    const std::vector<Field> n = parse(nf);
    OnnxNode node;
    node.op = one(n, 4).str();
    node.output = one(n, 2).str();
    for (const Field& in : all(n, 1)) node.inputs.push_back(in.str());
    for (const Field& af : all(n, 5)) {
      const std::vector<Field> a = parse(af);
      node.attrs[one(a, 1).str()] = a;
    }
    m.nodes.push_back(node);
  }
  for (const Field& tf : all(graph, 5)) {
    const std::vector<Field> t = parse(tf);
    OnnxTensor tensor;
    tensor.dims = ints(t, 1);
    tensor.data_type = static_cast<int64_t>(one(t, 2).value);
    const Field raw = one(t, 9);
    tensor.raw.assign(raw.data, raw.data + raw.size);
    const std::string name = one(t, 8).str();
    REQUIRE(m.inits.count(name) == 0);
    m.inits[name] = tensor;
    m.init_order.push_back(name);
  }
  m.input = value_info(parse(one(graph, 11)));
  m.output = value_info(parse(one(graph, 12)));
  return m;
}

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
  std::set<std::string> known = {"input"};
  for (const auto& [name, t] : m.inits) known.insert(name);
  for (const OnnxNode& n : m.nodes) {
    for (const std::string& in : n.inputs) CHECK(known.count(in) == 1);
    CHECK(known.insert(n.output).second);
  }
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
