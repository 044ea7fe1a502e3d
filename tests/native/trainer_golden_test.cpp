// The golden end-to-end test: the core must reproduce, step for step, a training run computed by
// PyTorch (tools/golden_pytorch.py, output in tests/data/golden/) from the same initial weights
// on the checked-in MNIST subset: every layer's forward output, the first gradients, 30 losses
// for each of SGD (Nesterov), Adam and RMSprop, and the final predictions and weights.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/model/trainer.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using json = nlohmann::json;

namespace {

json load_expected() {
  const auto bytes = test::read_bytes(test::source_path("tests/data/golden/expected.json"));
  REQUIRE(!bytes.empty());
  return json::parse(bytes.begin(), bytes.end());
}

// A trainer with the golden spec (optimizer replaced), its initial weights and the subset in order.
Trainer golden_trainer(const json& expected, const json& optimizer) {
  json spec = expected["spec"];
  spec["optimizer"] = optimizer;
  spec["shuffle"] = false;
  Trainer t;
  t.configure(spec.dump());
  t.import_weights(test::read_bytes(test::source_path("tests/data/golden/init.safetensors")),
                   "init.safetensors");
  t.set_data_dir(test::mnist_small_dir());
  return t;
}

std::vector<float> to_floats(const json& j) {
  std::vector<float> v;
  std::function<void(const json&)> walk = [&](const json& e) {
    if (e.is_array())
      for (const json& x : e) walk(x);
    else
      v.push_back(e.get<float>());
  };
  walk(j);
  return v;
}

}  // namespace

TEST_CASE("golden: every layer's forward output matches PyTorch", "[golden]") {
  const json expected = load_expected();
  Trainer t = golden_trainer(expected, expected["spec"]["optimizer"]);
  int label = -1;
  const std::vector<float> img = t.test_image(0, &label);
  CHECK(label == expected["meta"]["test_labels"][0].get<int>());
  t.predict(img.data(), img.size());
  const json& acts = expected["initial"]["activations"];
  REQUIRE(static_cast<int>(acts.size()) == t.network().num_layers());
  for (size_t i = 0; i < acts.size(); ++i) {
    const NamedValues a = t.activation(static_cast<int>(i));
    INFO("layer " << i << " (" << a.name << ")");
    CHECK(a.shape == expected["initial"]["activation_shapes"][i].get<Shape>());
    CHECK(test::compare(a.data, to_floats(acts[i]), 1e-5f, 1e-4f) == "");
  }
  for (int k = 0; k < 8; ++k) {
    const std::vector<float> x = t.test_image(k, nullptr);
    const std::vector<float> probs = t.predict(x.data(), x.size());
    INFO("test image " << k);
    CHECK(test::compare(probs, to_floats(expected["initial"]["test_probs"][k]), 1e-6f, 1e-4f) ==
          "");
  }
}

TEST_CASE("golden: the first gradients match PyTorch", "[golden]") {
  const json expected = load_expected();
  Trainer t = golden_trainer(expected, expected["spec"]["optimizer"]);
  const StepResult r = t.train_steps(1);
  CHECK(r.loss == Approx(expected["initial"]["train_batch0_loss"].get<double>()).epsilon(1e-5));
  int checked = 0;
  for (int layer = 0; layer < t.network().num_layers(); ++layer)
    for (const NamedValues& g : t.gradients(layer)) {
      const json& want = expected["initial_loss_grad"][g.name];
      INFO(g.name);
      double sum = 0, abs_sum = 0;
      for (float v : g.data) {
        sum += v;
        abs_sum += std::fabs(v);
      }
      CHECK(abs_sum == Approx(want["abs_sum"].get<double>()).epsilon(1e-4));
      CHECK(std::fabs(sum - want["sum"].get<double>()) <=
            1e-4 * want["abs_sum"].get<double>() + 1e-6);
      const std::vector<float> first(g.data.begin(), g.data.begin() + want["first8"].size());
      CHECK(test::compare(first, to_floats(want["first8"]), 1e-6f, 1e-3f) == "");
      ++checked;
    }
  CHECK(checked == 7);
}

TEST_CASE("golden: 30 training steps with SGD, Adam and RMSprop match PyTorch", "[golden]") {
  const json expected = load_expected();
  for (const char* run : {"sgd", "adam", "rmsprop"}) {
    const json& want = expected["runs"][run];
    Trainer t = golden_trainer(expected, want["optimizer"]);
    INFO("optimizer " << run);
    const std::vector<float> losses = to_floats(want["loss"]);
    REQUIRE(losses.size() == 30);
    for (size_t s = 0; s < losses.size(); ++s) {
      const StepResult r = t.train_steps(1);
      INFO("step " << s);
      CHECK(r.loss == Approx(losses[s]).epsilon(2e-4));
    }
    for (int k = 0; k < 8; ++k) {
      const std::vector<float> x = t.test_image(k, nullptr);
      INFO("test image " << k);
      CHECK(test::compare(t.predict(x.data(), x.size()), to_floats(want["test_probs"][k]), 1e-4f,
                          1e-3f) == "");
    }
    for (int layer = 0; layer < t.network().num_layers(); ++layer)
      for (const NamedValues& w : t.weights(layer)) {
        double sum = 0, abs_sum = 0;
        for (float v : w.data) {
          sum += v;
          abs_sum += std::fabs(v);
        }
        const json& ws = want["final_weights_sum"][w.name];
        INFO(w.name);
        CHECK(abs_sum == Approx(ws["abs_sum"].get<double>()).epsilon(1e-4));
        CHECK(std::fabs(sum - ws["sum"].get<double>()) <= 1e-4 * ws["abs_sum"].get<double>());
      }
  }
}
