// Structure-aware fuzzing: a model spec built from the fuzzer's bytes. Every byte picks among the
// values a spec field may take (and a few it may not), so libFuzzer's byte mutations become
// mutations of a mostly valid spec: a layer added, a kernel grown, a padding switched. Sizes stay
// small enough for thousands of training steps a second. Shared by fuzz_train and fuzz_onnx.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace cnn::fuzz {

// Reads choices from the fuzzer's bytes; zeros once they run out.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  // A value in [lo, hi].
  int range(int lo, int hi) { return lo + byte() % (hi - lo + 1); }
  template <class T, size_t N>
  const T& pick(const T (&options)[N]) {
    return options[byte() % N];
  }
  bool chance(int percent) { return byte() % 100 < percent; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Multiply-adds a training step may cost (the model's per-example MACs times the examples in a
// step) before a target skips training it. Padding wider than the kernel grows the maps at every
// layer, so about one input in ten cost ten to a hundred times the median (2 ms) and took three
// quarters of the run. Past the budget a model is still configured, exported, saved and reloaded;
// the smaller models reach the same training code (the corpora's coverage is the same with and
// without the budget), and fuzz_kernels covers the large shapes.
constexpr int64_t kStepBudgetMacs = 1000000;

// Whether a training step of `batch` examples (at most the `examples` a data set has) is within
// kStepBudgetMacs for a model of `macs` multiply-adds per example.
inline bool step_within_budget(int64_t macs, int batch, int64_t examples) {
  const int64_t step = batch < 1 ? 1 : (batch < examples ? batch : examples);
  return macs * step <= kStepBudgetMacs;
}

// `valid_only` keeps every field inside its documented range (the ONNX target exports what
// configures); otherwise about one field in twenty is out of range or of the wrong kind.
inline nlohmann::json spec_from_bytes(Bytes& in, bool valid_only) {
  using nlohmann::json;
  const auto odd = [&](int percent) { return !valid_only && in.chance(percent); };
  static const char* const kActivations[] = {"relu", "tanh", "sigmoid", "linear", "softmax"};
  static const char* const kInits[] = {"he_normal", "glorot_uniform", "zeros", "uniform_scaling",
                                       "truncated_normal"};
  const auto activation = [&]() -> json {
    return odd(5) ? json("swish") : json(in.pick(kActivations));
  };
  const auto padding = [&]() -> json {
    switch (in.range(0, 3)) {
      case 0:
        return "valid";
      case 1:
        return "same";
      case 2:
        return in.range(0, 3);
      default:
        return odd(30) ? json(-1) : json("same");
    }
  };
  const auto window = [&](int most) -> json {
    if (in.chance(20)) return json::array({in.range(1, most), in.range(1, most)});
    return odd(5) ? json(0) : json(in.range(1, most));
  };

  json spec;
  spec["name"] = "fuzz";
  const int side = in.range(1, 16);
  spec["input"] = json::array({side, in.chance(80) ? side : in.range(1, 16), 1});
  json layers = json::array();
  const int n = in.range(0, 6);
  for (int i = 0; i < n; ++i) {
    json l;
    switch (in.range(0, odd(100) ? 8 : 7)) {
      case 0:
        l = {{"type", "conv2d"},
             {"filters", odd(5) ? 0 : in.range(1, 12)},
             {"kernel", window(6)},
             {"padding", padding()},
             {"activation", activation()}};
        if (in.chance(30)) l["stride"] = window(3);
        if (in.chance(20)) l["use_bias"] = in.chance(50);
        if (in.chance(20)) l["l2"] = odd(20) ? -1.0 : 0.001;
        if (in.chance(20)) l["init"] = in.pick(kInits);
        break;
      case 1:
      case 2:
        l = {{"type", in.chance(50) ? "maxpool2d" : "avgpool2d"}, {"size", window(4)}};
        if (in.chance(30)) l["stride"] = window(3);
        if (in.chance(30)) l["padding"] = in.chance(50) ? "same" : "valid";
        break;
      case 3:
        l = {{"type", "lrn"}, {"depth_radius", in.range(0, 5)}};
        if (in.chance(30)) l["alpha"] = in.range(1, 100) / 1000.0;
        if (in.chance(30)) l["beta"] = in.range(1, 100) / 100.0;
        if (in.chance(30)) l["bias"] = in.range(odd(20) ? -2 : 1, 4) / 2.0;
        break;
      case 4:
        l = {{"type", "flatten"}};
        break;
      case 5:
        l = {{"type", "dropout"}, {"rate", odd(10) ? 1.0 : in.range(0, 9) / 10.0}};
        break;
      case 6:
        l = {{"type", "dense"},
             {"units", odd(5) ? 0 : in.range(1, 32)},
             {"activation", activation()}};
        if (in.chance(20)) l["use_bias"] = in.chance(50);
        if (in.chance(20)) l["l2"] = 0.0005;
        break;
      case 7:
        l = {{"type", "activation"}, {"activation", activation()}};
        break;
      default:
        l = {{"type", "batchnorm"}};
        break;
    }
    layers.push_back(l);
  }
  // Most specs end as classifiers should; the rest test the checks on the last layer.
  if (in.chance(85))
    layers.push_back({{"type", "dense"}, {"units", 10}, {"activation", "softmax"}});
  spec["layers"] = layers;
  static const char* const kOptimizers[] = {"sgd", "adam", "rmsprop"};
  json opt = {{"type", odd(5) ? "lbfgs" : in.pick(kOptimizers)}};
  static const double kRates[] = {0.001, 0.01, 0.1, 1.0, 1e3, 1e30};
  opt["lr"] = in.pick(kRates);
  if (in.chance(30)) opt["momentum"] = in.range(0, 9) / 10.0;
  if (in.chance(10)) opt["nesterov"] = true;
  spec["optimizer"] = opt;
  spec["loss"] = "categorical_crossentropy";
  spec["batch_size"] = odd(5) ? 0 : in.range(1, 8);
  spec["seed"] = in.range(0, 255);
  if (in.chance(10)) spec["augment"] = true;
  return spec;
}

}  // namespace cnn::fuzz
