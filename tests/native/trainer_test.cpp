// The trainer facade: learning on real digits, determinism, save/load (bit-exact, resumable),
// hyper-parameter changes, divergence with rollback, and bad model files that change nothing.
#include "core/model/trainer.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/data/preprocess.h"
#include "core/model/presets.h"
#include "core/model/safetensors.h"
#include "core/tensor/error.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using Catch::Contains;
using json = nlohmann::json;

namespace {

Trainer tiny_on_subset(uint64_t seed = 1) {
  json spec = json::parse(preset_json("tiny"));
  spec["seed"] = seed;
  Trainer t;
  t.configure(spec.dump());
  t.set_data_dir(test::mnist_small_dir());
  return t;
}

std::vector<std::vector<float>> all_weights(const Trainer& t) {
  std::vector<std::vector<float>> out;
  for (int i = 0; i < static_cast<Trainer&>(const_cast<Trainer&>(t)).network().num_layers(); ++i)
    for (const NamedValues& w : t.weights(i)) out.push_back(w.data);
  return out;
}

}  // namespace

TEST_CASE("tiny learns the MNIST subset", "[trainer][long]") {
  Trainer t = tiny_on_subset();
  const DataInfo d = t.data_info();
  CHECK(d.train_count == 1000);
  CHECK(d.test_count == 500);
  CHECK(t.steps_per_epoch() == 32);  // ceil(1000 / 32): the last batch is partial
  const EvalResult before = t.evaluate();
  const StepResult r = t.train_steps(32 * 4);
  CHECK(r.step == 128);
  CHECK(r.epoch == 3);
  CHECK(r.examples_seen == 4000);
  const EvalResult after = t.evaluate();
  CHECK(before.accuracy < 0.3);
  CHECK(after.accuracy > 0.85);
  CHECK(after.loss < before.loss);
  // The evaluation report is consistent with itself.
  int total = 0, diag = 0;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) {
      total += after.confusion[i * 10 + j];
      if (i == j) diag += after.confusion[i * 10 + j];
    }
  CHECK(total == 500);
  CHECK(diag == 500 - static_cast<int>(after.misclassified.size()));
  CHECK(after.accuracy == Approx(diag / 500.0));
  for (int c = 0; c < 10; ++c)
    CHECK(after.per_class[c] ==
          Approx(static_cast<double>(after.confusion[c * 11]) / after.class_count[c]));
  CHECK(after.probs.size() == 5000);
  CHECK(t.evaluate(100).count == 100);
}

TEST_CASE("evaluate gives each test image the probabilities predict gives it alone", "[trainer]") {
  // evaluate() runs the test set in batches; an image's probabilities must be its own whatever
  // batch it lands in (its size, its other images). Kernels are chosen by shape, so a batch of one
  // may round differently in the last bits. 37 images: whole batches and a short last one.
  Trainer t = tiny_on_subset();
  t.train_steps(20);
  const int n = 37;
  const EvalResult r = t.evaluate(n);
  const std::vector<uint8_t> idx = test::mnist_small_file("t10k-images-idx3-ubyte");
  const size_t px = 28 * 28, header = 16;
  REQUIRE(idx.size() >= header + n * px);
  for (int i = 0; i < n; ++i) {
    std::vector<float> image(px);
    data::bytes_to_unit_floats(&idx[header + i * px], px, image.data());
    const std::vector<float> alone = t.predict(image.data(), image.size());
    const std::vector<float> batched(r.probs.begin() + i * 10, r.probs.begin() + (i + 1) * 10);
    INFO("test image " << i);
    CHECK(test::compare(batched, alone, 1e-7f, 1e-5f) == "");
  }
}

TEST_CASE("training is deterministic for a seed", "[trainer][long]") {
  Trainer a = tiny_on_subset(5), b = tiny_on_subset(5), c = tiny_on_subset(6);
  const StepResult ra = a.train_steps(40), rb = b.train_steps(40), rc = c.train_steps(40);
  CHECK(ra.loss == rb.loss);
  CHECK(all_weights(a) == all_weights(b));
  CHECK(ra.loss != rc.loss);
  CHECK(all_weights(a) != all_weights(c));
}

TEST_CASE("save and load round-trip bit-exactly and resume training", "[trainer][model-file]") {
  Trainer a = tiny_on_subset();
  Hyperparameters h;
  h.batch_size = 16;
  h.augment = true;
  a.set_hyperparameters(h);
  a.train_steps(45);  // ends mid-epoch (63 steps per epoch at batch 16)
  const std::vector<uint8_t> bytes = a.save();
  Trainer b;
  b.load(bytes);
  CHECK(b.save() == bytes);
  CHECK(b.spec_json() == a.spec_json());
  CHECK(b.step() == 45);
  CHECK(b.spec().batch_size == 16);
  CHECK(b.spec().augment.enabled);
  for (int k = 0; k < 5; ++k) {
    const std::vector<float> x = a.test_image(k, nullptr);
    CHECK(a.predict(x.data(), x.size()) == b.predict(x.data(), x.size()));
  }
  // Continuing from the file gives exactly the weights of an uninterrupted run.
  b.set_data_dir(test::mnist_small_dir());
  a.train_steps(30);
  b.train_steps(30);
  CHECK(all_weights(a) == all_weights(b));
  CHECK(a.save() == b.save());
}

namespace {
// The largest |change| of any weight in one training step.
float largest_step(Trainer& t) {
  const auto before = all_weights(t);
  t.train_steps(1);
  const auto after = all_weights(t);
  float m = 0;
  for (size_t i = 0; i < before.size(); ++i)
    for (size_t k = 0; k < before[i].size(); ++k)
      m = std::max(m, std::fabs(after[i][k] - before[i][k]));
  return m;
}
}  // namespace

TEST_CASE("Adam's bias correction counts from when its moments were zeroed",
          "[trainer][model-file][long]") {
  // Adam's first step from zero moments moves each weight by lr * g / (|g| + eps): at most lr, and
  // about lr for the weights with clear gradients. Counting from the training step instead gives
  // 0.64 lr after 40 steps and 3.2 lr after thousands.
  Trainer a = tiny_on_subset();
  Hyperparameters h;
  h.optimizer = "adam";
  h.lr = 0.001f;
  h.l2 = 0.0f;
  a.set_hyperparameters(h);
  a.train_steps(40);
  const float lr = a.current_lr();
  REQUIRE(lr == Approx(0.001f));
  const auto first_step_is_lr = [lr](Trainer& t) {
    const float m = largest_step(t);
    CHECK(m <= lr * 1.0001f);
    CHECK(m >= lr * 0.95f);
  };

  SECTION("a weights-only file") {
    Trainer b;
    b.load(a.save(false));
    b.set_data_dir(test::mnist_small_dir());
    CHECK(b.step() == 40);
    first_step_is_lr(b);
    CHECK(b.step() == 41);
    // A full file written now carries the optimizer's own count, and resumes bit-exactly.
    const std::vector<uint8_t> full = b.save();
    Trainer c;
    c.load(full);
    c.set_data_dir(test::mnist_small_dir());
    b.train_steps(5);
    c.train_steps(5);
    CHECK(all_weights(b) == all_weights(c));
  }
  SECTION("weights imported into a model") {
    Trainer b = tiny_on_subset(7);
    b.set_hyperparameters(h);
    b.train_steps(40);
    b.import_weights(a.save(false), "weights");
    first_step_is_lr(b);
  }
  SECTION("a new optimizer type") {
    Hyperparameters to_rms, back;
    to_rms.optimizer = "rmsprop";
    back.optimizer = "adam";
    a.set_hyperparameters(to_rms);
    a.train_steps(3);
    a.set_hyperparameters(back);
    first_step_is_lr(a);
  }
  SECTION("a full file keeps counting, and an older file without the count uses the step") {
    const std::vector<uint8_t> full = a.save();
    SafetensorsFile f = read_safetensors(full.data(), full.size(), "full");
    json tr = json::parse(f.metadata.at("training"));
    REQUIRE(tr.at("optimizer_steps") == 40);
    tr.erase("optimizer_steps");
    f.metadata["training"] = tr.dump();
    Trainer b, old;
    b.load(full);
    old.load(write_safetensors(f));
    b.set_data_dir(test::mnist_small_dir());
    old.set_data_dir(test::mnist_small_dir());
    // All three take exactly the step of the uninterrupted run.
    const auto before = all_weights(a);
    a.train_steps(1);
    b.train_steps(1);
    old.train_steps(1);
    CHECK(all_weights(a) != before);
    CHECK(all_weights(b) == all_weights(a));
    CHECK(all_weights(old) == all_weights(a));
  }
}

TEST_CASE("the model file is safetensors with Keras names and the spec in its metadata",
          "[trainer][model-file]") {
  Trainer t = tiny_on_subset();
  t.train_steps(2);
  const std::vector<uint8_t> bytes = t.save();
  const SafetensorsFile f = read_safetensors(bytes.data(), bytes.size(), "model");
  const NamedTensor* k = find_tensor(f, "conv2d_1/kernel");
  REQUIRE(k);
  CHECK(k->shape == Shape{5, 5, 1, 8});  // [kh, kw, in, out] as Keras
  REQUIRE(find_tensor(f, "dense_1/kernel"));
  CHECK(find_tensor(f, "dense_1/kernel")->shape == Shape{256, 10});  // [in, out]
  CHECK(find_tensor(f, "optimizer/conv2d_1/kernel/m"));              // Adam state
  CHECK(find_tensor(f, "optimizer/conv2d_1/kernel/v"));
  CHECK(f.metadata.at("format") == "cnn-playground/1");
  CHECK(parse_spec(f.metadata.at("spec")).name == "tiny");
  CHECK(json::parse(f.metadata.at("training"))["step"] == 2);
}

TEST_CASE("bad model files are refused and change nothing", "[trainer][model-file][errors]") {
  Trainer t = tiny_on_subset();
  t.train_steps(3);
  const std::vector<uint8_t> good = t.save();
  const auto weights_before = all_weights(t);
  auto refused = [&](const std::vector<uint8_t>& bytes, const std::string& message) {
    INFO(message);
    CHECK_THROWS_WITH(t.load(bytes, "m.safetensors"), Contains(message));
    CHECK(all_weights(t) == weights_before);
    CHECK(t.step() == 3);
  };
  refused({}, "m.safetensors");
  refused(std::vector<uint8_t>(good.begin(), good.begin() + good.size() / 2), "m.safetensors");
  std::vector<uint8_t> garbage(good);
  for (size_t i = 8; i < 40; ++i) garbage[i] = 0xFF;
  refused(garbage, "m.safetensors");
  // A spec that contradicts the tensors: 16 filters in the spec, 8 in the file.
  SafetensorsFile f = read_safetensors(good.data(), good.size(), "good");
  json spec = json::parse(f.metadata["spec"]);
  spec["layers"][0]["filters"] = 16;
  f.metadata["spec"] = spec.dump();
  refused(write_safetensors(f),
          "tensor \"conv2d_1/kernel\" has shape 5x5x1x8 but layer 0 (conv2d) needs 5x5x1x16");
  // No spec: written by another tool.
  f = read_safetensors(good.data(), good.size(), "good");
  f.metadata.erase("spec");
  refused(write_safetensors(f), "has no model spec in its metadata");
  // A broken spec inside the file.
  f = read_safetensors(good.data(), good.size(), "good");
  f.metadata["spec"] = "{\"layers\": 3}";
  refused(write_safetensors(f), "m.safetensors spec");
  // Missing, extra and non-finite tensors.
  f = read_safetensors(good.data(), good.size(), "good");
  f.tensors.erase(f.tensors.begin());
  refused(write_safetensors(f), "has no tensor \"conv2d_1/kernel\"");
  f = read_safetensors(good.data(), good.size(), "good");
  f.tensors.push_back({"dense_9/kernel", {2}, {1, 2}});
  refused(write_safetensors(f), "tensor \"dense_9/kernel\" does not belong to any layer");
  f = read_safetensors(good.data(), good.size(), "good");
  f.tensors[0].data[3] = NAN;
  refused(write_safetensors(f), "contains NaN or infinite values");
  // import_weights checks against the current spec the same way.
  f = read_safetensors(good.data(), good.size(), "good");
  f.tensors[1].shape = {4, 2};
  f.tensors[1].data.resize(8);
  CHECK_THROWS_WITH(t.import_weights(write_safetensors(f), "w"),
                    Contains("tensor \"conv2d_1/bias\" has shape 4x2"));
  CHECK(all_weights(t) == weights_before);
}

TEST_CASE("saving to a file is atomic", "[trainer][model-file]") {
  Trainer t = tiny_on_subset();
  const auto dir = std::filesystem::temp_directory_path() / "cnn_trainer_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "m.safetensors").string();
  t.save_file(path);
  Trainer u;
  u.load_file(path);
  CHECK(u.save() == t.save());
  CHECK_THROWS_AS(t.save_file((dir / "missing" / "m.safetensors").string()), Error);
  CHECK_FALSE(std::filesystem::exists(dir / "missing"));
  CHECK_THROWS_WITH(u.load_file((dir / "nope.safetensors").string()), Contains("nope.safetensors"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("divergence stops with the step and layer and keeps the last good weights",
          "[trainer][errors]") {
  // Two linear layers grow without bound at a huge learning rate (no ReLU can die to stop it).
  Trainer t;
  t.configure(R"({"input": [28, 28, 1], "layers": [{"type": "dense", "units": 32},
    {"type": "dense", "units": 10, "activation": "softmax"}],
    "optimizer": {"type": "sgd", "lr": 0.01, "momentum": 0.9}, "batch_size": 32})");
  t.set_data_dir(test::mnist_small_dir());
  t.train_steps(5);
  const auto good = all_weights(t);
  Hyperparameters h;
  h.lr = 100.0f;
  t.set_hyperparameters(h);
  std::string message;
  try {
    t.train_steps(200);
  } catch (const Error& e) {
    message = e.what();
  }
  INFO(message);
  CHECK_THAT(message, Contains("training diverged at step") && Contains("layer") &&
                          Contains("lower the learning rate"));
  CHECK(all_weights(t) == good);
  CHECK(t.step() == 5);
  // The trainer is still usable with a sane learning rate.
  h.lr = 0.01f;
  t.set_hyperparameters(h);
  const StepResult r = t.train_steps(5);
  CHECK(std::isfinite(r.loss));
  CHECK(t.step() == 10);
}

TEST_CASE("hyper-parameters change between steps and bad values are refused", "[trainer]") {
  Trainer t = tiny_on_subset();
  Hyperparameters h;
  h.lr = 0.05f;
  h.batch_size = 50;
  t.set_hyperparameters(h);
  CHECK(t.spec().optimizer.lr == Approx(0.05f));
  CHECK(t.steps_per_epoch() == 20);
  const StepResult r = t.train_steps(1);
  CHECK(r.examples_seen == 50);
  Hyperparameters bad;
  bad.lr = -1.0f;
  CHECK_THROWS_WITH(t.set_hyperparameters(bad), Contains("learning rate"));
  bad = Hyperparameters{};
  bad.batch_size = 0;
  CHECK_THROWS_WITH(t.set_hyperparameters(bad), Contains("batch size"));
  bad = Hyperparameters{};
  bad.optimizer = "lbfgs";
  CHECK_THROWS_WITH(t.set_hyperparameters(bad), Contains("unknown optimizer"));
  CHECK(t.spec().optimizer.lr == Approx(0.05f));
  // L2 and dropout apply to every layer that has them.
  Hyperparameters reg;
  reg.l2 = 0.01f;
  t.set_hyperparameters(reg);
  CHECK(t.spec().layers[0].l2 == Approx(0.01f));
  CHECK(t.spec().layers[4].l2 == Approx(0.01f));
}

TEST_CASE("data and inputs that do not fit are refused clearly", "[trainer][errors]") {
  Trainer t;
  CHECK_THROWS_WITH(t.train_steps(1), Contains("no model yet"));
  t.configure(preset_json("tiny"));
  CHECK_THROWS_WITH(t.train_steps(1), Contains("no data yet"));
  CHECK_THROWS_WITH(t.configure("{\"layers\": []}"),
                    Contains("\"layers\" must be a non-empty array"));
  CHECK(t.spec().name == "tiny");  // a failed configure keeps the model
  std::vector<float> small(10, 0.0f);
  CHECK_THROWS_WITH(t.predict(small.data(), small.size()),
                    Contains("needs one 28x28x1 image (784 values)"));
  std::vector<float> nan_image(784, 0.0f);
  nan_image[5] = NAN;
  CHECK_THROWS_WITH(t.predict(nan_image.data(), nan_image.size()), Contains("NaN"));
  CHECK_THROWS_WITH(t.activation(99), Contains("layer 99 does not exist"));
  // A model for 32x32 inputs on 28x28 data.
  json spec = json::parse(preset_json("tiny"));
  spec["input"] = {32, 32, 1};
  t.configure(spec.dump());
  t.set_data_dir(test::mnist_small_dir());
  CHECK_THROWS_WITH(t.train_steps(1),
                    Contains("the model expects 32x32x1 inputs but the data has 28x28x1 images"));
  // A model with fewer classes than the labels.
  spec = json::parse(preset_json("tiny"));
  spec["layers"][4]["units"] = 5;
  t.configure(spec.dump());
  CHECK_THROWS_WITH(t.train_steps(1), Contains("does not fit the model's 5 output classes"));
}

TEST_CASE("activations, weights and gradients are available for inspection", "[trainer]") {
  Trainer t = tiny_on_subset();
  t.train_steps(1);
  int label = 0;
  const std::vector<float> x = t.test_image(3, &label);
  const std::vector<float> probs = t.predict(x.data(), x.size());
  CHECK(probs.size() == 10);
  double sum = 0;
  for (float p : probs) sum += p;
  CHECK(sum == Approx(1.0));
  const NamedValues in = t.activation(-1);
  CHECK(in.shape == Shape{28, 28, 1});
  CHECK(in.data == x);
  const NamedValues a0 = t.activation(0);
  CHECK(a0.name == "conv2d_1");
  CHECK(a0.shape == Shape{28, 28, 8});
  CHECK(t.activation(4).data == probs);
  const auto w = t.weights(2);
  REQUIRE(w.size() == 2);
  CHECK(w[0].name == "conv2d_2/kernel");
  CHECK(w[0].shape == Shape{5, 5, 8, 16});
  const auto g = t.gradients(2);
  REQUIRE(g.size() == 2);
  double gnorm = 0;
  for (float v : g[0].data) gnorm += std::fabs(v);
  CHECK(gnorm > 0);
  CHECK(t.weights(1).empty());  // pooling has no parameters
}

TEST_CASE("conv2d on explicit numbers reports the padding it used", "[trainer][conv]") {
  ConvRequest r;
  r.input_shape = {5, 5, 1};
  r.input.assign(25, 1.0f);
  r.kernel_shape = {3, 3, 1, 1};
  r.kernel.assign(9, 1.0f);
  r.stride_h = r.stride_w = 2;
  r.padding.kind = PaddingSpec::kSame;
  ConvResult out = Trainer::conv2d(r);
  CHECK(out.output_shape == Shape{3, 3, 1});
  CHECK(out.output == std::vector<float>{4, 6, 4, 6, 9, 6, 4, 6, 4});
  CHECK(out.pad_top == 1);
  CHECK(out.pad_bottom == 1);
  r.input_shape = {6, 6, 1};
  r.input.assign(36, 1.0f);
  out = Trainer::conv2d(r);  // out 3, total pad 1: all of it after
  CHECK(out.pad_top == 0);
  CHECK(out.pad_bottom == 1);
  r.bias = {-5.0f};
  r.relu = true;
  r.clamp_max = 3.0f;
  r.padding.kind = PaddingSpec::kValid;
  out = Trainer::conv2d(r);
  CHECK(out.output == std::vector<float>{3, 3, 3, 3});  // 9 - 5 = 4, clamped to 3
  r.kernel_shape = {7, 7, 1, 1};
  r.kernel.assign(49, 1.0f);
  CHECK_THROWS_WITH(Trainer::conv2d(r), Contains("conv2d: kernel 7 is larger than its 6x6 input; "
                                                 "use padding \"same\" or a smaller kernel"));
  r.kernel_shape = {3, 3, 2, 1};
  r.kernel.assign(18, 1.0f);
  CHECK_THROWS_WITH(Trainer::conv2d(r),
                    Contains("the kernel has 2 input channels but the input has 1"));
}

TEST_CASE("pool2d on explicit numbers: max and average, padding never counted", "[trainer][conv]") {
  PoolRequest r;
  r.input_shape = {3, 3, 1};
  r.input = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  r.kh = r.kw = 2;
  r.stride_h = r.stride_w = 2;
  r.padding.kind = PaddingSpec::kSame;  // out 2, total pad 1: all of it after
  ConvResult out = Trainer::pool2d(r);
  CHECK(out.output_shape == Shape{2, 2, 1});
  CHECK(out.output == std::vector<float>{5, 6, 8, 9});
  CHECK(out.pad_top == 0);
  CHECK(out.pad_bottom == 1);
  r.max = false;
  out = Trainer::pool2d(r);
  CHECK(out.output == std::vector<float>{3, 4.5f, 7.5f, 9});
  r.kh = r.kw = 4;
  r.padding.kind = PaddingSpec::kValid;
  CHECK_THROWS_WITH(Trainer::pool2d(r), Contains("pool2d: window 4 is larger than its 3x3 input; "
                                                 "use padding \"same\" or a smaller window"));
}

TEST_CASE("the cosine schedule decays the learning rate over the planned epochs",
          "[trainer][long]") {
  json spec = json::parse(preset_json("tiny"));
  spec["lr_schedule"] = "cosine";
  spec["epochs"] = 2;
  Trainer t;
  t.configure(spec.dump());
  t.set_data_dir(test::mnist_small_dir());
  const float lr = t.spec().optimizer.lr;
  CHECK(t.current_lr() == Approx(lr));
  t.train_steps(32);  // half of the 2 x 32 planned steps: cos(pi/2) = 0
  CHECK(t.current_lr() == Approx(lr * (0.05 + 0.95 * 0.5)));
  t.train_steps(32);
  CHECK(t.current_lr() == Approx(lr * 0.05));
  t.train_steps(5);  // held at the floor afterwards
  CHECK(t.current_lr() == Approx(lr * 0.05));
  CHECK_THROWS_WITH(
      parse_spec(
          R"({"layers": [{"type": "dense", "units": 2, "activation": "softmax"}], "lr_schedule": "step"})"),
      Contains("unknown \"lr_schedule\" \"step\""));
}

TEST_CASE("a training step that cannot fit in memory is refused with what it needs",
          "[trainer][errors]") {
  // A lesson link's model: 4.2 M weights (under the per-layer limit) but about 26 GB of
  // activations and their gradients per step at batch 1024, 105 GB at 4096: more than any
  // engine's limit (wasm 1.5 GB; natively 3/4 of the machine's memory, at most 48 GB).
  const std::string spec = R"({"input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 2048, "kernel": 1, "padding": "same"},
    {"type": "conv2d", "filters": 2048, "kernel": 1},
    {"type": "maxpool2d", "size": 28},
    {"type": "dense", "units": 10, "activation": "softmax"}], "batch_size": 4096})";
  Trainer t;
  const ModelSummary s = t.configure(spec);  // the model itself is fine: only its step is too big
  // Known value, bytes per example: each linear conv keeps its output and gradient (2 x 4 x
  // 28*28*2048), the max pool those and its indices (3 x 4 x 2048), the softmax dense 4 copies
  // (4 x 4 x 10), and the input batch 2 (2 x 4 x 784).
  CHECK(s.step_bytes_per_example ==
        2 * (2 * 4 * 28 * 28 * 2048) + 3 * 4 * 2048 + 4 * 4 * 10 + 2 * 4 * 784);
  CHECK(s.step_bytes(1024) > (int64_t{24} << 30));
  t.set_data_dir(test::mnist_small_dir());
  const std::vector<uint8_t> before = t.save();
  try {
    t.train_steps(1);
    FAIL("a 105 GB step was accepted");
  } catch (const Error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.find("batch 4096 needs about") != std::string::npos);
    CHECK(m.find(" GB of memory") != std::string::npos);
    CHECK(m.find("lower the batch size to ") != std::string::npos);
  }
  CHECK(t.save() == before);  // nothing changed
  Hyperparameters h;
  h.batch_size = 3000;
  CHECK_THROWS_WITH(t.set_hyperparameters(h), Contains("batch 3000 needs about"));
  CHECK(t.spec().batch_size == 4096);
  // A batch in the range the message suggests is accepted.
  h.batch_size = 2;
  t.set_hyperparameters(h);
  CHECK(t.spec().batch_size == 2);
  // keras-book at its batch needs tens of MB.
  Trainer k;
  const ModelSummary ks = k.configure(preset_json("keras-book"));
  CHECK(ks.step_bytes(64) > (int64_t{16} << 20));
  CHECK(ks.step_bytes(64) < (int64_t{64} << 20));
}
