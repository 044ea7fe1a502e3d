// JSON <-> ModelSpec. Unknown fields are errors (a typo such as "filter" must not be ignored), and
// every message names the layer index, its type and the field.
#include "core/model/spec.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/tensor/error.h"

namespace cnn {

using json = nlohmann::json;
using kernels::Activation;

namespace {

std::string describe(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// Field readers: `ctx` is "layer 2 (conv2d)" or "spec"; each error names ctx and the field.
int get_int(const json& o, const char* key, const std::string& ctx, int lo, int hi) {
  const json& v = o.at(key);
  if (!v.is_number()) throw Error(ctx + ": \"" + key + "\" must be a number, not " + describe(v));
  const double d = v.get<double>();
  if (d != std::floor(d))
    throw Error(ctx + ": \"" + key + "\" must be a whole number, not " + v.dump());
  if (d < lo || d > hi)
    throw Error(ctx + ": \"" + key + "\" is " + v.dump() + " but must be between " +
                std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<int>(d);
}

float get_float(const json& o, const char* key, const std::string& ctx, double lo, double hi) {
  const json& v = o.at(key);
  if (!v.is_number()) throw Error(ctx + ": \"" + key + "\" must be a number, not " + describe(v));
  const double d = v.get<double>();
  if (!(d >= lo && d <= hi)) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s: \"%s\" is %s but must be between %g and %g", ctx.c_str(),
                  key, v.dump().c_str(), lo, hi);
    throw Error(buf);
  }
  return static_cast<float>(d);
}

bool get_bool(const json& o, const char* key, const std::string& ctx) {
  const json& v = o.at(key);
  if (!v.is_boolean())
    throw Error(ctx + ": \"" + key + "\" must be true or false, not " + v.dump());
  return v.get<bool>();
}

std::string get_string(const json& o, const char* key, const std::string& ctx) {
  const json& v = o.at(key);
  if (!v.is_string()) throw Error(ctx + ": \"" + key + "\" must be a string, not " + describe(v));
  return v.get<std::string>();
}

// An int or a [a, b] pair (kernel, stride, pool size).
void get_pair(const json& o, const char* key, const std::string& ctx, int lo, int hi, int* a,
              int* b) {
  const json& v = o.at(key);
  if (v.is_array()) {
    if (v.size() != 2)
      throw Error(ctx + ": \"" + key + "\" must be a number or a pair [height, width], not " +
                  v.dump());
    json pair = {{"h", v[0]}, {"w", v[1]}};
    *a = get_int(pair, "h", ctx + " " + key + "[0]", lo, hi);
    *b = get_int(pair, "w", ctx + " " + key + "[1]", lo, hi);
    return;
  }
  if (v.is_number() && v.get<double>() < lo)
    throw Error(ctx + ": \"" + key + "\" is " + v.dump() + " but must be a positive integer");
  *a = *b = get_int(o, key, ctx, lo, hi);
}

void check_fields(const json& o, const std::string& ctx, const std::set<std::string>& allowed) {
  for (auto it = o.begin(); it != o.end(); ++it)
    if (!allowed.count(it.key())) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw Error(ctx + ": unknown field \"" + it.key() + "\" (known fields: " + list + ")");
    }
}

Activation parse_activation(const std::string& s, const std::string& ctx) {
  if (s == "linear" || s == "none") return Activation::kLinear;
  if (s == "relu") return Activation::kRelu;
  if (s == "tanh") return Activation::kTanh;
  if (s == "sigmoid") return Activation::kSigmoid;
  if (s == "softmax") return Activation::kSoftmax;
  throw Error(ctx + ": unknown activation \"" + s +
              "\" (use relu, tanh, sigmoid, softmax or linear)");
}

InitSpec parse_init(const json& v, const std::string& ctx) {
  InitSpec init;
  json o = v.is_string() ? json{{"type", v}} : v;
  if (!o.is_object() || !o.contains("type"))
    throw Error(ctx + ": an initializer must be a name or an object with a \"type\", not " +
                v.dump());
  check_fields(o, ctx, {"type", "stddev", "value", "factor"});
  init.type = get_string(o, "type", ctx);
  static const std::set<std::string> kTypes = {"glorot_uniform",   "uniform_scaling", "he_normal",
                                               "truncated_normal", "normal",          "zeros",
                                               "constant"};
  if (!kTypes.count(init.type))
    throw Error(ctx + ": unknown initializer \"" + init.type +
                "\" (use glorot_uniform, uniform_scaling, he_normal, truncated_normal, normal, "
                "zeros or constant)");
  if (o.contains("stddev")) init.stddev = get_float(o, "stddev", ctx + " init", 0.0, 100.0);
  if (o.contains("value")) init.value = get_float(o, "value", ctx + " init", -1e6, 1e6);
  if (o.contains("factor")) init.factor = get_float(o, "factor", ctx + " init", 0.0, 100.0);
  return init;
}

// "padding": a name or a number of pixels, read by the one padding parser
// (core/layers/layer_spec.h).
PaddingSpec padding_field(const json& o, const std::string& ctx) {
  const json& v = o.at("padding");
  const bool whole = v.is_number() && v.get<double>() == std::floor(v.get<double>()) &&
                     std::fabs(v.get<double>()) < 1e9;
  return parse_padding(v.is_string() ? v.get<std::string>()
                       : whole       ? std::to_string(v.get<int64_t>())
                                     : v.dump(),
                       ctx);
}

LayerSpec parse_layer(const json& o, int index) {
  std::string ctx = "layer " + std::to_string(index);
  if (!o.is_object())
    throw Error(ctx + ": must be an object such as {\"type\": \"dense\", \"units\": 10}");
  if (!o.contains("type")) throw Error(ctx + ": missing \"type\"");
  LayerSpec l;
  l.type = get_string(o, "type", ctx);
  ctx = layer_label(index, l);
  const int kMax = 1 << 16;
  if (l.type == "conv2d") {
    check_fields(o, ctx,
                 {"type", "filters", "kernel", "stride", "padding", "activation", "use_bias",
                  "init", "bias_init", "l2", "name"});
    if (!o.contains("filters")) throw Error(ctx + ": missing \"filters\"");
    if (!o.contains("kernel")) throw Error(ctx + ": missing \"kernel\"");
    if (o.at("filters").is_number() && o.at("filters").get<double>() < 1)
      throw Error(ctx + ": \"filters\" is " + o.at("filters").dump() + " but must be at least 1");
    l.filters = get_int(o, "filters", ctx, 1, kMax);
    get_pair(o, "kernel", ctx, 1, 1024, &l.kh, &l.kw);
    if (o.contains("stride")) get_pair(o, "stride", ctx, 1, 1024, &l.sh, &l.sw);
    if (o.contains("padding")) l.padding = padding_field(o, ctx);
  } else if (l.type == "dense") {
    check_fields(o, ctx,
                 {"type", "units", "activation", "use_bias", "init", "bias_init", "l2", "name"});
    if (!o.contains("units")) throw Error(ctx + ": missing \"units\"");
    if (o.at("units").is_number() && o.at("units").get<double>() < 1)
      throw Error(ctx + ": \"units\" is " + o.at("units").dump() + " but must be at least 1");
    l.units = get_int(o, "units", ctx, 1, 1 << 20);
  } else if (l.type == "maxpool2d" || l.type == "avgpool2d") {
    check_fields(o, ctx, {"type", "size", "stride", "padding", "name"});
    l.kh = l.kw = 2;
    if (o.contains("size")) get_pair(o, "size", ctx, 1, 1024, &l.kh, &l.kw);
    l.sh = l.kh;
    l.sw = l.kw;
    if (o.contains("stride")) get_pair(o, "stride", ctx, 1, 1024, &l.sh, &l.sw);
    if (o.contains("padding")) l.padding = padding_field(o, ctx);
  } else if (l.type == "lrn") {
    check_fields(o, ctx, {"type", "depth_radius", "bias", "alpha", "beta", "name"});
    if (o.contains("depth_radius")) l.depth_radius = get_int(o, "depth_radius", ctx, 0, 1024);
    if (o.contains("bias")) l.lrn_bias = get_float(o, "bias", ctx, 1e-6, 1e6);
    if (o.contains("alpha")) l.alpha = get_float(o, "alpha", ctx, 0.0, 1e6);
    if (o.contains("beta")) l.beta = get_float(o, "beta", ctx, 0.0, 10.0);
  } else if (l.type == "flatten") {
    check_fields(o, ctx, {"type", "name"});
  } else if (l.type == "dropout") {
    check_fields(o, ctx, {"type", "rate", "name"});
    if (!o.contains("rate"))
      throw Error(ctx + ": missing \"rate\" (the fraction of units dropped, e.g. 0.5)");
    l.rate = get_float(o, "rate", ctx, 0.0, 0.95);
  } else if (l.type == "activation") {
    check_fields(o, ctx, {"type", "activation", "name"});
    if (!o.contains("activation")) throw Error(ctx + ": missing \"activation\"");
  } else {
    throw Error(
        ctx + ": unknown layer type \"" + l.type +
        "\" (use conv2d, maxpool2d, avgpool2d, lrn, flatten, dense, dropout or activation)");
  }
  if (o.contains("activation"))
    l.activation = parse_activation(get_string(o, "activation", ctx), ctx);
  if (o.contains("use_bias")) l.use_bias = get_bool(o, "use_bias", ctx);
  if (o.contains("init")) l.init = parse_init(o.at("init"), ctx + " \"init\"");
  if (o.contains("bias_init")) l.bias_init = parse_init(o.at("bias_init"), ctx + " \"bias_init\"");
  if (o.contains("l2")) l.l2 = get_float(o, "l2", ctx, 0.0, 100.0);
  return l;
}

OptimizerConfig parse_optimizer(const json& v, const std::string& where) {
  const std::string ctx = where + " \"optimizer\"";
  json o = v.is_string() ? json{{"type", v}} : v;
  if (!o.is_object() || !o.contains("type"))
    throw Error(ctx + ": must be a name or an object with a \"type\" (sgd, adam or rmsprop)");
  OptimizerConfig c;
  c.type = get_string(o, "type", ctx);
  if (c.type == "sgd") {
    check_fields(o, ctx, {"type", "lr", "momentum", "nesterov"});
    c.lr = 0.01f;
  } else if (c.type == "adam") {
    check_fields(o, ctx, {"type", "lr", "beta1", "beta2", "epsilon"});
    c.lr = 0.001f;
  } else if (c.type == "rmsprop") {
    check_fields(o, ctx, {"type", "lr", "rho", "epsilon"});
    c.lr = 0.001f;
  } else {
    throw Error(ctx + ": unknown optimizer \"" + c.type + "\" (use sgd, adam or rmsprop)");
  }
  if (o.contains("lr")) c.lr = get_float(o, "lr", ctx, 0.0, 100.0);
  if (o.contains("momentum")) c.momentum = get_float(o, "momentum", ctx, 0.0, 0.9999);
  if (o.contains("nesterov")) c.nesterov = get_bool(o, "nesterov", ctx);
  if (o.contains("beta1")) c.beta1 = get_float(o, "beta1", ctx, 0.0, 0.9999999);
  if (o.contains("beta2")) c.beta2 = get_float(o, "beta2", ctx, 0.0, 0.9999999);
  if (o.contains("rho")) c.rho = get_float(o, "rho", ctx, 0.0, 0.9999999);
  if (o.contains("epsilon")) c.epsilon = get_float(o, "epsilon", ctx, 1e-12, 1.0);
  return c;
}

json init_to_json(const InitSpec& i) {
  json o = {{"type", i.type}};
  if (i.type == "truncated_normal" || i.type == "normal") o["stddev"] = i.stddev;
  if (i.type == "constant") o["value"] = i.value;
  if (i.type == "uniform_scaling") o["factor"] = i.factor;
  return o;
}

json padding_to_json(const PaddingSpec& p) {
  if (p.kind == PaddingSpec::kSame) return "same";
  if (p.kind == PaddingSpec::kValid) return "valid";
  return p.amount;
}

json pair_to_json(int a, int b) { return a == b ? json(a) : json::array({a, b}); }

}  // namespace

ModelSpec parse_spec(const std::string& json_text, const std::string& where) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    // Syntax errors and out-of-range numbers alike. nlohmann's message ends with a byte position;
    // keep it, it points at the problem.
    std::string what = e.what();
    const auto pos = what.find("] ");
    what = pos == std::string::npos ? what : what.substr(pos + 2);
    if (what.size() > 200) what = what.substr(0, 200) + "...";
    throw Error(where + " is not valid JSON: " + what);
  }
  if (!doc.is_object()) throw Error(where + " must be a JSON object with \"input\" and \"layers\"");
  check_fields(doc, where,
               {"name", "description", "input", "layers", "loss", "optimizer", "batch_size",
                "epochs", "seed", "shuffle", "lr_schedule", "augment"});
  ModelSpec s;
  if (doc.contains("name")) s.name = get_string(doc, "name", where);
  if (doc.contains("description")) s.description = get_string(doc, "description", where);
  if (doc.contains("input")) {
    const json& in = doc.at("input");
    if (!in.is_array() || in.size() != 3)
      throw Error(where + ": \"input\" must be [height, width, channels], not " + in.dump());
    json dims = {{"height", in[0]}, {"width", in[1]}, {"channels", in[2]}};
    s.input = {get_int(dims, "height", where + " input", 1, 4096),
               get_int(dims, "width", where + " input", 1, 4096),
               get_int(dims, "channels", where + " input", 1, 1024)};
  }
  if (!doc.contains("layers") || !doc.at("layers").is_array() || doc.at("layers").empty())
    throw Error(where + ": \"layers\" must be a non-empty array of layers");
  const json& layers = doc.at("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    const int index = static_cast<int>(i);
    s.layers.push_back(at_layer(index, [&] { return parse_layer(layers[i], index); }));
  }
  if (doc.contains("loss")) {
    s.loss = get_string(doc, "loss", where);
    if (s.loss != "categorical_crossentropy" && s.loss != "sparse_categorical_crossentropy")
      throw Error(where + ": unknown loss \"" + s.loss + "\" (use categorical_crossentropy)");
    s.loss = "categorical_crossentropy";
  }
  if (doc.contains("optimizer")) s.optimizer = parse_optimizer(doc.at("optimizer"), where);
  if (doc.contains("batch_size")) s.batch_size = get_int(doc, "batch_size", where, 1, 4096);
  if (doc.contains("epochs")) s.epochs = get_int(doc, "epochs", where, 1, 10000);
  if (doc.contains("seed")) {
    const json& v = doc.at("seed");
    if (!v.is_number_integer() && !v.is_number_unsigned())
      throw Error(where + ": \"seed\" must be a non-negative whole number, not " + v.dump());
    if (v.is_number_integer() && v.get<int64_t>() < 0)
      throw Error(where + ": \"seed\" must be a non-negative whole number, not " + v.dump());
    s.seed = v.get<uint64_t>();
  }
  if (doc.contains("shuffle")) s.shuffle = get_bool(doc, "shuffle", where);
  if (doc.contains("lr_schedule")) {
    s.lr_schedule = get_string(doc, "lr_schedule", where);
    if (s.lr_schedule != "constant" && s.lr_schedule != "cosine")
      throw Error(where + ": unknown \"lr_schedule\" \"" + s.lr_schedule +
                  "\" (use constant or cosine)");
  }
  if (doc.contains("augment")) {
    const json& a = doc.at("augment");
    if (a.is_boolean()) {
      s.augment.enabled = a.get<bool>();
    } else if (a.is_object()) {
      const std::string ctx = where + " \"augment\"";
      check_fields(a, ctx, {"enabled", "shift", "rotate", "scale"});
      s.augment.enabled = a.contains("enabled") ? get_bool(a, "enabled", ctx) : true;
      if (a.contains("shift")) s.augment.shift = get_float(a, "shift", ctx, 0.0, 10.0);
      if (a.contains("rotate")) s.augment.rotate = get_float(a, "rotate", ctx, 0.0, 90.0);
      if (a.contains("scale")) s.augment.scale = get_float(a, "scale", ctx, 0.0, 0.5);
    } else {
      throw Error(where + ": \"augment\" must be true, false or an object {shift, rotate, scale}");
    }
  }
  return s;
}

std::string spec_to_json(const ModelSpec& s, int indent) {
  json layers = json::array();
  for (const LayerSpec& l : s.layers) {
    json o = {{"type", l.type}};
    if (l.type == "conv2d" || l.type == "dense") {
      if (l.type == "conv2d") {
        o["filters"] = l.filters;
        o["kernel"] = pair_to_json(l.kh, l.kw);
        o["stride"] = pair_to_json(l.sh, l.sw);
        o["padding"] = padding_to_json(l.padding);
      } else {
        o["units"] = l.units;
      }
      o["activation"] = activation_name(l.activation);
      o["use_bias"] = l.use_bias;
      o["init"] = init_to_json(l.init);
      o["bias_init"] = init_to_json(l.bias_init);
      o["l2"] = l.l2;
    } else if (l.type == "maxpool2d" || l.type == "avgpool2d") {
      o["size"] = pair_to_json(l.kh, l.kw);
      o["stride"] = pair_to_json(l.sh, l.sw);
      o["padding"] = padding_to_json(l.padding);
    } else if (l.type == "lrn") {
      o["depth_radius"] = l.depth_radius;
      o["bias"] = l.lrn_bias;
      o["alpha"] = l.alpha;
      o["beta"] = l.beta;
    } else if (l.type == "dropout") {
      o["rate"] = l.rate;
    } else if (l.type == "activation") {
      o["activation"] = activation_name(l.activation);
    }
    layers.push_back(o);
  }
  json opt = {{"type", s.optimizer.type}, {"lr", s.optimizer.lr}};
  if (s.optimizer.type == "sgd") {
    opt["momentum"] = s.optimizer.momentum;
    opt["nesterov"] = s.optimizer.nesterov;
  } else if (s.optimizer.type == "adam") {
    opt["beta1"] = s.optimizer.beta1;
    opt["beta2"] = s.optimizer.beta2;
    opt["epsilon"] = s.optimizer.epsilon;
  } else {
    opt["rho"] = s.optimizer.rho;
    opt["epsilon"] = s.optimizer.epsilon;
  }
  json doc = {{"name", s.name},
              {"description", s.description},
              {"input", s.input},
              {"layers", layers},
              {"loss", s.loss},
              {"optimizer", opt},
              {"batch_size", s.batch_size},
              {"epochs", s.epochs},
              {"seed", s.seed},
              {"shuffle", s.shuffle},
              {"lr_schedule", s.lr_schedule},
              {"augment",
               {{"enabled", s.augment.enabled},
                {"shift", s.augment.shift},
                {"rotate", s.augment.rotate},
                {"scale", s.augment.scale}}}};
  return doc.dump(indent);
}

}  // namespace cnn
