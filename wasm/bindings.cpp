// Embind bindings over the trainer facade (core/model/trainer.h): type conversion only. Results
// are plain JS objects; errors come back as {error: "one sentence"} instead of exceptions (Embind
// in this Emscripten version cannot carry a C++ exception's message to JS). Bulk data crosses as
// typed-array copies; heap views are never kept.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"

using emscripten::val;
using namespace cnn;

namespace {

template <class T>
val copy_array(const std::vector<T>& v) {
  return val(emscripten::typed_memory_view(v.size(), v.data())).call<val>("slice");
}

val shape_array(const Shape& s) {
  val a = val::array();
  for (int d : s) a.call<void>("push", d);
  return a;
}

// {error: sentence, code: ErrorCode name, layer?: index}; the page decides by code and marks the
// layer, never by reading the sentence.
val error_object(const std::string& message, const char* code, int layer = -1) {
  val o = val::object();
  o.set("error", message);
  o.set("code", std::string(code));
  if (layer >= 0) o.set("layer", layer);
  return o;
}

// Runs f and converts cnn::Error (and allocation failure) into {error, code}.
template <class F>
val guarded(F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    return error_object(e.what(), error_code_name(e.code()), e.layer());
  } catch (const std::bad_alloc&) {
    return error_object(
        "out of memory: the engine reached the most memory it can have; lower the batch size or "
        "use a smaller model",
        error_code_name(ErrorCode::kMemory));
  } catch (const std::exception& e) {
    return error_object(std::string("internal error: ") + e.what(), "internal");
  }
}

std::vector<std::string> strings_of(const val& array) {
  std::vector<std::string> out;
  if (array.isUndefined() || array.isNull()) return out;
  const int n = array["length"].as<int>();
  for (int i = 0; i < n; ++i) out.push_back(array[i].as<std::string>());
  return out;
}

val summary_object(const ModelSummary& s) {
  val layers = val::array();
  for (const LayerSummary& l : s.layers) {
    val o = val::object();
    o.set("index", l.index);
    o.set("name", l.name);
    o.set("type", l.type);
    o.set("detail", l.detail);
    o.set("output", shape_array(l.output));
    o.set("params", static_cast<double>(l.params));
    o.set("macs", static_cast<double>(l.macs));
    layers.call<void>("push", o);
  }
  val o = val::object();
  o.set("name", s.name);
  o.set("input", shape_array(s.input));
  o.set("layers", layers);
  o.set("params", static_cast<double>(s.params));
  o.set("macs", static_cast<double>(s.macs));
  o.set("classes", s.classes);
  o.set("stepBytesPerExample", static_cast<double>(s.step_bytes_per_example));
  o.set("stepBytesFixed", static_cast<double>(s.step_bytes_fixed));
  return o;
}

val named_values(const NamedValues& v) {
  val o = val::object();
  o.set("name", v.name);
  o.set("shape", shape_array(v.shape));
  o.set("data", copy_array(v.data));
  return o;
}

val named_list(const std::vector<NamedValues>& list) {
  val a = val::array();
  for (const NamedValues& v : list) a.call<void>("push", named_values(v));
  return a;
}

val stats_object(const TensorStats& t) {
  val o = val::object();
  o.set("count", static_cast<double>(t.count));
  o.set("min", t.min);
  o.set("max", t.max);
  o.set("mean", t.mean);
  o.set("std", t.std);
  o.set("zeroFraction", t.zero_fraction);
  o.set("nanCount", static_cast<double>(t.nan_count));
  o.set("infCount", static_cast<double>(t.inf_count));
  o.set("histogram", copy_array(t.histogram));
  o.set("histMin", t.hist_min);
  o.set("histMax", t.hist_max);
  return o;
}

std::vector<uint8_t> bytes_of(const val& typed_array) {
  return emscripten::convertJSArrayToNumberVector<uint8_t>(typed_array);
}

val data_info_object(const DataInfo& d) {
  val o = val::object();
  o.set("trainCount", d.train_count);
  o.set("testCount", d.test_count);
  o.set("rows", d.rows);
  o.set("cols", d.cols);
  o.set("epochSize", d.epoch_size);
  return o;
}

class JsTrainer {
 public:
  val configure(const std::string& spec) {
    return guarded([&] { return summary_object(t_.configure(spec)); });
  }
  val summary() const {
    return guarded([&] { return summary_object(t_.summary()); });
  }
  std::string specJson() const { return t_.configured() ? t_.spec_json(2) : ""; }

  val setData4(const val& train_images, const val& train_labels, const val& test_images,
               const val& test_labels) {
    return setData(train_images, train_labels, test_images, test_labels, val::array());
  }
  // names: the four files' names for the messages (an empty array: the roles alone).
  val setData(const val& train_images, const val& train_labels, const val& test_images,
              const val& test_labels, const val& names) {
    return guarded([&] {
      return data_info_object(t_.set_data(bytes_of(train_images), bytes_of(train_labels),
                                          bytes_of(test_images), bytes_of(test_labels),
                                          strings_of(names)));
    });
  }
  val appendTrain(const val& images, const val& labels) {
    return guarded(
        [&] { return data_info_object(t_.append_train(bytes_of(images), bytes_of(labels))); });
  }
  val appendTest(const val& images, const val& labels) {
    return guarded(
        [&] { return data_info_object(t_.append_test(bytes_of(images), bytes_of(labels))); });
  }
  val setFullTrainCount(int n) {
    return guarded([&] {
      t_.set_full_train_count(n);
      return data_info_object(t_.data_info());
    });
  }

  val trainSteps(int n) {
    return guarded([&] {
      const StepResult r = t_.train_steps(n);
      val o = val::object();
      o.set("step", static_cast<double>(r.step));
      o.set("epoch", r.epoch);
      o.set("epochProgress", r.epoch_progress);
      o.set("examplesSeen", static_cast<double>(r.examples_seen));
      o.set("loss", r.loss);
      o.set("batchAccuracy", r.batch_accuracy);
      o.set("ms", r.ms);
      o.set("steps", r.steps);
      o.set("stepsPerEpoch", t_.steps_per_epoch());
      o.set("lr", t_.current_lr());
      return o;
    });
  }

  val evaluate(int limit) {
    return guarded([&] {
      const EvalResult r = t_.evaluate(limit);
      val o = val::object();
      o.set("count", r.count);
      o.set("classes", r.classes);
      o.set("loss", r.loss);
      o.set("accuracy", r.accuracy);
      o.set("perClass", copy_array(r.per_class));
      o.set("classCount", copy_array(r.class_count));
      o.set("confusion", copy_array(r.confusion));
      o.set("misclassified", copy_array(r.misclassified));
      o.set("predicted", copy_array(r.predicted));
      o.set("probs", copy_array(r.probs));
      return o;
    });
  }

  val predict(const val& image) {
    return guarded([&] {
      const std::vector<float> x = emscripten::convertJSArrayToNumberVector<float>(image);
      val o = val::object();
      o.set("probabilities", copy_array(t_.predict(x.data(), x.size())));
      return o;
    });
  }

  // Trainer::explain: three maps per class, each [classes, height, width] flat.
  val explain(const val& image) {
    return guarded([&] {
      const std::vector<float> x = emscripten::convertJSArrayToNumberVector<float>(image);
      const Explanation e = t_.explain(x.data(), x.size());
      val o = val::object();
      o.set("probabilities", copy_array(e.probabilities));
      o.set("classes", e.saliency.classes);
      o.set("height", e.saliency.height);
      o.set("width", e.saliency.width);
      o.set("saliency", copy_array(e.saliency.data));
      o.set("gradCam", copy_array(e.grad_cam.upsampled.data));
      o.set("gradCamLayer", e.grad_cam.layer);
      o.set("gradCamHeight", e.grad_cam.coarse.height);
      o.set("gradCamWidth", e.grad_cam.coarse.width);
      o.set("occlusion", copy_array(e.occlusion.data));
      o.set("occlusionPatch", e.occlusion_options.patch);
      o.set("occlusionStride", e.occlusion_options.stride);
      o.set("occlusionFill", e.occlusion_options.fill);
      return o;
    });
  }

  val testImage(int index) const {
    return guarded([&] {
      int label = 0;
      const std::vector<float> img = t_.test_image(index, &label);
      val o = val::object();
      o.set("image", copy_array(img));
      o.set("label", label);
      return o;
    });
  }

  val activation(int layer) const {
    return guarded([&] { return named_values(t_.activation(layer)); });
  }
  val weights(int layer) const {
    return guarded([&] { return named_list(t_.weights(layer)); });
  }
  val gradients(int layer) const {
    return guarded([&] { return named_list(t_.gradients(layer)); });
  }

  // {layer, name, type, kh, kw, strideH, strideW, padding, padTop, padLeft, padBottom, padRight,
  //  outputH, outputW, activation}
  val layerWindow(int layer) const {
    return guarded([&] {
      const LayerWindow w = t_.layer_window(layer);
      val o = val::object();
      o.set("layer", w.layer);
      o.set("name", w.name);
      o.set("type", w.type);
      o.set("kh", w.kh);
      o.set("kw", w.kw);
      o.set("strideH", w.sh);
      o.set("strideW", w.sw);
      o.set("padding", w.padding);
      o.set("padTop", w.geometry.h.pad_before);
      o.set("padLeft", w.geometry.w.pad_before);
      o.set("padBottom", w.geometry.h.pad_after);
      o.set("padRight", w.geometry.w.pad_after);
      o.set("outputH", w.geometry.h.out);
      o.set("outputW", w.geometry.w.out);
      o.set("activation", w.activation);
      return o;
    });
  }

  val layerStats(int layer) const {
    return guarded([&] {
      const LayerStats s = t_.layer_stats(layer);
      val o = val::object();
      o.set("layer", s.layer);
      o.set("name", s.name);
      o.set("type", s.type);
      o.set("hasParams", s.has_params);
      o.set("updateRatio", s.update_ratio);
      o.set("weights", stats_object(s.weights));
      o.set("gradients", stats_object(s.gradients));
      o.set("activations", stats_object(s.activations));
      return o;
    });
  }

  // h: {lr, momentum, l2, dropout, batchSize, epochs, augment, optimizer}, each optional.
  val setHyperparameters(const val& h) {
    return guarded([&] {
      Hyperparameters p;
      if (h["lr"].isNumber()) p.lr = h["lr"].as<float>();
      if (h["momentum"].isNumber()) p.momentum = h["momentum"].as<float>();
      if (h["l2"].isNumber()) p.l2 = h["l2"].as<float>();
      if (h["dropout"].isNumber()) p.dropout = h["dropout"].as<float>();
      if (h["batchSize"].isNumber()) p.batch_size = h["batchSize"].as<int>();
      if (h["epochs"].isNumber()) p.epochs = h["epochs"].as<int>();
      if (h["augment"].isTrue() || h["augment"].isFalse()) p.augment = h["augment"].as<bool>();
      if (h["optimizer"].isString()) p.optimizer = h["optimizer"].as<std::string>();
      t_.set_hyperparameters(p);
      return val::object();
    });
  }

  // seed < 0: the spec's seed.
  val reset(double seed) {
    return guarded([&] {
      if (seed >= 0)
        t_.reset(static_cast<uint64_t>(seed));
      else
        t_.reset();
      return val::object();
    });
  }

  val save() const { return save_bytes(true); }
  // The model file without the optimizer's state (smaller; to ship a pretrained model).
  val saveWeights() const { return save_bytes(false); }
  val load(const val& bytes, const std::string& name) {
    return guarded([&] { return summary_object(t_.load(bytes_of(bytes), name)); });
  }
  val importWeights(const val& bytes, const std::string& name) {
    return guarded([&] {
      t_.import_weights(bytes_of(bytes), name);
      return val::object();
    });
  }
  // The inference graph as ONNX bytes (Trainer::export_onnx).
  val exportOnnx() const {
    return guarded([&] {
      val o = val::object();
      o.set("bytes", copy_array(t_.export_onnx()));
      return o;
    });
  }
  // Copies a kh x kw kernel into one filter of a conv layer (Trainer::set_conv_filter).
  val setConvFilter(int layer, int filter, const val& kernel, int kh, int kw) {
    return guarded([&] {
      const FilterPlacement p = t_.set_conv_filter(
          layer, filter, emscripten::convertJSArrayToNumberVector<float>(kernel), kh, kw);
      val o = val::object();
      o.set("layer", p.layer);
      o.set("name", p.name);
      o.set("layerKh", p.layer_kh);
      o.set("layerKw", p.layer_kw);
      o.set("offsetY", p.offset_y);
      o.set("offsetX", p.offset_x);
      return o;
    });
  }
  double step() const { return static_cast<double>(t_.step()); }
  std::string kernelVariant(int layer) {
    return t_.configured() && layer >= 0 && layer < t_.network().num_layers()
               ? t_.network().layer(layer).variant()
               : "";
  }

 private:
  val save_bytes(bool with_optimizer) const {
    return guarded([&] {
      val o = val::object();
      o.set("bytes", copy_array(t_.save(with_optimizer)));
      return o;
    });
  }

  Trainer t_;
};

val preset_names() {
  val a = val::array();
  for (const PresetFile& f : preset_files()) a.call<void>("push", std::string(f.name));
  return a;
}

val preset(const std::string& name) {
  return guarded([&] {
    val o = val::object();
    o.set("json", preset_json(name));
    return o;
  });
}

val preprocess_digit(const val& gray, int height, int width) {
  return guarded([&] {
    const std::vector<float> g = emscripten::convertJSArrayToNumberVector<float>(gray);
    if (g.size() != static_cast<size_t>(height) * static_cast<size_t>(width))
      throw Error("preprocessDigit: the image has " + std::to_string(g.size()) + " values, not " +
                  std::to_string(height) + " x " + std::to_string(width));
    val o = val::object();
    o.set("image", copy_array(Trainer::preprocess_digit(g.data(), height, width, "drawing")));
    return o;
  });
}

val preprocess_photo(const val& gray, int height, int width, const std::string& name) {
  return guarded([&] {
    const std::vector<float> g = emscripten::convertJSArrayToNumberVector<float>(gray);
    if (g.size() != static_cast<size_t>(height) * static_cast<size_t>(width))
      throw Error("preprocessPhoto: the image has " + std::to_string(g.size()) + " values, not " +
                  std::to_string(height) + " x " + std::to_string(width));
    val o = val::object();
    o.set("image", copy_array(Trainer::preprocess_photo(g.data(), height, width,
                                                        name.empty() ? "photo" : name)));
    return o;
  });
}

Shape shape_of(const val& a) { return emscripten::convertJSArrayToNumberVector<int>(a); }

// "same" | "valid" | a number of pixels, as the spec's "padding" field: JavaScript's own String()
// of the value, read by the core's padding parser.
PaddingSpec padding_of(const val& v, const char* where) {
  return parse_padding(val::global("String")(v).as<std::string>(), where);
}

val conv_result(const ConvResult& r) {
  val o = val::object();
  o.set("outputShape", shape_array(r.output_shape));
  o.set("output", copy_array(r.output));
  o.set("padTop", r.pad_top);
  o.set("padLeft", r.pad_left);
  o.set("padBottom", r.pad_bottom);
  o.set("padRight", r.pad_right);
  return o;
}

int int_or(const val& v, int fallback) { return v.isNumber() ? v.as<int>() : fallback; }

// r: {inputShape, input, kernelShape, kernel, bias?, strideH, strideW, padding, relu, clampMax?}
val conv2d(const val& r) {
  return guarded([&] {
    ConvRequest q;
    q.input_shape = shape_of(r["inputShape"]);
    q.input = emscripten::convertJSArrayToNumberVector<float>(r["input"]);
    q.kernel_shape = shape_of(r["kernelShape"]);
    q.kernel = emscripten::convertJSArrayToNumberVector<float>(r["kernel"]);
    if (!r["bias"].isUndefined() && !r["bias"].isNull())
      q.bias = emscripten::convertJSArrayToNumberVector<float>(r["bias"]);
    q.stride_h = int_or(r["strideH"], 1);
    q.stride_w = int_or(r["strideW"], 1);
    q.padding = padding_of(r["padding"], "conv2d");
    q.relu = r["relu"].isTrue();
    if (r["clampMax"].isNumber()) q.clamp_max = r["clampMax"].as<float>();
    return conv_result(Trainer::conv2d(q));
  });
}

// r: {inputShape, input, poolH, poolW, strideH, strideW, padding, op: 'max' | 'avg'}
val pool2d(const val& r) {
  return guarded([&] {
    PoolRequest q;
    q.input_shape = shape_of(r["inputShape"]);
    q.input = emscripten::convertJSArrayToNumberVector<float>(r["input"]);
    q.kh = int_or(r["poolH"], 2);
    q.kw = int_or(r["poolW"], 2);
    q.stride_h = int_or(r["strideH"], 1);
    q.stride_w = int_or(r["strideW"], 1);
    q.padding = padding_of(r["padding"], "pool2d");
    q.max = !(r["op"].isString() && r["op"].as<std::string>() == "avg");
    return conv_result(Trainer::pool2d(q));
  });
}

void prefer_kernels(const std::string& variant) { Trainer::prefer_kernels(variant); }
int set_threads(int n) { return Trainer::set_threads(n); }
int threads() { return Trainer::threads(); }
int hardware_threads() { return Trainer::hardware_threads(); }
// The engine's memory: the WebAssembly heap now and the most it may grow to, in bytes.
val heap_bytes() {
  val out = val::object();
  out.set("bytes", static_cast<double>(emscripten_get_heap_size()));
  out.set("max", static_cast<double>(emscripten_get_heap_max()));
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(cnn) {
  emscripten::class_<JsTrainer>("Trainer")
      .constructor<>()
      .function("configure", &JsTrainer::configure)
      .function("summary", &JsTrainer::summary)
      .function("specJson", &JsTrainer::specJson)
      .function("setData", &JsTrainer::setData4)
      .function("setData", &JsTrainer::setData)
      .function("appendTrain", &JsTrainer::appendTrain)
      .function("appendTest", &JsTrainer::appendTest)
      .function("setFullTrainCount", &JsTrainer::setFullTrainCount)
      .function("trainSteps", &JsTrainer::trainSteps)
      .function("evaluate", &JsTrainer::evaluate)
      .function("predict", &JsTrainer::predict)
      .function("explain", &JsTrainer::explain)
      .function("testImage", &JsTrainer::testImage)
      .function("activation", &JsTrainer::activation)
      .function("weights", &JsTrainer::weights)
      .function("gradients", &JsTrainer::gradients)
      .function("setHyperparameters", &JsTrainer::setHyperparameters)
      .function("reset", &JsTrainer::reset)
      .function("layerStats", &JsTrainer::layerStats)
      .function("layerWindow", &JsTrainer::layerWindow)
      .function("save", &JsTrainer::save)
      .function("saveWeights", &JsTrainer::saveWeights)
      .function("load", &JsTrainer::load)
      .function("importWeights", &JsTrainer::importWeights)
      .function("exportOnnx", &JsTrainer::exportOnnx)
      .function("setConvFilter", &JsTrainer::setConvFilter)
      .function("step", &JsTrainer::step)
      .function("kernelVariant", &JsTrainer::kernelVariant);
  emscripten::function("presetNames", &preset_names);
  emscripten::function("preset", &preset);
  emscripten::function("preprocessDigit", &preprocess_digit);
  emscripten::function("preprocessPhoto", &preprocess_photo);
  emscripten::function("preferKernels", &prefer_kernels);
  emscripten::function("setThreads", &set_threads);
  emscripten::function("threads", &threads);
  emscripten::function("hardwareThreads", &hardware_threads);
  emscripten::function("heapBytes", &heap_bytes);
  emscripten::function("conv2d", &conv2d);
  emscripten::function("pool2d", &pool2d);
}
