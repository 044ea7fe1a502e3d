// Tests for core/data/preprocess: polarity, crop, 20 px box, centre of mass and area averaging,
// with expected outputs worked out by hand. It does not test how well the model reads the result.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/data/preprocess.h"
#include "core/tensor/error.h"

namespace {

using Catch::Contains;
constexpr int kSide = 28;

struct Box {
  int top, bottom, left, right;  // inclusive; bottom < top when empty
};

Box ink_box(const std::vector<float>& img, float threshold = 0.1f) {
  Box b{kSide, -1, kSide, -1};
  for (int r = 0; r < kSide; ++r) {
    for (int c = 0; c < kSide; ++c) {
      if (img[r * kSide + c] > threshold) {
        b.top = std::min(b.top, r);
        b.bottom = std::max(b.bottom, r);
        b.left = std::min(b.left, c);
        b.right = std::max(b.right, c);
      }
    }
  }
  return b;
}

double dist_to_segment(double y, double x, double y0, double x0, double y1, double x1) {
  const double vy = y1 - y0, vx = x1 - x0;
  const double t = std::clamp(((y - y0) * vy + (x - x0) * vx) / (vy * vy + vx * vx), 0.0, 1.0);
  return std::hypot(y - (y0 + t * vy), x - (x0 + t * vx));
}

// A thick, anti-aliased "7" drawn bright on black in an h x w image (h=200, w=150 by default).
std::vector<float> seven(int h = 200, int w = 150) {
  std::vector<float> img(static_cast<size_t>(h) * w, 0.0f);
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const double y = r + 0.5, x = c + 0.5;
      const double d =
          std::min(dist_to_segment(y, x, 30, 20, 30, 130), dist_to_segment(y, x, 30, 130, 180, 60));
      img[static_cast<size_t>(r) * w + c] = float(std::clamp(8.5 - d, 0.0, 1.0));
    }
  }
  return img;
}

std::vector<float> inverted(std::vector<float> img) {
  for (float& v : img) v = 1.0f - v;
  return img;
}

}  // namespace

TEST_CASE("preprocess: dark-on-white and bright-on-black digits give the same image", "[data]") {
  const std::vector<float> bright = seven();
  const std::vector<float> dark = inverted(bright);
  const std::vector<float> a = cnn::data::preprocess_digit(bright.data(), 200, 150);
  const std::vector<float> b = cnn::data::preprocess_digit(dark.data(), 200, 150);
  REQUIRE(a.size() == size_t(kSide * kSide));
  REQUIRE(b.size() == a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("pixel " << i);
    REQUIRE(a[i] == Approx(b[i]).margin(1e-5));
    REQUIRE(a[i] >= 0.0f);
    REQUIRE(a[i] <= 1.0f);
  }
  // The box of the ink has a longer side of 20 (it is 20 px tall: the "7" is taller than wide).
  const Box box = ink_box(a);
  const int height = box.bottom - box.top + 1, width = box.right - box.left + 1;
  CHECK(height >= 19);
  CHECK(height <= 21);
  CHECK(width < height);
  // The integer shift puts the centre of mass within half a pixel of (14, 14) per axis.
  const auto com = cnn::data::center_of_mass(a.data(), kSide, kSide);
  CHECK(std::abs(com.first - 14.0) <= 0.5);
  CHECK(std::abs(com.second - 14.0) <= 0.5);
  // Black border all round, like MNIST.
  for (int i = 0; i < kSide; ++i) {
    CHECK(a[i] == 0.0f);
    CHECK(a[(kSide - 1) * kSide + i] == 0.0f);
  }
}

TEST_CASE("preprocess: a filled rectangle lands exactly where the rules put it", "[data]") {
  // 100 x 50 rectangle in a 200 x 150 image -> 20 x 10 of ones; centre of mass (10, 5) in that
  // image, so it is shifted by (round(14 - 10), round(14 - 5)) = (4, 9).
  for (bool dark : {false, true}) {
    std::vector<float> img(200 * 150, 0.0f);
    for (int r = 50; r < 150; ++r) {
      for (int c = 40; c < 90; ++c) img[r * 150 + c] = 1.0f;
    }
    if (dark) img = inverted(img);
    const std::vector<float> out = cnn::data::preprocess_digit(img.data(), 200, 150);
    for (int r = 0; r < kSide; ++r) {
      for (int c = 0; c < kSide; ++c) {
        const bool inside = r >= 4 && r < 24 && c >= 9 && c < 19;
        INFO("dark " << dark << " pixel " << r << "," << c);
        REQUIRE(out[r * kSide + c] == (inside ? 1.0f : 0.0f));
      }
    }
  }
}

TEST_CASE("preprocess: a wide image scales its width to 20", "[data]") {
  std::vector<float> img(40 * 160, 0.0f);  // 40 rows, 160 columns
  for (int r = 10; r < 30; ++r) {
    for (int c = 20; c < 140; ++c) img[r * 160 + c] = 1.0f;  // 20 x 120 -> 3.33 -> 3 x 20
  }
  const std::vector<float> out = cnn::data::preprocess_digit(img.data(), 40, 160);
  const Box box = ink_box(out);
  CHECK(box.right - box.left + 1 == 20);
  CHECK(box.bottom - box.top + 1 == 3);
  CHECK(box.left == 4);  // round(14 - 10)
  CHECK(box.top == 13);  // round(14 - 1.5) = round(12.5) = 13 (halves round away from zero)
}

TEST_CASE("preprocess: area averaging of 2x2 blocks is exact", "[data]") {
  // A 40x40 checkerboard of 2x2 blocks (top-left block white) halves to a 20x20 checkerboard of
  // single pixels. Its border mean is 0.5 (not > 0.5), so it is not inverted. Each row holds ten
  // ones, so the centre of mass is (10, 10) and the shift is (4, 4).
  std::vector<float> img(40 * 40);
  for (int r = 0; r < 40; ++r) {
    for (int c = 0; c < 40; ++c) img[r * 40 + c] = ((r / 2 + c / 2) % 2 == 0) ? 1.0f : 0.0f;
  }
  const std::vector<float> out = cnn::data::preprocess_digit(img.data(), 40, 40);
  for (int r = 0; r < kSide; ++r) {
    for (int c = 0; c < kSide; ++c) {
      const bool inside = r >= 4 && r < 24 && c >= 4 && c < 24;
      const float want = inside && ((r - 4 + c - 4) % 2 == 0) ? 1.0f : 0.0f;
      INFO("pixel " << r << "," << c);
      REQUIRE(out[r * kSide + c] == want);
    }
  }
}

TEST_CASE("preprocess: area averaging uses exact fractional coverage", "[data]") {
  // 30 rows x 3 columns, columns 0.6 | 0.3 | 0.2 (border mean 0.397: not inverted). The long side
  // 30 -> 20, the short side round(3 * 20 / 30) = 2, so each output column covers 1.5 inputs:
  //   col 0 = (1 * 0.6 + 0.5 * 0.3) / 1.5 = 0.5,  col 1 = (0.5 * 0.3 + 1 * 0.2) / 1.5 = 0.23333.
  // Rows are identical, so row averaging changes nothing. Centre of mass: row 10, column
  // (0.5 * 0.5 + 1.5 * 0.23333) / 0.73333 = 0.818, so the shift is (4, round(13.18) = 13).
  std::vector<float> img(30 * 3);
  for (int r = 0; r < 30; ++r) {
    img[r * 3 + 0] = 0.6f;
    img[r * 3 + 1] = 0.3f;
    img[r * 3 + 2] = 0.2f;
  }
  const std::vector<float> out = cnn::data::preprocess_digit(img.data(), 30, 3);
  for (int r = 0; r < kSide; ++r) {
    for (int c = 0; c < kSide; ++c) {
      double want = 0.0;
      if (r >= 4 && r < 24 && c == 13) want = 0.5;
      if (r >= 4 && r < 24 && c == 14) want = 0.35 / 1.5;
      INFO("pixel " << r << "," << c);
      REQUIRE(out[r * kSide + c] == Approx(want).margin(1e-6));
    }
  }
}

TEST_CASE("preprocess: what falls outside the frame after the shift is clipped", "[data]") {
  // 20x20: row 0 all ink (mass 20), column 0 below it at 0.2 (mass 3.8). Border mean
  // 23.8 / 76 < 0.5, no inversion; no scaling. Centre of mass row (10 + 0.2 * 199.5) / 23.8 =
  // 2.097 -> shift 12; column (200 + 1.9) / 23.8 = 8.483 -> shift 6. Rows 16..19 of the
  // column fall below row 27 and are dropped.
  std::vector<float> img(20 * 20, 0.0f);
  for (int c = 0; c < 20; ++c) img[c] = 1.0f;
  for (int r = 1; r < 20; ++r) img[r * 20] = 0.2f;
  const std::vector<float> out = cnn::data::preprocess_digit(img.data(), 20, 20);
  for (int r = 0; r < kSide; ++r) {
    for (int c = 0; c < kSide; ++c) {
      float want = 0.0f;
      if (r == 12 && c >= 6 && c < 26) want = 1.0f;
      if (r > 12 && c == 6) want = 0.2f;
      INFO("pixel " << r << "," << c);
      REQUIRE(out[r * kSide + c] == Approx(want).margin(1e-6));
    }
  }
}

TEST_CASE("preprocess: a 1x1 image with ink becomes a centred 20x20 square", "[data]") {
  const float ink = 1.0f;
  const std::vector<float> out = cnn::data::preprocess_digit(&ink, 1, 1);
  for (int r = 0; r < kSide; ++r) {
    for (int c = 0; c < kSide; ++c) {
      const bool inside = r >= 4 && r < 24 && c >= 4 && c < 24;
      REQUIRE(out[r * kSide + c] == (inside ? 1.0f : 0.0f));
    }
  }
  const float faint = 0.05f;
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(&faint, 1, 1, "dot.png"),
                      Contains("dot.png: the image is blank (no ink found)"));
}

TEST_CASE("preprocess: blank images and bad sizes are errors", "[data]") {
  std::vector<float> black(50 * 40, 0.0f);
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(black.data(), 50, 40, "b.png"),
                      Contains("b.png: the image is blank (no ink found)"));
  std::vector<float> white(50 * 40, 1.0f);  // a blank page: inverted to black, then no ink
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(white.data(), 50, 40), Contains("blank"));
  std::vector<float> gray(50 * 40, 0.08f);
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(gray.data(), 50, 40), Contains("blank"));

  const float px = 1.0f;
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(&px, 0, 1, "z"),
                      Contains("z: the image is 1x0") && Contains("between 1x1 and 4096x4096"));
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(&px, 1, 4097), Contains("4096x4096"));
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(&px, -3, 5), Contains("4096x4096"));
  std::vector<float> nan_img(9, 0.5f);
  nan_img[4] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(cnn::data::preprocess_digit(nan_img.data(), 3, 3, "n"),
                      Contains("n: pixel 4 is not a finite number"));
}

TEST_CASE("preprocess: out-of-range values are clamped, large images work", "[data]") {
  // A 4096x64 strip: the limit side, with a bar of over-bright values.
  std::vector<float> img(4096 * 64, -0.5f);
  for (int r = 1000; r < 3000; ++r) {
    for (int c = 10; c < 50; ++c) img[static_cast<size_t>(r) * 64 + c] = 2.0f;
  }
  const std::vector<float> out = cnn::data::preprocess_digit(img.data(), 4096, 64);
  const Box box = ink_box(out);
  CHECK(box.bottom - box.top + 1 == 20);
  CHECK(*std::max_element(out.begin(), out.end()) == 1.0f);
  CHECK(*std::min_element(out.begin(), out.end()) == 0.0f);
}

TEST_CASE("preprocess: center_of_mass uses pixel-centre coordinates", "[data]") {
  std::vector<float> img(kSide * kSide, 0.0f);
  auto com = cnn::data::center_of_mass(img.data(), kSide, kSide);
  CHECK(com.first == 14.0);
  CHECK(com.second == 14.0);
  img[3 * kSide + 5] = 0.7f;
  com = cnn::data::center_of_mass(img.data(), kSide, kSide);
  CHECK(com.first == Approx(3.5));
  CHECK(com.second == Approx(5.5));
  img[3 * kSide + 7] = 0.7f;  // a second, equal pixel two columns right
  com = cnn::data::center_of_mass(img.data(), kSide, kSide);
  CHECK(com.first == Approx(3.5));
  CHECK(com.second == Approx(6.5));
}

TEST_CASE("preprocess: pixel bytes become floats in [0, 1] with the rounding training uses",
          "[data]") {
  std::vector<uint8_t> bytes(256);
  for (int i = 0; i < 256; ++i) bytes[i] = static_cast<uint8_t>(i);
  std::vector<float> out(256, -1.0f);
  cnn::data::bytes_to_unit_floats(bytes.data(), bytes.size(), out.data());
  for (int i = 0; i < 256; ++i) CHECK(out[i] == static_cast<float>(i) * (1.0f / 255.0f));
  CHECK(out[0] == 0.0f);
  CHECK(out[255] == 1.0f);
  cnn::data::bytes_to_unit_floats(bytes.data(), 0, nullptr);  // nothing to do, nothing read
}
