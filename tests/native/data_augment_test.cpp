// Tests for core/data/augment: exact identity, mass preservation, determinism, bounds and the
// parameter checks. It does not judge whether augmentation helps training.
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/data/augment.h"
#include "core/tensor/error.h"
#include "core/tensor/rng.h"

namespace {

// A blurry blob in the middle of a 28x28 frame, like a digit's stroke mass.
std::vector<float> blob(int h, int w) {
  std::vector<float> img(static_cast<size_t>(h) * w);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double dy = y - 0.5 * (h - 1), dx = x - 0.4 * (w - 1);
      img[static_cast<size_t>(y) * w + x] = float(std::exp(-(dx * dx + dy * dy) / 18.0));
    }
  }
  return img;
}

double sum(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

}  // namespace

TEST_CASE("augment: all-zero params give an exact copy", "[data]") {
  const int h = 28, w = 23;  // odd and even sides, so the centre is on and between pixels
  std::vector<float> in(h * w);
  cnn::Rng fill(3);
  for (float& v : in) v = fill.uniform();
  std::vector<float> out(in.size(), -1.0f);
  cnn::Rng rng(42);
  cnn::data::augment_image(in.data(), h, w, out.data(), rng, {0.0f, 0.0f, 0.0f});
  CHECK(out == in);

  // Still four draws, so later random numbers do not depend on the params.
  cnn::Rng a(42), b(42);
  std::vector<float> tmp(in.size());
  cnn::data::augment_image(in.data(), h, w, tmp.data(), a, {0.0f, 0.0f, 0.0f});
  cnn::data::augment_image(in.data(), h, w, tmp.data(), b, {});
  CHECK(a.next_u64() == b.next_u64());

  const float one = 0.75f;
  float single = 0.0f;
  cnn::data::augment_image(&one, 1, 1, &single, rng, {0.0f, 0.0f, 0.0f});
  CHECK(single == 0.75f);
}

TEST_CASE("augment: a shift-only transform matches bilinear sampling of the input", "[data]") {
  const int h = 9, w = 12;
  std::vector<float> in(h * w);
  for (int i = 0; i < h * w; ++i) in[i] = float((i * 7) % 11) / 10.0f;
  auto at = [&](int y, int x) -> double {
    return (y >= 0 && y < h && x >= 0 && x < w) ? in[y * w + x] : 0.0;
  };
  std::vector<float> out(in.size());
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    cnn::Rng rng(seed);
    cnn::Rng draws = rng;  // the same four draws: angle, scale, dx, dy
    draws.uniform();
    draws.uniform();
    const double dx = draws.uniform(-3.0f, 3.0f);
    const double dy = draws.uniform(-3.0f, 3.0f);
    cnn::data::augment_image(in.data(), h, w, out.data(), rng, {3.0f, 0.0f, 0.0f});
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        // Content moves by +(dx, dy): output (y, x) shows input (y - dy, x - dx).
        const double sy = y - dy, sx = x - dx;
        const int y0 = int(std::floor(sy)), x0 = int(std::floor(sx));
        const double fy = sy - y0, fx = sx - x0;
        const double want = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
                            fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
        INFO("seed " << seed << " pixel " << y << "," << x);
        REQUIRE(out[y * w + x] == Approx(want).margin(1e-5));
      }
    }
  }
}

TEST_CASE("augment: outputs are convex combinations of input pixels", "[data]") {
  const int h = 10, w = 10;
  std::vector<float> in(h * w);
  for (int i = 0; i < h * w; ++i) in[i] = 0.2f + 0.6f * float((i * 7) % 11) / 10.0f;
  std::vector<float> out(in.size());
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    cnn::Rng rng(seed);
    cnn::data::augment_image(in.data(), h, w, out.data(), rng, {});
    for (float v : out) {
      REQUIRE(v >= 0.0f);
      REQUIRE(v <= 0.8f + 1e-6f);
    }
  }
}

TEST_CASE("augment: small transforms roughly preserve the pixel mass", "[data]") {
  const int h = 28, w = 28;
  const std::vector<float> in = blob(h, w);
  const double mass = sum(in);
  std::vector<float> out(in.size());
  cnn::data::AugmentParams p;
  p.max_shift = 1.5f;
  p.max_rotate_deg = 10.0f;
  p.max_scale = 0.0f;  // scale changes the mass by scale^2, checked separately below
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    cnn::Rng rng(seed);
    cnn::data::augment_image(in.data(), h, w, out.data(), rng, p);
    CHECK(sum(out) == Approx(mass).epsilon(0.03));
    CHECK(out != in);
  }
  // With scale s the warped image has s^2 times the area.
  p = {0.0f, 0.0f, 0.1f};
  cnn::Rng rng(7);
  cnn::Rng draws = rng;
  draws.uniform();  // the angle
  const double scale = draws.uniform(0.9f, 1.1f);
  REQUIRE(std::abs(scale - 1.0) > 0.02);  // the seed gives a scale worth checking
  cnn::data::augment_image(in.data(), h, w, out.data(), rng, p);
  CHECK(sum(out) == Approx(mass * scale * scale).epsilon(0.03));
}

TEST_CASE("augment: the same seed gives the same image, another seed a different one", "[data]") {
  const std::vector<float> in = blob(28, 28);
  std::vector<float> a(in.size()), b(in.size()), c(in.size());
  cnn::Rng r1(99), r2(99), r3(100);
  cnn::data::augment_image(in.data(), 28, 28, a.data(), r1, {});
  cnn::data::augment_image(in.data(), 28, 28, b.data(), r2, {});
  cnn::data::augment_image(in.data(), 28, 28, c.data(), r3, {});
  CHECK(a == b);
  CHECK(a != c);
  CHECK(r1.next_u64() == r2.next_u64());
}

TEST_CASE("augment: never writes outside the output image", "[data]") {
  const float kGuard = 12345.0f;
  const int kPad = 64;
  for (int h : {1, 2, 5, 28}) {
    for (int w : {1, 3, 28}) {
      std::vector<float> in(h * w, 1.0f);
      std::vector<float> buf(h * w + 2 * kPad, kGuard);
      cnn::Rng rng(uint64_t(h * 100 + w));
      // Extreme but valid params, to push sample positions far outside the input.
      cnn::data::augment_image(in.data(), h, w, buf.data() + kPad, rng, {50.0f, 180.0f, 0.9f});
      for (int i = 0; i < kPad; ++i) {
        REQUIRE(buf[i] == kGuard);
        REQUIRE(buf[buf.size() - 1 - i] == kGuard);
      }
      for (int i = 0; i < h * w; ++i) {
        const float v = buf[kPad + i];
        REQUIRE(v >= 0.0f);
        REQUIRE(v <= 1.0f + 1e-6f);
      }
    }
  }
}

TEST_CASE("augment: bad sizes and params are errors", "[data]") {
  float px = 0.0f, out = 0.0f;
  cnn::Rng rng(1);
  REQUIRE_THROWS_WITH(cnn::data::augment_image(&px, 0, 5, &out, rng, {}),
                      Catch::Contains("at least 1x1"));
  REQUIRE_THROWS_WITH(cnn::data::augment_image(&px, 1, 1, &out, rng, {0.0f, 0.0f, 1.0f}),
                      Catch::Contains("max_scale"));
  REQUIRE_THROWS_WITH(cnn::data::augment_image(&px, 1, 1, &out, rng, {-1.0f, 0.0f, 0.0f}),
                      Catch::Contains("max_shift"));
  REQUIRE_THROWS_WITH(cnn::data::augment_image(&px, 1, 1, &out, rng, {0.0f, NAN, 0.0f}),
                      Catch::Contains("max_rotate_deg"));
}
