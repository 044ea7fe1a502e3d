// A minimal protobuf reader for the core's ONNX export: splits messages into fields (every length
// checked to stay inside its message) and reads the parts of a ModelProto the exporter writes.
// Malformed input throws std::runtime_error naming the broken rule. Shared by the export test
// and the ONNX fuzz target; tests/onnx runs the files in onnxruntime.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cnn::test::onnx {

inline void need(bool ok, const char* rule) {
  if (!ok) throw std::runtime_error(std::string("malformed ONNX: ") + rule);
}

// One protobuf field: a varint or fixed32 value, or a length-delimited byte range.
struct Field {
  int number = 0, wire = 0;
  uint64_t value = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::string str() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

inline uint64_t read_varint(const uint8_t*& p, const uint8_t* end) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    need(p < end, "a varint runs past the end of its message");
    const uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  throw std::runtime_error("varint longer than 10 bytes");
}

// Splits one message into its fields; every length must stay inside the message.
inline std::vector<Field> parse(const uint8_t* p, size_t n) {
  std::vector<Field> out;
  const uint8_t* end = p + n;
  while (p < end) {
    Field f;
    const uint64_t key = read_varint(p, end);
    f.number = static_cast<int>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    need(f.number > 0, "field number 0");
    if (f.wire == 0) {
      f.value = read_varint(p, end);
    } else if (f.wire == 2) {
      f.size = read_varint(p, end);
      need(f.size <= static_cast<size_t>(end - p),
           "a length-delimited field runs past its message");
      f.data = p;
      p += f.size;
    } else {
      need(f.wire == 5, "a wire type the exporter never writes");
      need(end - p >= 4, "a fixed32 field runs past its message");
      uint32_t bits = 0;
      for (int i = 0; i < 4; ++i) bits |= static_cast<uint32_t>(p[i]) << (8 * i);
      f.value = bits;
      p += 4;
    }
    out.push_back(f);
  }
  return out;
}
inline std::vector<Field> parse(const Field& f) { return parse(f.data, f.size); }

inline std::vector<Field> all(const std::vector<Field>& m, int number) {
  std::vector<Field> out;
  for (const Field& f : m)
    if (f.number == number) out.push_back(f);
  return out;
}
inline Field one(const std::vector<Field>& m, int number) {
  const std::vector<Field> v = all(m, number);
  need(v.size() == 1, "a field that must appear once is missing or repeated");
  return v[0];
}
inline std::vector<int64_t> ints(const std::vector<Field>& m, int number) {
  std::vector<int64_t> out;
  for (const Field& f : all(m, number)) out.push_back(static_cast<int64_t>(f.value));
  return out;
}
inline float as_float(uint64_t bits) {
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
inline std::pair<std::string, std::vector<int64_t>> value_info(const std::vector<Field>& v) {
  const std::vector<Field> tensor_type = parse(one(parse(one(v, 2)), 1));
  need(one(tensor_type, 1).value == 1, "a graph input or output that is not FLOAT");
  std::vector<int64_t> dims;
  for (const Field& df : all(parse(one(tensor_type, 2)), 1)) {
    const std::vector<Field> d = parse(df);
    if (!all(d, 2).empty()) {
      need(one(d, 2).str() == "N", "a symbolic dimension not named N");
      dims.push_back(-1);
    } else {
      dims.push_back(static_cast<int64_t>(one(d, 1).value));
    }
  }
  return {one(v, 1).str(), dims};
}

inline OnnxModel read_model(std::vector<uint8_t> file) {
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
    need(m.inits.count(name) == 0, "two initializers with one name");
    m.inits[name] = tensor;
    m.init_order.push_back(name);
  }
  m.input = value_info(parse(one(graph, 11)));
  m.output = value_info(parse(one(graph, 12)));
  return m;
}

// The graph is well formed: every node reads names defined before it (the graph input, an
// initializer or an earlier node's output), names no output twice, and the graph output is
// produced; every initializer is FLOAT (or INT64) with positive dims and exactly their product
// of values.
inline void check_graph(const OnnxModel& m) {
  std::map<std::string, int> defined{{m.input.first, 0}};
  for (const auto& [name, t] : m.inits) {
    need(t.data_type == 1 || t.data_type == 7,
         "an initializer neither FLOAT nor INT64 (Reshape's shape)");
    const int64_t width = t.data_type == 1 ? 4 : 8;
    int64_t count = 1;
    for (int64_t d : t.dims) {
      need(d > 0, "an initializer dimension below 1");
      count *= d;
    }
    need(static_cast<int64_t>(t.raw.size()) == width * count,
         "an initializer whose bytes do not match its dims");
    need(defined.emplace(name, 0).second, "an initializer named like the graph input");
  }
  need(!m.nodes.empty(), "a graph without nodes");
  for (const OnnxNode& n : m.nodes) {
    for (const std::string& in : n.inputs)
      need(defined.count(in) == 1, "a node reads a name defined nowhere before it");
    need(defined.emplace(n.output, 0).second, "two values with one name");
  }
  need(defined.count(m.output.first) == 1 && m.output.first != m.input.first,
       "the graph output is never produced");
}

}  // namespace cnn::test::onnx
