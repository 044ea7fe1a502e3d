// ONNX export of the inference graph, written field by field with ProtoWriter (field numbers from
// onnx/onnx.proto). Not an ONNX library: it emits the dozen operators our layers map to and
// nothing else, and it never reads ONNX. Semantics follow the core's reference kernels exactly:
// TensorFlow's SAME padding (extra pixel bottom/right), pooling that ignores padding, LRN over
// channels, flatten in NHWC order.
#include "core/model/onnx_export.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "core/layers/layer.h"
#include "core/model/proto_writer.h"
#include "core/tensor/error.h"

namespace cnn {
namespace {

constexpr int64_t kIrVersion = 7;
constexpr int64_t kOpset = 13;
constexpr int kFloat = 1, kInt64 = 7;                       // TensorProto.DataType
constexpr int kAttrFloat = 1, kAttrInt = 2, kAttrInts = 7;  // AttributeProto.AttributeType

// An AttributeProto's name and type; the caller adds the value field.
ProtoWriter attr(const std::string& name, int type) {
  ProtoWriter a;
  a.string_field(1, name);
  a.int_field(20, type);
  return a;
}

ProtoWriter attr_int(const std::string& name, int64_t v) {
  ProtoWriter a = attr(name, kAttrInt);
  a.int_field(3, v);
  return a;
}

ProtoWriter attr_ints(const std::string& name, const std::vector<int64_t>& v) {
  ProtoWriter a = attr(name, kAttrInts);
  for (int64_t x : v) a.int_field(8, x);
  return a;
}

ProtoWriter attr_float(const std::string& name, float v) {
  ProtoWriter a = attr(name, kAttrFloat);
  a.float_field(2, v);
  return a;
}

// A dimension is a number, or the symbolic batch size when negative.
ProtoWriter value_info(const std::string& name, const std::vector<int64_t>& dims) {
  ProtoWriter shape;
  for (int64_t d : dims) {
    ProtoWriter dim;
    if (d < 0)
      dim.string_field(2, "N");
    else
      dim.int_field(1, d);
    shape.message_field(1, dim);
  }
  ProtoWriter tensor_type;
  tensor_type.int_field(1, kFloat);
  tensor_type.message_field(2, shape);
  ProtoWriter type;
  type.message_field(1, tensor_type);
  ProtoWriter v;
  v.string_field(1, name);
  v.message_field(2, type);
  return v;
}

struct Node {
  std::string op, output;
  std::vector<std::string> inputs;
  std::vector<ProtoWriter> attrs;
};

// Where the data is between layers: an NCHW image, or a flat [N, F] vector in NHWC order.
struct Flow {
  std::string name;
  bool spatial = true;
  int64_t c = 0, h = 0, w = 0, flat = 0;
};

class GraphBuilder {
 public:
  // Adds a node whose single output is named `output` (also the node's name).
  std::string node(const std::string& op, const std::string& output,
                   std::vector<std::string> inputs, std::vector<ProtoWriter> attrs = {}) {
    nodes_.push_back(Node{op, output, std::move(inputs), std::move(attrs)});
    return output;
  }

  void initializer(const std::string& name, const std::vector<int64_t>& dims, int data_type,
                   const std::vector<uint8_t>& raw, const std::string& doc = "") {
    ProtoWriter t;
    for (int64_t d : dims) t.int_field(1, d);
    t.int_field(2, data_type);
    t.string_field(8, name);
    t.bytes_field(9, raw.data(), raw.size());
    if (!doc.empty()) t.string_field(12, doc);
    inits_.push_back(std::move(t));
  }

  void floats(const std::string& name, const std::vector<int64_t>& dims, const float* v, size_t n,
              const std::string& doc = "") {
    std::vector<uint8_t> raw;
    raw.reserve(4 * n);
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, &v[i], sizeof bits);
      for (int b = 0; b < 4; ++b)
        raw.push_back(static_cast<uint8_t>(bits >> (8 * b)));  // little endian
    }
    initializer(name, dims, kFloat, raw, doc);
  }

  void int64s(const std::string& name, const std::vector<int64_t>& v) {
    std::vector<uint8_t> raw;
    for (int64_t x : v)
      for (int b = 0; b < 8; ++b)
        raw.push_back(static_cast<uint8_t>(static_cast<uint64_t>(x) >> (8 * b)));
    initializer(name, {static_cast<int64_t>(v.size())}, kInt64, raw);
  }

  // Gives the last node's output the graph output's name.
  void rename_last_output(const std::string& from, const std::string& to) {
    if (nodes_.empty() || nodes_.back().output != from) {
      node("Identity", to, {from});
      return;
    }
    nodes_.back().output = to;
  }

  ProtoWriter graph(const std::string& name, const std::string& doc, const ProtoWriter& input,
                    const ProtoWriter& output) const {
    ProtoWriter g;
    for (const Node& n : nodes_) {
      ProtoWriter p;
      for (const std::string& in : n.inputs) p.string_field(1, in);
      p.string_field(2, n.output);
      p.string_field(3, n.output);
      p.string_field(4, n.op);
      for (const ProtoWriter& a : n.attrs) p.message_field(5, a);
      g.message_field(1, p);
    }
    g.string_field(2, name);
    for (const ProtoWriter& t : inits_) g.message_field(5, t);
    if (!doc.empty()) g.string_field(10, doc);
    g.message_field(11, input);
    g.message_field(12, output);
    return g;
  }

 private:
  std::vector<Node> nodes_;
  std::vector<ProtoWriter> inits_;
};

// ONNX pads [top, left, bottom, right]: the padding the layer really uses (window_geometry), so
// explicit padding that the last window does not reach is left out after.
std::vector<int64_t> window_pads(const Layer& layer) {
  const WindowGeometry& g = *layer.window();
  return {g.h.pad_before, g.w.pad_before, g.h.pad_after, g.w.pad_after};
}

class Exporter {
 public:
  explicit Exporter(const Network& net) : net_(net) {}

  std::vector<uint8_t> run() {
    const Shape& in = net_.spec().input;
    Flow f;
    f.h = in[0];
    f.w = in[1];
    f.c = in[2];
    f.name = g_.node("Transpose", "input/nchw", {"input"}, attrs_perm({0, 3, 1, 2}));
    for (int i = 0; i < net_.num_layers(); ++i) layer(i, f);
    g_.rename_last_output(f.name, "probabilities");

    const ModelSpec& spec = net_.spec();
    ProtoWriter opset;
    opset.int_field(2, kOpset);
    ProtoWriter meta;
    meta.string_field(1, "cnn_spec");
    meta.string_field(2, spec_to_json(spec));
    ProtoWriter model;
    model.int_field(1, kIrVersion);
    model.string_field(2, "cnn-playground");
    model.string_field(3, "0.1.0");
    if (!spec.description.empty()) model.string_field(6, spec.description);
    model.message_field(
        7, g_.graph(spec.name, "Inference graph of " + spec.name + "; input NHWC in [0, 1].",
                    value_info("input", {-1, in[0], in[1], in[2]}),
                    value_info("probabilities", {-1, net_.classes()})));
    model.message_field(8, opset);
    model.message_field(14, meta);
    return model.take();
  }

 private:
  static std::vector<ProtoWriter> attrs_perm(const std::vector<int64_t>& perm) {
    std::vector<ProtoWriter> a;
    a.push_back(attr_ints("perm", perm));
    return a;
  }

  // An NCHW image becomes [N, H*W*C] in the core's NHWC order; a flat vector stays as it is.
  void flatten(Flow& f, const std::string& name) {
    if (!f.spatial) return;
    const std::string t = g_.node("Transpose", name + "/nhwc", {f.name}, attrs_perm({0, 2, 3, 1}));
    std::vector<ProtoWriter> a;
    a.push_back(attr_int("axis", 1));
    f.name = g_.node("Flatten", name + "/flat", {t}, std::move(a));
    f.flat = f.h * f.w * f.c;
    f.spatial = false;
  }

  void activation(Flow& f, kernels::Activation act, const std::string& name) {
    switch (act) {
      case kernels::Activation::kLinear:
        return;
      case kernels::Activation::kRelu:
        f.name = g_.node("Relu", name + "/relu", {f.name});
        return;
      case kernels::Activation::kTanh:
        f.name = g_.node("Tanh", name + "/tanh", {f.name});
        return;
      case kernels::Activation::kSigmoid:
        f.name = g_.node("Sigmoid", name + "/sigmoid", {f.name});
        return;
      case kernels::Activation::kSoftmax:
        break;
    }
    std::vector<ProtoWriter> axis;
    axis.push_back(attr_int("axis", 1));
    if (!f.spatial) {
      f.name = g_.node("Softmax", name + "/softmax", {f.name}, std::move(axis));
      return;
    }
    // The core's softmax runs over the whole example; the order of its values does not matter, so
    // NCHW flattens and comes back without transposes.
    std::vector<ProtoWriter> flat_axis;
    flat_axis.push_back(attr_int("axis", 1));
    const std::string flat =
        g_.node("Flatten", name + "/softmax_in", {f.name}, std::move(flat_axis));
    const std::string sm = g_.node("Softmax", name + "/softmax_flat", {flat}, std::move(axis));
    g_.int64s(name + "/softmax_shape", {0, f.c, f.h, f.w});
    f.name = g_.node("Reshape", name + "/softmax", {sm, name + "/softmax_shape"});
  }

  void layer(int i, Flow& f) {
    const Layer& layer = net_.layer(i);
    const LayerSpec& l = layer.spec();
    const std::string& name = net_.layer_name(i);
    const std::string& t = l.type;
    if (t == "conv2d" || t == "maxpool2d" || t == "avgpool2d") {
      check(f.spatial, layer.label() + ": cannot export a window over a flat input");
      const std::vector<int64_t> pads = window_pads(layer);
      std::vector<ProtoWriter> a;
      a.push_back(attr_ints("kernel_shape", {l.kh, l.kw}));
      a.push_back(attr_ints("strides", {l.sh, l.sw}));
      a.push_back(attr_ints("pads", pads));
      if (t == "conv2d") {
        conv(layer, name, f, std::move(a));
      } else {
        // ONNX runtimes refuse padding as wide as the window (the core gives 0 for such windows).
        check(pads[0] < l.kh && pads[2] < l.kh && pads[1] < l.kw && pads[3] < l.kw,
              layer.label() + ": ONNX pooling needs padding smaller than the window");
        if (t == "avgpool2d") a.push_back(attr_int("count_include_pad", 0));
        f.name =
            g_.node(t == "maxpool2d" ? "MaxPool" : "AveragePool", name, {f.name}, std::move(a));
      }
      f.h = layer.out_shape()[0];
      f.w = layer.out_shape()[1];
      f.c = layer.out_shape()[2];
    } else if (t == "lrn") {
      lrn(l, name, f);
    } else if (t == "flatten") {
      flatten(f, name);
    } else if (t == "dense") {
      flatten(f, name);
      const std::vector<Param>& p = layer.params();
      const Tensor& k = p[0].value;
      g_.floats(p[0].name, {k.shape[0], k.shape[1]}, k.ptr(), k.data.size());
      std::vector<std::string> inputs = {f.name, p[0].name};
      if (l.use_bias) {
        g_.floats(p[1].name, {p[1].value.shape[0]}, p[1].value.ptr(), p[1].value.data.size());
        inputs.push_back(p[1].name);
      }
      f.name = g_.node("Gemm", name, std::move(inputs));
      f.flat = l.units;
      activation(f, l.activation, name);
    } else if (t == "dropout") {
      // Inverted dropout: the identity at inference.
    } else if (t == "activation") {
      activation(f, l.activation, name);
    } else {
      throw Error(layer.label() + ": the ONNX export does not know this layer type");
    }
  }

  void conv(const Layer& layer, const std::string& name, Flow& f, std::vector<ProtoWriter> attrs) {
    const std::vector<Param>& p = layer.params();
    const Tensor& k = p[0].value;  // [KH, KW, C, K]
    const int KH = k.shape[0], KW = k.shape[1], C = k.shape[2], K = k.shape[3];
    std::vector<float> oihw(k.data.size());
    for (int ky = 0; ky < KH; ++ky)
      for (int kx = 0; kx < KW; ++kx)
        for (int c = 0; c < C; ++c)
          for (int o = 0; o < K; ++o)
            oihw[((static_cast<size_t>(o) * C + c) * KH + ky) * KW + kx] =
                k.data[((static_cast<size_t>(ky) * KW + kx) * C + c) * K + o];
    g_.floats(p[0].name, {K, C, KH, KW}, oihw.data(), oihw.size(),
              "Keras kernel [KH, KW, C, K] transposed to ONNX's [K, C, KH, KW]");
    std::vector<std::string> inputs = {f.name, p[0].name};
    if (layer.spec().use_bias) {
      g_.floats(p[1].name, {K}, p[1].value.ptr(), p[1].value.data.size());
      inputs.push_back(p[1].name);
    }
    f.name = g_.node("Conv", name, std::move(inputs), std::move(attrs));
    activation(f, layer.spec().activation, name);
  }

  // tf.nn.local_response_normalization sums depth_radius channels on each side and scales by
  // alpha; ONNX's LRN takes the window size and divides alpha by it.
  void lrn(const LayerSpec& l, const std::string& name, Flow& f) {
    const int64_t size = 2 * static_cast<int64_t>(l.depth_radius) + 1;
    std::vector<ProtoWriter> a;
    a.push_back(attr_int("size", size));
    a.push_back(attr_float("alpha", l.alpha * static_cast<float>(size)));
    a.push_back(attr_float("beta", l.beta));
    a.push_back(attr_float("bias", l.lrn_bias));
    if (f.spatial) {
      f.name = g_.node("LRN", name, {f.name}, std::move(a));
      return;
    }
    // A flat vector normalises across its values: ONNX's LRN wants [N, C, 1, 1].
    g_.int64s(name + "/shape4d", {0, -1, 1, 1});
    g_.int64s(name + "/shape2d", {0, -1});
    const std::string x4 = g_.node("Reshape", name + "/in4d", {f.name, name + "/shape4d"});
    const std::string y4 = g_.node("LRN", name + "/lrn", {x4}, std::move(a));
    f.name = g_.node("Reshape", name, {y4, name + "/shape2d"});
  }

  const Network& net_;
  GraphBuilder g_;
};

}  // namespace

std::vector<uint8_t> export_onnx(const Network& net) { return Exporter(net).run(); }

}  // namespace cnn
