// Tests for core/data/photo: polarity, uneven light, page edges and specks, blank photos, tiny and
// huge images, compared with the digit pad's path on the clean drawing. It does not test how well
// the model reads the result (tests/cli runs the photo fixtures through the shipped model).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/data/photo.h"
#include "core/data/preprocess.h"
#include "core/tensor/error.h"

namespace {

using Catch::Contains;
using cnn::data::PhotoInfo;
using cnn::data::preprocess_digit;
using cnn::data::preprocess_photo;

double dist_to_segment(double y, double x, double y0, double x0, double y1, double x1) {
  const double vy = y1 - y0, vx = x1 - x0;
  const double t = std::clamp(((y - y0) * vy + (x - x0) * vx) / (vy * vy + vx * vx), 0.0, 1.0);
  return std::hypot(y - (y0 + t * vy), x - (x0 + t * vx));
}

// Ink (1 = ink) of a thick, anti-aliased "4" drawn in a 200 x 160 frame scaled to h x w.
std::vector<float> four_ink(int h, int w) {
  std::vector<float> ink(static_cast<size_t>(h) * w);
  const double sy = h / 200.0, sx = w / 160.0, half = 9.0 * std::min(sx, sy);
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const double y = (r + 0.5) / sy, x = (c + 0.5) / sx;  // frame coordinates
      const double d = std::min({dist_to_segment(y, x, 40, 70, 120, 50),
                                 dist_to_segment(y, x, 120, 50, 120, 140),
                                 dist_to_segment(y, x, 40, 120, 170, 115)}) *
                       std::min(sx, sy);
      ink[static_cast<size_t>(r) * w + c] = float(std::clamp(half + 0.5 - d, 0.0, 1.0));
    }
  }
  return ink;
}

// Deterministic noise in [-1, 1] (a 64-bit LCG).
struct Noise {
  uint64_t state;
  float next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>((state >> 40) & 0xFFFFFF) / float(0xFFFFFF) * 2.0f - 1.0f;
  }
};

// A photo of `ink`: paper and ink reflectances, a light that falls from `hi` (top-left) to `lo`
// (bottom-right), and uniform noise of amplitude `noise`.
std::vector<float> photo(const std::vector<float>& ink, int h, int w, float paper, float pen,
                         float hi, float lo, float noise, uint64_t seed = 1) {
  Noise n{seed};
  std::vector<float> img(ink.size());
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const size_t i = static_cast<size_t>(r) * w + c;
      const float light = hi + (lo - hi) * 0.5f * (float(c) / w + float(r) / h);
      img[i] =
          std::clamp((paper * (1 - ink[i]) + pen * ink[i]) * light + noise * n.next(), 0.0f, 1.0f);
    }
  }
  return img;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::abs(a[i] - b[i])));
  return m;
}

double mean_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += std::abs(a[i] - b[i]);
  return s / a.size();
}

std::vector<float> read_photo(const std::vector<float>& img, int h, int w,
                              PhotoInfo* info = nullptr) {
  return preprocess_photo(img.data(), h, w, "photo", info);
}

}  // namespace

TEST_CASE("photo: a clean dark-on-light digit gives the digit pad's image", "[data][photo]") {
  const int h = 200, w = 160;
  const std::vector<float> ink = four_ink(h, w);
  const std::vector<float> pad = preprocess_digit(ink.data(), h, w);
  PhotoInfo info;
  const std::vector<float> out =
      read_photo(photo(ink, h, w, 1.0f, 0.0f, 1.0f, 1.0f, 0.0f), h, w, &info);
  CHECK(info.dark_ink);
  CHECK(info.kept == 1);
  // Only the soft edge pixels below the threshold differ (they are dropped as background).
  CHECK(max_diff(out, pad) < 0.35);
  CHECK(mean_diff(out, pad) < 0.01);
}

TEST_CASE("photo: light-on-dark and dark-on-light versions of a digit give the same image",
          "[data][photo]") {
  const int h = 240, w = 200;
  const std::vector<float> ink = four_ink(h, w);
  PhotoInfo dark, light;
  const std::vector<float> a =
      read_photo(photo(ink, h, w, 0.9f, 0.1f, 1.0f, 1.0f, 0.03f, 1), h, w, &dark);
  const std::vector<float> b =
      read_photo(photo(ink, h, w, 0.1f, 0.9f, 1.0f, 1.0f, 0.03f, 2), h, w, &light);
  CHECK(dark.dark_ink);
  CHECK_FALSE(light.dark_ink);
  INFO("max " << max_diff(a, b) << " mean " << mean_diff(a, b));
  CHECK(max_diff(a, b) < 0.2);
  CHECK(mean_diff(a, b) < 0.01);
}

TEST_CASE("photo: a strong gradient of light changes the result little", "[data][photo]") {
  const int h = 240, w = 200;
  const std::vector<float> ink = four_ink(h, w);
  const std::vector<float> even =
      read_photo(photo(ink, h, w, 0.9f, 0.1f, 1.0f, 1.0f, 0.02f, 3), h, w);
  // The far corner gets a third of the light of the near one: its paper is darker than the ink
  // near the light, so no global threshold can separate them.
  const std::vector<float> img = photo(ink, h, w, 0.9f, 0.1f, 1.05f, 0.3f, 0.02f, 4);
  CHECK(img[static_cast<size_t>(h - 1) * w + w - 1] < 0.4f);
  const std::vector<float> uneven = read_photo(img, h, w);
  INFO("max " << max_diff(even, uneven) << " mean " << mean_diff(even, uneven));
  CHECK(max_diff(even, uneven) < 0.35);
  CHECK(mean_diff(even, uneven) < 0.02);
}

TEST_CASE("photo: page edges along the border and specks of dust are left out", "[data][photo]") {
  const int h = 240, w = 200;
  const std::vector<float> ink = four_ink(h, w);
  const std::vector<float> clean =
      read_photo(photo(ink, h, w, 0.9f, 0.1f, 1.0f, 1.0f, 0.01f, 5), h, w);
  std::vector<float> img = photo(ink, h, w, 0.9f, 0.1f, 1.0f, 1.0f, 0.01f, 5);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < 10; ++c)
      img[static_cast<size_t>(r) * w + c] = 0.05f;  // the table beside the page
  for (int c = 0; c < w; ++c) img[static_cast<size_t>(h - 1) * w + c] = 0.05f;
  const int specks[][2] = {{5, 180}, {20, 30}, {200, 20}, {230, 190}, {100, 185}};
  for (const auto& p : specks)
    for (int dr = 0; dr < 2; ++dr)
      for (int dc = 0; dc < 2; ++dc) img[static_cast<size_t>(p[0] + dr) * w + p[1] + dc] = 0.1f;
  PhotoInfo info;
  const std::vector<float> out = read_photo(img, h, w, &info);
  CHECK(info.blobs >= 7);
  CHECK(info.kept == 1);
  INFO("max " << max_diff(clean, out) << " mean " << mean_diff(clean, out));
  CHECK(mean_diff(clean, out) < 0.02);
}

TEST_CASE("photo: a blank, uniform or noise-only photo is refused with a sentence",
          "[data][photo]") {
  const int h = 120, w = 100;
  std::vector<float> uniform(static_cast<size_t>(h) * w, 0.8f);
  CHECK_THROWS_WITH(read_photo(uniform, h, w),
                    "photo: the photo looks blank (nothing stands out from the background)");
  const std::vector<float> none(uniform.size(), 0.0f);
  const std::vector<float> lit = photo(none, h, w, 0.9f, 0.1f, 1.0f, 0.5f, 0.0f);
  CHECK_THROWS_WITH(read_photo(lit, h, w), Contains("looks blank"));
  const std::vector<float> noisy = photo(none, h, w, 0.9f, 0.1f, 1.0f, 0.6f, 0.05f, 7);
  CHECK_THROWS_WITH(read_photo(noisy, h, w), Contains("looks blank"));
  std::vector<float> specks = uniform;
  specks[10 * w + 10] = specks[60 * w + 50] = specks[100 * w + 80] = 0.1f;
  CHECK_THROWS_WITH(read_photo(specks, h, w),
                    "photo: the photo looks blank (only specks stand out from the background)");
  const std::vector<float> black(uniform.size(), 0.0f);
  CHECK_THROWS_WITH(preprocess_photo(black.data(), h, w, "snap.png"),
                    Contains("snap.png: the photo looks blank"));
}

TEST_CASE("photo: tiny images are read or refused, never out of bounds", "[data][photo]") {
  const float one = 0.5f;
  CHECK_THROWS_WITH(preprocess_photo(&one, 1, 1), Contains("looks blank"));
  // Read or refused with a sentence, never a crash nor an out-of-bounds access (ASan build).
  auto outcome = [](const std::vector<float>& img, int h, int w) -> std::string {
    try {
      return std::to_string(read_photo(img, h, w).size()) + " values";
    } catch (const cnn::Error& e) {
      return e.what();
    }
  };
  // Half of a 2x2 image is ink: no background to tell it from.
  CHECK_THAT(outcome({0.9f, 0.1f, 0.9f, 0.1f}, 2, 2),
             Contains("784 values") || Contains("looks blank"));
  for (int side = 3; side <= 9; ++side) {
    std::vector<float> img(static_cast<size_t>(side) * side, 0.9f);
    for (int r = 0; r < side; ++r) img[static_cast<size_t>(r) * side + side / 2] = 0.1f;  // a "1"
    const std::vector<float> out = read_photo(img, side, side);
    REQUIRE(out.size() == 784u);
    CHECK(*std::max_element(out.begin(), out.end()) == Approx(1.0f));
    // A thick "4" covers most of a tiny image: read or refused.
    CHECK_THAT(
        outcome(photo(four_ink(side, side), side, side, 0.9f, 0.1f, 1.0f, 1.0f, 0.0f), side, side),
        Contains("784 values") || Contains("looks blank"));
  }
  const std::vector<float> row = {0.9f, 0.9f, 0.9f, 0.9f, 0.1f, 0.1f,
                                  0.1f, 0.1f, 0.9f, 0.9f, 0.9f, 0.9f};
  CHECK_THAT(outcome(row, 1, 12), Contains("784 values") || Contains("looks blank"));
  CHECK_THAT(outcome(row, 12, 1), Contains("784 values") || Contains("looks blank"));
}

TEST_CASE("photo: a large photo gives what its small version gives, and bad input is an Error",
          "[data][photo]") {
  const int h = 2000, w = 1600;
  const std::vector<float> big =
      read_photo(photo(four_ink(h, w), h, w, 0.85f, 0.15f, 1.0f, 0.6f, 0.03f, 8), h, w);
  const std::vector<float> small =
      read_photo(photo(four_ink(200, 160), 200, 160, 0.85f, 0.15f, 1.0f, 0.6f, 0.03f, 9), 200, 160);
  INFO("max " << max_diff(big, small) << " mean " << mean_diff(big, small));
  CHECK(mean_diff(big, small) < 0.03);

  std::vector<float> img(100, 0.5f);
  CHECK_THROWS_WITH(preprocess_photo(img.data(), 0, 100), Contains("between 1x1 and 4096x4096"));
  CHECK_THROWS_WITH(preprocess_photo(img.data(), 1, 4097), Contains("between 1x1 and 4096x4096"));
  CHECK_THROWS_WITH(preprocess_photo(nullptr, 10, 10), Contains("no pixel data"));
  img[42] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(preprocess_photo(img.data(), 10, 10),
                    Contains("pixel 42 is not a finite number"));
}
