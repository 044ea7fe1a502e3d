// Known values of the three "why this answer" maps (core/model/explain.h) on hand-built networks,
// and that explaining between training steps changes nothing training sees. Not a test of how
// convincing the maps look on MNIST (the e2e test looks at those).
#include "core/model/explain.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using json = nlohmann::json;

namespace {

Network network_of(const std::string& layers, const std::string& input) {
  return Network(parse_spec(R"({"input": )" + input + R"(, "layers": )" + layers + "}"));
}

Tensor image_of(const Shape& hwc, const std::vector<float>& values) {
  Tensor x({1, hwc[0], hwc[1], hwc[2]});
  x.data = values;
  return x;
}

}  // namespace

TEST_CASE("saliency of a linear model is the class's weight column", "[explain]") {
  // dense softmax on the image: logit_c = sum_i x_i W[i, c] + b_c, so d logit_c / dx = W[:, c].
  Network net =
      network_of(R"([{"type": "dense", "units": 10, "activation": "softmax"}])", "[28, 28, 1]");
  net.init_params(7);
  Tensor& w = net.layer(0).params()[0].value;  // [784, 10]
  net.layer(0).params()[1].value.data = test::random_vector(10, 3);
  const Tensor x = image_of({28, 28, 1}, test::random_vector(784, 11, 0.0f, 1.0f));
  const ClassMaps s = saliency(net, x);
  REQUIRE(s.classes == 10);
  REQUIRE(s.height == 28);
  REQUIRE(s.width == 28);
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < 784; ++i) {
      INFO("class " << c << " pixel " << i);
      REQUIRE(std::abs(s.of(c)[i] - w.data[i * 10 + c]) <= 1e-6f);
    }
}

TEST_CASE("saliency through conv and pooling layers matches central differences", "[explain]") {
  // Smooth activations (tanh, average pooling): no kinks for the differences to straddle.
  Network net = network_of(
      R"([{"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same", "activation": "tanh"},
          {"type": "avgpool2d", "size": 2},
          {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "tanh"},
          {"type": "dense", "units": 5, "activation": "softmax"}])",
      "[8, 8, 1]");
  net.init_params(21);
  const Tensor x = image_of({8, 8, 1}, test::random_vector(64, 5, 0.0f, 1.0f));
  const ClassMaps s = saliency(net, x);
  const float eps = 1e-2f;
  for (int c = 0; c < 5; ++c)
    for (int i : {0, 9, 27, 36, 63}) {
      Tensor up = x, down = x;
      up.data[i] += eps;
      down.data[i] -= eps;
      net.forward(up, false, nullptr);
      const double lu = net.logits().data[c];
      net.forward(down, false, nullptr);
      const double ld = net.logits().data[c];
      const double want = (lu - ld) / (2 * eps);
      INFO("class " << c << " pixel " << i);
      CHECK(s.of(c)[i] == Approx(want).margin(1e-4).epsilon(1e-2));
    }
}

TEST_CASE("Grad-CAM on a hand-built conv net", "[explain]") {
  // 4x4 input -> conv 3x3 valid, 2 filters, relu, no bias -> [2, 2, 2] -> dense 2 (no bias).
  Network net = network_of(
      R"([{"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu", "use_bias": false},
          {"type": "flatten"},
          {"type": "dense", "units": 2, "activation": "softmax", "use_bias": false}])",
      "[4, 4, 1]");
  // Filter 0 copies the pixel under the window's centre, filter 1 the window's top-left pixel:
  // A0 = [[6, 7], [10, 11]], A1 = [[1, 2], [5, 6]] for the image 1..16 below.
  std::vector<float>& k = net.layer(0).params()[0].value.data;  // [3, 3, 1, 2]
  std::fill(k.begin(), k.end(), 0.0f);
  k[(1 * 3 + 1) * 2 + 0] = 1.0f;
  k[(0 * 3 + 0) * 2 + 1] = 1.0f;
  // Dense kernel [8, 2]; input i = position p (row-major 2x2) * 2 + channel.
  // Class 0: channel 0 weights 1, 0, 0, 1 (alpha 0.5), channel 1 all 2 (alpha 2).
  // Class 1: channel 0 all -1 (alpha -1), channel 1 all 4 (alpha 4).
  const float w0[2][4] = {{1, 0, 0, 1}, {2, 2, 2, 2}};
  const float w1[2][4] = {{-1, -1, -1, -1}, {4, 4, 4, 4}};
  std::vector<float>& d = net.layer(2).params()[0].value.data;
  for (int p = 0; p < 4; ++p)
    for (int ch = 0; ch < 2; ++ch) {
      d[(p * 2 + ch) * 2 + 0] = w0[ch][p];
      d[(p * 2 + ch) * 2 + 1] = w1[ch][p];
    }
  std::vector<float> pixels(16);
  for (int i = 0; i < 16; ++i) pixels[i] = static_cast<float>(i + 1);
  const GradCam g = grad_cam(net, image_of({4, 4, 1}, pixels));
  REQUIRE(g.layer == 0);
  REQUIRE(g.coarse.height == 2);
  REQUIRE(g.coarse.width == 2);
  // Class 0: relu(0.5 A0 + 2 A1) = [[5, 7.5], [15, 17.5]].
  // Class 1: relu(-A0 + 4 A1) = relu([[-2, 1], [10, 13]]) = [[0, 1], [10, 13]].
  CHECK(std::vector<float>(g.coarse.of(0), g.coarse.of(0) + 4) ==
        std::vector<float>{5, 7.5f, 15, 17.5f});
  CHECK(std::vector<float>(g.coarse.of(1), g.coarse.of(1) + 4) == std::vector<float>{0, 1, 10, 13});
  // 2 -> 4 with half-pixel centres: the outer pixels take the edge values, the inner ones
  // 3/4 of the nearer and 1/4 of the farther. Rows of class 0:
  const std::vector<float> want0 = {5,     5.625f,  6.875f,  7.5f, 7.5f, 8.125f,  9.375f,  10,
                                    12.5f, 13.125f, 14.375f, 15,   15,   15.625f, 16.875f, 17.5f};
  REQUIRE(g.upsampled.height == 4);
  CHECK(test::compare(std::vector<float>(g.upsampled.of(0), g.upsampled.of(0) + 16), want0, 1e-6f,
                      0) == "");
  // Class 1's corner is the ReLU's zero, its far corner 13.
  CHECK(g.upsampled.of(1)[0] == 0.0f);
  CHECK(g.upsampled.of(1)[15] == 13.0f);
}

TEST_CASE("Grad-CAM says when the network has no conv layer", "[explain]") {
  Network net =
      network_of(R"([{"type": "dense", "units": 3, "activation": "softmax"}])", "[4, 4, 1]");
  net.init_params(1);
  const GradCam g = grad_cam(net, image_of({4, 4, 1}, std::vector<float>(16, 0.5f)));
  CHECK(g.layer == -1);
  CHECK(g.upsampled.data.empty());
}

TEST_CASE("occlusion on a hand-built linear model", "[explain]") {
  // Only pixel (0, 0) matters: logit_0 = x00, logit_1 = 0. With x00 = ln 3, p_0 = 3/4; a patch
  // that hides (0, 0) makes both logits 0 and p_0 = 1/2, a drop of 1/4 (and p_1 rises by 1/4).
  Network net =
      network_of(R"([{"type": "dense", "units": 2, "activation": "softmax", "use_bias": false}])",
                 "[4, 4, 1]");
  std::vector<float>& w = net.layer(0).params()[0].value.data;  // [16, 2]
  std::fill(w.begin(), w.end(), 0.0f);
  w[0] = 1.0f;
  std::vector<float> pixels(16, 0.8f);
  pixels[0] = std::log(3.0f);
  const Tensor x = image_of({4, 4, 1}, pixels);

  SECTION("non-overlapping 2x2 patches: the top-left block alone drops") {
    OcclusionOptions o;
    o.patch = 2;
    o.stride = 2;
    o.batch = 3;  // 4 positions: a full and a partial batch
    const ClassMaps m = occlusion(net, x, o);
    for (int y = 0; y < 4; ++y)
      for (int xx = 0; xx < 4; ++xx) {
        const float want = y < 2 && xx < 2 ? 0.25f : 0.0f;
        INFO("y " << y << " x " << xx);
        CHECK(m.of(0)[y * 4 + xx] == Approx(want).margin(1e-6));
        CHECK(m.of(1)[y * 4 + xx] == Approx(-want).margin(1e-6));
      }
  }
  SECTION("overlapping 3x3 patches at stride 2 (starts 0 and 1): each pixel averages its patches") {
    OcclusionOptions o;
    o.patch = 3;
    o.stride = 2;
    const ClassMaps m = occlusion(net, x, o);
    // Only the patch at (0, 0) hides pixel (0, 0). Pixel (0, 0) lies in 1 patch, (0, 1) in 2
    // ((0, 0) and (0, 1)), (1, 1) in all 4, (3, 3) only in the patch at (1, 1).
    CHECK(m.of(0)[0] == Approx(0.25).margin(1e-6));
    CHECK(m.of(0)[1] == Approx(0.125).margin(1e-6));
    CHECK(m.of(0)[5] == Approx(0.0625).margin(1e-6));
    CHECK(m.of(0)[15] == Approx(0.0).margin(1e-6));
  }
}

TEST_CASE("explaining between training steps changes nothing training sees", "[explain][trainer]") {
  auto make = [] {
    json spec = json::parse(preset_json("tiny"));
    spec["seed"] = 4;
    spec["optimizer"] = {{"type", "adam"}, {"lr", 0.002}};
    Trainer t;
    t.configure(spec.dump());
    t.set_data_dir(test::mnist_small_dir());
    return t;
  };
  auto grads = [](const Trainer& t) {
    std::vector<std::vector<float>> out;
    for (int i = 0; i < const_cast<Trainer&>(t).network().num_layers(); ++i)
      for (const NamedValues& g : t.gradients(i)) out.push_back(g.data);
    return out;
  };
  Trainer a = make(), b = make();
  a.train_steps(6);
  b.train_steps(6);
  const auto grads_before = grads(b);
  int label = 0;
  const std::vector<float> img = b.test_image(3, &label);
  const Explanation e = b.explain(img.data(), img.size());
  CHECK(e.probabilities == b.predict(img.data(), img.size()));
  CHECK(e.grad_cam.layer == 2);  // tiny: conv, pool, conv, pool, dense
  CHECK(grads(b) == grads_before);
  CHECK(b.save() == a.save());  // weights, optimizer slots and counters, bit for bit
  const StepResult ra = a.train_steps(6), rb = b.train_steps(6);
  CHECK(ra.loss == rb.loss);
  CHECK(grads(a) == grads(b));
  CHECK(a.save() == b.save());
}

TEST_CASE("explain refuses an image of the wrong size", "[explain][errors]") {
  Trainer t;
  t.configure(preset_json("tiny"));
  const std::vector<float> img(100, 0.0f);
  CHECK_THROWS_WITH(t.explain(img.data(), img.size()),
                    Catch::Contains("explain needs one 28x28x1 image"));
}
