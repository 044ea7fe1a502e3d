// Layer statistics (tensor_stats on hand-made values, Trainer::layer_stats on a trained model, the
// update ratio) and the model file without optimizer state. Not the training maths itself: the
// golden and trainer tests cover that, and must stay bit-exact with the ratio being recorded.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/model/presets.h"
#include "core/model/safetensors.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "core/tensor/tensor_stats.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using Catch::Contains;
using json = nlohmann::json;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

Trainer tiny_on_subset() {
  Trainer t;
  t.configure(preset_json("tiny"));
  t.set_data_dir(test::mnist_small_dir());
  return t;
}

int64_t histogram_sum(const TensorStats& s) {
  return std::accumulate(s.histogram.begin(), s.histogram.end(), int64_t{0});
}

std::vector<std::vector<float>> all_weights(const Trainer& t, int layers) {
  std::vector<std::vector<float>> out;
  for (int i = 0; i < layers; ++i)
    for (const NamedValues& w : t.weights(i)) out.push_back(w.data);
  return out;
}

}  // namespace

TEST_CASE("stats: known values, with NaN and Inf counted and left out", "[stats]") {
  const std::vector<float> x = {0, 0, 1, 2, 3, -4, kNaN, kInf, -kInf, -0.0f};
  const TensorStats s = tensor_stats(x.data(), static_cast<int64_t>(x.size()));
  CHECK(s.count == 10);
  CHECK(s.nan_count == 1);
  CHECK(s.inf_count == 2);
  CHECK(s.min == -4);
  CHECK(s.max == 3);
  // The 7 finite values: 0, 0, 1, 2, 3, -4, -0 (sum 2).
  const double mean = 2.0 / 7;
  double sq = 0;
  for (double v : {0.0, 0.0, 1.0, 2.0, 3.0, -4.0, 0.0}) sq += (v - mean) * (v - mean);
  CHECK(s.mean == Approx(mean));
  CHECK(s.std == Approx(std::sqrt(sq / 7)));
  CHECK(s.zero_fraction == Approx(3.0 / 7));
  // 20 bins of width 0.35 over [-4, 3]; 3 = max goes to the last bin.
  CHECK(s.hist_min == -4);
  CHECK(s.hist_max == 3);
  REQUIRE(s.histogram.size() == static_cast<size_t>(kStatsBins));
  std::vector<int> want(kStatsBins, 0);
  want[0] = 1;   // -4
  want[11] = 3;  // 0, 0, -0: (0 + 4) / 0.35 = 11.4
  want[14] = 1;  // 1: 14.3
  want[17] = 1;  // 2: 17.1
  want[19] = 1;  // 3
  CHECK(s.histogram == want);
  CHECK(histogram_sum(s) == 7);
}

TEST_CASE("stats: empty, constant, all-NaN and split inputs", "[stats]") {
  const TensorStats empty = tensor_stats(nullptr, 0);
  CHECK(empty.count == 0);
  CHECK(empty.mean == 0);
  CHECK(empty.histogram == std::vector<int>(kStatsBins, 0));

  const std::vector<float> same(5, 2.5f);
  const TensorStats c = tensor_stats(same.data(), 5);
  CHECK(c.min == 2.5);
  CHECK(c.max == 2.5);
  CHECK(c.std == 0);
  CHECK(c.hist_min == 2.0);  // NumPy's rule: [v - 0.5, v + 0.5]
  CHECK(c.hist_max == 3.0);
  CHECK(c.histogram[kStatsBins / 2] == 5);
  CHECK(histogram_sum(c) == 5);

  const std::vector<float> bad = {kNaN, kInf, kNaN};
  const TensorStats b = tensor_stats(bad.data(), 3);
  CHECK(b.count == 3);
  CHECK(b.nan_count == 2);
  CHECK(b.inf_count == 1);
  CHECK(b.min == 0);
  CHECK(b.max == 0);
  CHECK(histogram_sum(b) == 0);

  // Several spans are one population: the same numbers as their concatenation.
  const std::vector<float> all = test::random_vector(1000, 3);
  const TensorStats whole = tensor_stats(all.data(), 1000);
  const TensorStats parts =
      tensor_stats({{all.data(), 10}, {all.data() + 10, 0}, {all.data() + 10, 990}});
  CHECK(parts.count == whole.count);
  CHECK(parts.min == whole.min);
  CHECK(parts.max == whole.max);
  CHECK(parts.mean == Approx(whole.mean).epsilon(1e-12));
  CHECK(parts.std == Approx(whole.std).epsilon(1e-12));
  CHECK(parts.histogram == whole.histogram);
  CHECK(histogram_sum(whole) == 1000);
  CHECK(whole.min >= -1.0);
  CHECK(whole.max < 1.0);
  CHECK(whole.std == Approx(1 / std::sqrt(3.0)).epsilon(0.05));  // uniform on [-1, 1)
}

TEST_CASE("stats: update ratio is 0 before a step and ||dw|| / ||w|| after one",
          "[stats][trainer]") {
  Trainer t = tiny_on_subset();
  const int layers = static_cast<int>(t.summary().layers.size());
  for (int i = 0; i < layers; ++i) CHECK(t.layer_stats(i).update_ratio == 0);
  // Before any forward pass there are no activations; gradients are zeros.
  CHECK(t.layer_stats(0).activations.count == 0);
  CHECK(t.layer_stats(0).gradients.zero_fraction == 1);

  const std::vector<NamedValues> before = t.weights(0);
  t.train_steps(1);
  const std::vector<NamedValues> after = t.weights(0);
  double dw = 0, w = 0;
  for (size_t p = 0; p < before.size(); ++p)
    for (size_t k = 0; k < before[p].data.size(); ++k) {
      const double d = static_cast<double>(after[p].data[k]) - before[p].data[k];
      dw += d * d;
      w += static_cast<double>(before[p].data[k]) * before[p].data[k];
    }
  const LayerStats s0 = t.layer_stats(0);
  CHECK(s0.update_ratio > 0);
  CHECK(s0.update_ratio == Approx(std::sqrt(dw / w)).epsilon(1e-9));
  CHECK(t.layer_stats(4).update_ratio > 0);
  CHECK(t.layer_stats(1).update_ratio == 0);  // max pooling: no parameters
  CHECK_FALSE(t.layer_stats(1).has_params);

  // A load starts over: the ratio belongs to a step of this trainer.
  t.load(t.save());
  CHECK(t.layer_stats(0).update_ratio == 0);
  t.set_data_dir(test::mnist_small_dir());
  t.train_steps(1);
  CHECK(t.layer_stats(0).update_ratio > 0);
  t.reset();
  CHECK(t.layer_stats(0).update_ratio == 0);
}

TEST_CASE("stats: a diverging call rolls the update ratio back with the weights",
          "[stats][trainer][errors]") {
  Trainer t;
  t.configure(R"({"input": [28, 28, 1], "layers": [{"type": "dense", "units": 32},
    {"type": "dense", "units": 10, "activation": "softmax"}],
    "optimizer": {"type": "sgd", "lr": 0.01, "momentum": 0.9}, "batch_size": 32})");
  t.set_data_dir(test::mnist_small_dir());
  t.train_steps(5);
  const double good = t.layer_stats(0).update_ratio;
  CHECK(good > 0);
  Hyperparameters h;
  h.lr = 100.0f;
  t.set_hyperparameters(h);
  CHECK_THROWS_WITH(t.train_steps(200), Contains("training diverged"));
  CHECK(t.layer_stats(0).update_ratio == good);
  CHECK(t.layer_stats(0).weights.nan_count == 0);
}

TEST_CASE("stats: a trained tiny model has finite, consistent statistics", "[stats][trainer]") {
  Trainer t = tiny_on_subset();
  t.train_steps(20);
  const ModelSummary sum = t.summary();
  for (const LayerSummary& l : sum.layers) {
    const LayerStats s = t.layer_stats(l.index);
    INFO("layer " << l.index << " " << l.name);
    CHECK(s.layer == l.index);
    CHECK(s.name == l.name);
    CHECK(s.type == l.type);
    CHECK(s.has_params == (l.params > 0));
    CHECK(s.weights.count == l.params);
    CHECK(s.gradients.count == l.params);
    // The whole batch of the last step: 32 examples.
    CHECK(s.activations.count == 32 * shape_size(l.output));
    for (const TensorStats* ts : {&s.weights, &s.gradients, &s.activations}) {
      CHECK(ts->nan_count == 0);
      CHECK(ts->inf_count == 0);
      CHECK(std::isfinite(ts->mean));
      CHECK(std::isfinite(ts->std));
      CHECK(ts->min <= ts->mean);
      CHECK(ts->mean <= ts->max);
      CHECK(histogram_sum(*ts) == ts->count);
    }
    CHECK(std::isfinite(s.update_ratio));
    if (s.has_params) {
      CHECK(s.weights.std > 0);
      CHECK(s.gradients.std > 0);
      CHECK(s.update_ratio > 0);
      CHECK(s.update_ratio < 1);
    }
  }
  // ReLU outputs have zeros; the softmax output has none and sums to 1 per example.
  CHECK(t.layer_stats(0).activations.zero_fraction > 0);
  CHECK(t.layer_stats(0).activations.min == 0);
  CHECK(t.layer_stats(4).activations.zero_fraction == 0);
  CHECK(t.layer_stats(4).activations.mean == Approx(0.1));
  // After predict the activations are the single image's.
  const std::vector<float> x = t.test_image(0, nullptr);
  t.predict(x.data(), x.size());
  CHECK(t.layer_stats(2).activations.count == shape_size(sum.layers[2].output));
}

TEST_CASE("stats: a layer that does not exist is refused with a sentence", "[stats][errors]") {
  Trainer none;
  CHECK_THROWS_WITH(none.layer_stats(0), Contains("no model yet"));
  Trainer t = tiny_on_subset();
  CHECK_THROWS_AS(t.layer_stats(5), Error);
  CHECK_THROWS_WITH(
      t.layer_stats(5),
      "layer_stats: layer 5 does not exist (the model has 5 layers, numbered 0 to 4)");
  CHECK_THROWS_WITH(t.layer_stats(-1), Contains("layer -1 does not exist"));
}

TEST_CASE("model file: weights only is smaller, loads, predicts the same and trains on",
          "[trainer][model-file]") {
  Trainer a = tiny_on_subset();
  a.train_steps(45);
  const int layers = static_cast<int>(a.summary().layers.size());
  const std::vector<uint8_t> full = a.save(), slim = a.save(false);
  CHECK(slim.size() * 2 < full.size());  // Adam: the weights, m and v
  const SafetensorsFile f = read_safetensors(slim.data(), slim.size(), "slim");
  for (const NamedTensor& nt : f.tensors)
    CHECK(nt.name.rfind("optimizer/", 0) == std::string::npos);
  CHECK(json::parse(f.metadata.at("training"))["step"] == 45);

  Trainer b;
  b.load(slim, "slim.safetensors");
  CHECK(b.step() == 45);
  CHECK(b.spec_json() == a.spec_json());
  CHECK(all_weights(b, layers) == all_weights(a, layers));
  for (int k = 0; k < 5; ++k) {
    const std::vector<float> x = a.test_image(k, nullptr);
    CHECK(a.predict(x.data(), x.size()) == b.predict(x.data(), x.size()));
  }
  // Training resumes with fresh optimizer state: exactly as the same weights imported into a
  // trainer at the same step, and the slots are there again when saved with them.
  Trainer c;
  c.load(full);
  c.import_weights(slim);
  b.set_data_dir(test::mnist_small_dir());
  c.set_data_dir(test::mnist_small_dir());
  const StepResult rb = b.train_steps(10);
  c.train_steps(10);
  CHECK(std::isfinite(rb.loss));
  CHECK(b.step() == 55);
  CHECK(all_weights(b, layers) == all_weights(c, layers));
  CHECK(b.save().size() == full.size());

  test::TempDir dir("cnn_layer_stats_test");
  a.save_file(dir.file("full.safetensors"));
  a.save_file(dir.file("slim.safetensors"), false);
  CHECK(test::read_bytes(dir.file("full.safetensors")) == full);
  CHECK(test::read_bytes(dir.file("slim.safetensors")) == slim);
}
