// Trainer::set_conv_filter: a hand-made kernel written into one filter of a conv layer, checked
// by the numbers the layer then computes on a one-pixel image (known values), by the centring of
// a 3x3 kernel in a 5x5 layer against the 3x3 convolution alone, and by refusals that change
// nothing. Not a test of the convolution kernels (kernels_known_values_test.cpp is).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using Catch::Contains;
using json = nlohmann::json;

namespace {

// An asymmetric kernel, so a transposed or flipped copy shows.
const std::vector<float> kRamp = {1, 2, 3, 4, 5, 6, 7, 8, 9};

// conv 3x3 (3 filters, linear, bias 0.5) -> conv 3x3 on 3 channels -> pool -> dense.
const char* kSpec = R"({"name": "filter-test", "input": [28, 28, 1],
  "layers": [
    {"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same", "activation": "linear",
     "bias_init": {"type": "constant", "value": 0.5}},
    {"type": "conv2d", "filters": 2, "kernel": 3, "padding": "same", "activation": "relu"},
    {"type": "maxpool2d", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 10, "activation": "softmax"}],
  "optimizer": {"type": "adam", "lr": 0.001}, "batch_size": 8, "seed": 3})";

std::vector<std::vector<float>> all_weights(Trainer& t) {
  std::vector<std::vector<float>> out;
  for (int i = 0; i < t.network().num_layers(); ++i)
    for (const NamedValues& w : t.weights(i)) out.push_back(w.data);
  return out;
}

// Value of channel c at (y, x) of an [H, W, C] activation.
float at(const NamedValues& a, int y, int x, int c) {
  return a.data[(static_cast<size_t>(y) * a.shape[1] + x) * a.shape[2] + c];
}

}  // namespace

TEST_CASE("set_conv_filter writes one filter; the layer then computes with that kernel",
          "[trainer][filter]") {
  Trainer t;
  t.configure(kSpec);
  const std::vector<NamedValues> before = t.weights(0);
  const FilterPlacement p = t.set_conv_filter(0, 1, kRamp, 3, 3);
  CHECK(p.layer == 0);
  CHECK(p.name == "conv2d_1/kernel");
  CHECK(p.layer_kh == 3);
  CHECK(p.layer_kw == 3);
  CHECK(p.offset_y == 0);
  CHECK(p.offset_x == 0);

  const std::vector<NamedValues> after = t.weights(0);
  REQUIRE(after.size() == 2);
  REQUIRE(after[0].shape == Shape{3, 3, 1, 3});
  for (int i = 0; i < 9; ++i) {
    CHECK(after[0].data[i * 3 + 1] == kRamp[i]);  // [y][x][0][1], row-major as given
    CHECK(after[0].data[i * 3 + 0] == before[0].data[i * 3 + 0]);  // the other filters stay
    CHECK(after[0].data[i * 3 + 2] == before[0].data[i * 3 + 2]);
  }
  CHECK(after[1].data == before[1].data);  // the bias stays

  // One white pixel at (10, 20): filter 1 answers bias + kernel(1 - dy, 1 - dx) around it
  // (cross-correlation, as tf.nn.conv2d), the bias everywhere else.
  std::vector<float> image(28 * 28, 0.0f);
  image[10 * 28 + 20] = 1.0f;
  t.predict(image.data(), image.size());
  const NamedValues a = t.activation(0);
  REQUIRE(a.shape == Shape{28, 28, 3});
  CHECK(at(a, 10, 20, 1) == Approx(5.5));  // centre: 5 + 0.5
  CHECK(at(a, 9, 19, 1) == Approx(9.5));   // up-left of the pixel sees it through kernel(2, 2)
  CHECK(at(a, 9, 21, 1) == Approx(7.5));   // kernel(2, 0)
  CHECK(at(a, 11, 19, 1) == Approx(3.5));  // kernel(0, 2)
  CHECK(at(a, 11, 21, 1) == Approx(1.5));  // kernel(0, 0)
  CHECK(at(a, 10, 21, 1) == Approx(4.5));  // kernel(1, 0)
  CHECK(at(a, 0, 0, 1) == Approx(0.5));
  CHECK(at(a, 12, 20, 1) == Approx(0.5));
}

TEST_CASE("a 3x3 kernel is centred in a 5x5 layer and computes what the 3x3 alone computes",
          "[trainer][filter]") {
  Trainer t;
  t.configure(preset_json("tiny"));  // conv 5x5 SAME, 8 filters, ReLU
  const std::vector<float> edge = {-1, -1, -1, -1, 8, -1, -1, -1, -1};
  const FilterPlacement p = t.set_conv_filter(0, 0, edge, 3, 3);
  CHECK(p.layer_kh == 5);
  CHECK(p.offset_y == 1);
  CHECK(p.offset_x == 1);
  const std::vector<NamedValues> w = t.weights(0);
  REQUIRE(w[0].shape == Shape{5, 5, 1, 8});
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) {
      const bool inside = y >= 1 && y <= 3 && x >= 1 && x <= 3;
      CHECK(w[0].data[(y * 5 + x) * 8] == (inside ? edge[(y - 1) * 3 + (x - 1)] : 0.0f));
    }

  const std::vector<float> image = test::random_vector(28 * 28, 11, 0.0f, 1.0f);
  t.predict(image.data(), image.size());
  const NamedValues a = t.activation(0);
  ConvRequest r;
  r.input_shape = {28, 28, 1};
  r.input = image;
  r.kernel_shape = {3, 3, 1, 1};
  r.kernel = edge;
  r.bias = {w[1].data[0]};
  r.padding = PaddingSpec{PaddingSpec::kSame, 0};
  r.relu = true;
  const ConvResult alone = Trainer::conv2d(r);
  std::vector<float> channel0(28 * 28);
  for (int i = 0; i < 28 * 28; ++i) channel0[i] = a.data[static_cast<size_t>(i) * 8];
  const std::string mismatch = test::compare(channel0, alone.output);
  INFO(mismatch);
  CHECK(mismatch.empty());
}

TEST_CASE("set_conv_filter restarts the optimizer's slots of the replaced weights only",
          "[trainer][filter]") {
  Trainer t;
  t.configure(preset_json("tiny"));  // Adam: m and v
  t.set_data_dir(test::mnist_small_dir());
  t.train_steps(2);
  t.set_conv_filter(0, 2, kRamp, 3, 3);
  const Param& k = t.network().layer(0).params()[0];
  REQUIRE(k.m.size() == k.value.size());
  double other = 0;
  for (int i = 0; i < 25; ++i) {
    CHECK(k.m.data[i * 8 + 2] == 0.0f);
    CHECK(k.v.data[i * 8 + 2] == 0.0f);
    other += std::fabs(k.m.data[i * 8 + 3]);
  }
  CHECK(other > 0);
  CHECK(t.step() == 2);
  t.train_steps(1);  // and training goes on from the edited weights
  CHECK(t.step() == 3);
}

TEST_CASE("set_conv_filter refuses in one sentence and changes nothing",
          "[trainer][filter][errors]") {
  Trainer none;
  CHECK_THROWS_WITH(none.set_conv_filter(0, 0, kRamp, 3, 3), Contains("no model yet"));

  Trainer t;
  t.configure(preset_json("tiny"));
  const auto before = all_weights(t);
  const auto refuses = [&](int layer, int filter, const std::vector<float>& k, int kh, int kw,
                           const std::string& what) {
    INFO(what);
    try {
      t.set_conv_filter(layer, filter, k, kh, kw);
      FAIL("accepted");
    } catch (const Error& e) {
      const std::string m = e.what();
      CHECK_THAT(m, Contains(what));
      CHECK(m.find('\n') == std::string::npos);
    }
  };
  refuses(1, 0, kRamp, 3, 3, "layer 1 (maxpool2d) is not a conv2d layer");
  refuses(7, 0, kRamp, 3, 3, "layer 7 does not exist");
  refuses(2, 0, kRamp, 3, 3, "layer 2 (conv2d) reads 8 input channels");
  refuses(0, 8, kRamp, 3, 3, "has filters 0 to 7, so there is no filter 8");
  refuses(0, -1, kRamp, 3, 3, "no filter -1");
  refuses(0, 0, {1, 2, 3, 4, 5, 6, 7, 8}, 3, 3, "the kernel has 8 values, not 3x3");
  refuses(0, 0, {}, 0, 3, "at least 1x1");
  refuses(0, 0, std::vector<float>(16, 1.0f), 4, 4,
          "a 4x4 kernel cannot be centred in layer 0 (conv2d)'s 5x5 filters");
  refuses(0, 0, std::vector<float>(49, 1.0f), 7, 7,
          "a 7x7 kernel does not fit layer 0 (conv2d)'s 5x5 filters");
  std::vector<float> nan = kRamp;
  nan[5] = std::numeric_limits<float>::quiet_NaN();
  refuses(0, 0, nan, 3, 3, "row 2, column 3 is not a finite number");
  CHECK(all_weights(t) == before);

  // A 1x1 and a full 5x5 kernel are fine.
  t.set_conv_filter(0, 0, {2.0f}, 1, 1);
  CHECK(t.weights(0)[0].data[(2 * 5 + 2) * 8] == 2.0f);
  t.set_conv_filter(0, 0, std::vector<float>(25, 0.25f), 5, 5);
  CHECK(t.weights(0)[0].data[0] == 0.25f);
}
