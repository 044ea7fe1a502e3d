// Gradient checks by central differences for every layer type, every activation, the loss and a
// whole network. The loss for a layer is L = sum(r * y) with a fixed random r, so dL/dy = r.
// Derivatives are compared with |analytic - numeric| <= 1e-2 max(|a|, |n|) + 2e-3; a point whose
// numeric derivative changes with the step size (a ReLU or max-pool kink) is skipped.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>

#include "core/kernels/kernels.h"
#include "core/layers/layer.h"
#include "core/model/network.h"
#include "core/model/spec.h"
#include "tests/native/support/test_util.h"

using namespace cnn;

namespace {

constexpr double kEps = 1e-3;

// Checks d f / d values[i] for (a sample of) i against analytic[i]. f must be re-evaluated from
// values. Returns the number of points compared.
int check_gradient(std::vector<float>& values, const std::vector<float>& analytic,
                   const std::function<double()>& f, const std::string& what, int max_points = 60) {
  REQUIRE(values.size() == analytic.size());
  const size_t n = values.size();
  const size_t stride = std::max<size_t>(1, n / max_points);
  int compared = 0;
  for (size_t i = 0; i < n; i += stride) {
    const float orig = values[i];
    auto numeric = [&](double eps) {
      values[i] = static_cast<float>(orig + eps);
      const double up = f();
      values[i] = static_cast<float>(orig - eps);
      const double down = f();
      values[i] = orig;
      return (up - down) / (2 * eps);
    };
    const double n1 = numeric(kEps), n2 = numeric(kEps / 2);
    if (std::fabs(n1 - n2) > 1e-2 * std::max(std::fabs(n1), std::fabs(n2)) + 2e-3)
      continue;  // kink
    const double a = analytic[i];
    INFO(what << " index " << i << " analytic " << a << " numeric " << n1);
    CHECK(std::fabs(a - n1) <= 1e-2 * std::max(std::fabs(a), std::fabs(n1)) + 2e-3);
    ++compared;
  }
  return compared;
}

LayerSpec parse_layer_spec(const std::string& layer_json, const std::string& input) {
  // A one-layer spec followed by a softmax output so the spec is valid; only layer 0 is used.
  const std::string spec = "{\"input\": " + input + ", \"layers\": [" + layer_json +
                           ", {\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}]}";
  return parse_spec(spec).layers[0];
}

void check_layer(const std::string& layer_json, const Shape& in_shape, int N = 2) {
  std::string input = "[" + std::to_string(in_shape[0]) + ", " +
                      std::to_string(in_shape.size() > 1 ? in_shape[1] : 1) + ", " +
                      std::to_string(in_shape.size() > 2 ? in_shape[2] : 1) + "]";
  const LayerSpec ls = parse_layer_spec(layer_json, input);
  auto layer = make_layer(ls, 0);
  layer->build(in_shape);
  Rng init(3);
  layer->init_params(init);
  // Random biases too, so the bias path is checked.
  for (Param& p : layer->params())
    if (!p.is_kernel) p.value.data = test::random_vector(p.value.size(), 11, -0.5f, 0.5f);
  Shape xs = {N};
  xs.insert(xs.end(), in_shape.begin(), in_shape.end());
  Tensor x(xs);
  x.data = test::random_vector(x.size(), 5, -1.0f, 1.0f);
  std::vector<float> workspace;
  Tensor y;
  auto forward = [&]() -> double {
    Rng rng(42);  // the same dropout mask at every evaluation
    Context ctx{true, &rng, &workspace};
    layer->forward(x, y, ctx);
    static std::vector<float> r;
    r = test::random_vector(y.size(), 17);
    double L = 0;
    for (int64_t i = 0; i < y.size(); ++i) L += static_cast<double>(r[i]) * y.data[i];
    return L;
  };
  forward();
  Tensor dy(y.shape);
  dy.data = test::random_vector(y.size(), 17);
  Tensor dx(x.shape);
  for (Param& p : layer->params()) p.grad.zero();
  {
    Rng rng(42);
    Context ctx{true, &rng, &workspace};
    layer->forward(x, y, ctx);
    layer->backward(x, y, dy, &dx, ctx);
  }
  int compared = check_gradient(x.data, dx.data, forward, layer_json + " dinput");
  for (Param& p : layer->params())
    compared += check_gradient(p.value.data, p.grad.data, forward, layer_json + " d" + p.name);
  CHECK(compared >= 20);
}

}  // namespace

TEST_CASE("conv2d gradients", "[gradcheck]") {
  check_layer(R"({"type": "conv2d", "filters": 3, "kernel": 3, "activation": "linear"})",
              {5, 5, 2});
  check_layer(
      R"({"type": "conv2d", "filters": 4, "kernel": 3, "stride": 2, "padding": "same", "activation": "tanh"})",
      {6, 5, 3});
  check_layer(
      R"({"type": "conv2d", "filters": 2, "kernel": [2, 3], "stride": [1, 2], "padding": 1, "activation": "relu"})",
      {5, 6, 2});
  check_layer(
      R"({"type": "conv2d", "filters": 3, "kernel": 5, "stride": 2, "padding": "same", "activation": "sigmoid"})",
      {7, 7, 1});
  check_layer(
      R"({"type": "conv2d", "filters": 3, "kernel": 1, "activation": "linear", "use_bias": false})",
      {4, 4, 3});
}

TEST_CASE("dense gradients with every activation", "[gradcheck]") {
  for (const char* act : {"linear", "relu", "tanh", "sigmoid", "softmax"})
    check_layer(std::string(R"({"type": "dense", "units": 6, "activation": ")") + act + "\"}",
                {3, 3, 2}, 3);
  check_layer(R"({"type": "dense", "units": 5, "use_bias": false})", {7, 1, 1});
}

TEST_CASE("pooling gradients", "[gradcheck]") {
  check_layer(R"({"type": "maxpool2d", "size": 2})", {6, 6, 3});
  check_layer(R"({"type": "maxpool2d", "size": 3, "stride": 2, "padding": "same"})", {7, 5, 2});
  check_layer(R"({"type": "avgpool2d", "size": 2})", {6, 6, 3});
  check_layer(R"({"type": "avgpool2d", "size": 2, "stride": 2, "padding": "same"})", {5, 5, 2});
  check_layer(R"({"type": "avgpool2d", "size": 3, "stride": 1, "padding": 1})", {4, 4, 2});
}

TEST_CASE("lrn, flatten, dropout and activation layer gradients", "[gradcheck]") {
  check_layer(R"({"type": "lrn", "depth_radius": 2, "bias": 1.0, "alpha": 0.5, "beta": 0.75})",
              {3, 3, 7});
  check_layer(R"({"type": "lrn", "depth_radius": 5, "bias": 2.0, "alpha": 0.1, "beta": 0.5})",
              {2, 2, 4});
  check_layer(R"({"type": "flatten"})", {3, 4, 2});
  check_layer(R"({"type": "dropout", "rate": 0.3})", {4, 4, 2});
  for (const char* act : {"relu", "tanh", "sigmoid", "softmax", "linear"})
    check_layer(std::string(R"({"type": "activation", "activation": ")") + act + "\"}", {2, 2, 5});
}

TEST_CASE("softmax cross-entropy gradient and stability", "[gradcheck][loss]") {
  const int N = 3, C = 5;
  std::vector<float> logits = test::random_vector(N * C, 8, -3.0f, 3.0f);
  const uint8_t labels[N] = {0, 4, 2};
  std::vector<float> probs(N * C), dlogits(N * C);
  kernels::ref::softmax_cross_entropy(N, C, logits.data(), labels, probs.data(), dlogits.data(),
                                      1.0f / N);
  auto loss = [&]() {
    std::vector<float> p(N * C);
    return kernels::ref::softmax_cross_entropy(N, C, logits.data(), labels, p.data(), nullptr,
                                               1.0f);
  };
  CHECK(check_gradient(logits, dlogits, loss, "softmax_cross_entropy") == N * C);
  // Huge logits: no overflow, and the loss of a confident wrong answer is the logit gap.
  const float big[4] = {1000.0f, -1000.0f, 0.0f, 0.0f};
  const uint8_t lab[1] = {1};
  float p[4];
  const double l = kernels::ref::softmax_cross_entropy(1, 4, big, lab, p, nullptr, 1.0f);
  CHECK(std::isfinite(l));
  CHECK(l == Approx(2000.0).epsilon(1e-6));
  CHECK(p[0] == Approx(1.0f));
  // Uniform logits over 10 classes: loss ln 10.
  const std::vector<float> zeros(10, 0.0f);
  const uint8_t lab3[1] = {3};
  float p10[10];
  CHECK(kernels::ref::softmax_cross_entropy(1, 10, zeros.data(), lab3, p10, nullptr, 1.0f) ==
        Approx(std::log(10.0)));
}

TEST_CASE("whole-network gradient with the fused softmax loss", "[gradcheck]") {
  const std::string spec_json = R"({"input": [8, 8, 1], "layers": [
    {"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same", "activation": "tanh"},
    {"type": "maxpool2d", "size": 2},
    {"type": "lrn", "depth_radius": 1, "alpha": 0.3, "beta": 0.75},
    {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "sigmoid"},
    {"type": "flatten"},
    {"type": "dense", "units": 6, "activation": "tanh"},
    {"type": "dense", "units": 4, "activation": "softmax"}]})";
  Network net(parse_spec(spec_json));
  net.init_params(9);
  Tensor x({2, 8, 8, 1});
  x.data = test::random_vector(x.size(), 21, 0.0f, 1.0f);
  const uint8_t labels[2] = {1, 3};
  auto loss = [&]() {
    net.forward(x, false, nullptr);
    std::vector<float> p(8);
    return kernels::ref::softmax_cross_entropy(2, 4, net.logits().ptr(), labels, p.data(), nullptr,
                                               1.0f);
  };
  net.forward(x, true, nullptr);
  Tensor probs({2, 4}), dlogits({2, 4});
  kernels::ref::softmax_cross_entropy(2, 4, net.logits().ptr(), labels, probs.ptr(), dlogits.ptr(),
                                      0.5f);
  net.backward(dlogits);
  int compared = 0;
  for (Param* p : net.params()) {
    const std::vector<float> analytic = p->grad.data;
    compared += check_gradient(p->value.data, analytic, loss, p->name, 30);
  }
  CHECK(compared > 100);
}

TEST_CASE("activation_gradient equals activation_backward into zeros", "[gradcheck][kernels]") {
  using kernels::Activation;
  const auto y = test::random_vector(60, 3, -1.0f, 1.0f), dy = test::random_vector(60, 4);
  for (Activation a : {Activation::kLinear, Activation::kRelu, Activation::kTanh,
                       Activation::kSigmoid, Activation::kSoftmax}) {
    std::vector<float> want(60, 0.0f), got(60, 123.0f);
    kernels::ref::activation_backward(a, 60, 6, y.data(), dy.data(), want.data());
    kernels::ref::activation_gradient(a, 60, 6, y.data(), dy.data(), got.data());
    CHECK(got == want);
  }
}
