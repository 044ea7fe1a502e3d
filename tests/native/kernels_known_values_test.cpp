// Known values the convolution must reproduce, written out by hand: the cs231n demo layout and the
// edge-detect and sharpen kernels followed by ReLU and clamping (the output-size table is in
// window_geometry_test.cpp). Each case runs through every registered conv2d variant.
#include <catch2/catch.hpp>

#include "core/kernels/registry.h"
#include "core/layers/layer.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using namespace cnn::kernels;

namespace {

Conv2dParams make_params(int N, int H, int W, int C, int K, int KH, int KW, int S,
                         PaddingSpec pad) {
  const WindowGeometry g = window_geometry("test", "kernel", H, W, KH, KW, S, S, pad);
  return Conv2dParams{N,       H,      W, C, K, KH, KW, S, S, g.h.pad_before, g.w.pad_before,
                      g.h.out, g.w.out};
}

std::vector<float> run(const Conv2dVariant& v, const Conv2dParams& p, const std::vector<float>& x,
                       const std::vector<float>& w, const float* bias) {
  std::vector<float> y(static_cast<size_t>(p.N) * p.OH * p.OW * p.K, -7.0f);
  std::vector<float> ws(v.workspace(p) + 1);
  v.forward(p, x.data(), w.data(), bias, y.data(), ws.data());
  return y;
}

PaddingSpec same() { return PaddingSpec{PaddingSpec::kSame, 0}; }
PaddingSpec valid() { return PaddingSpec{PaddingSpec::kValid, 0}; }
PaddingSpec pad(int n) { return PaddingSpec{PaddingSpec::kExplicit, n}; }

}  // namespace

TEST_CASE("cs231n demo: 5x5x3 input, two 3x3x3 filters, stride 2, pad 1 -> 3x3x2",
          "[kernels][known]") {
  // x[r][c][ch] = (5r + c + ch) mod 3 (values 0..2, like the demo);
  // w0[ky][kx][ch] = (3ky + kx + 2ch) mod 3 - 1, w1 = (ky + 2kx + ch) mod 3 - 1 (values -1..1);
  // b0 = 1, b1 = 0. By hand, output (0,0,0) covers rows/cols 0..1 (the rest is padding):
  //   ch0 0*0 + 1*1 + 2*0 + 0*1 = 1; ch1 1*-1 + 2*0 + 0*-1 + 1*0 = -1; ch2 2*1 + 0*-1 + 1*1 + 2*-1
  //   = 1
  //   -> 1 - 1 + 1 + b0 = 2.
  std::vector<float> x(75), w(54);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 5; ++c)
      for (int ch = 0; ch < 3; ++ch)
        x[(r * 5 + c) * 3 + ch] = static_cast<float>((r * 5 + c + ch) % 3);
  for (int ky = 0; ky < 3; ++ky)
    for (int kx = 0; kx < 3; ++kx)
      for (int ch = 0; ch < 3; ++ch) {
        w[((ky * 3 + kx) * 3 + ch) * 2 + 0] = static_cast<float>((ky * 3 + kx + 2 * ch) % 3 - 1);
        w[((ky * 3 + kx) * 3 + ch) * 2 + 1] = static_cast<float>((ky + 2 * kx + ch) % 3 - 1);
      }
  const float bias[2] = {1.0f, 0.0f};
  const Conv2dParams p = make_params(1, 5, 5, 3, 2, 3, 3, 2, pad(1));
  REQUIRE(p.OH == 3);
  REQUIRE(p.OW == 3);
  // Output [3][3][2], the numbers the demo shows for this input (checked with torch once).
  const std::vector<float> want = {2, 2, 1, 0, -1, -1, 1, 0, 1, 0, 1, 0, 2, -1, 1, 0, -1, 2};
  for (const Conv2dVariant& v : conv2d_variants()) {
    if (!v.fits(p)) continue;  // an ISA this CPU lacks
    INFO("variant " << v.name);
    CHECK(test::compare(run(v, p, x, w, bias), want) == "");
  }
}

TEST_CASE("all-ones 5x5 input and 3x3 kernel give the window counts", "[kernels][known]") {
  // With ones everywhere each output is C x (number of input pixels under the window).
  for (int C : {1, 5}) {
    for (int K : {1, 7}) {
      const std::vector<float> x(25 * C, 1.0f), w(9 * C * K, 1.0f);
      for (const Conv2dVariant& v : conv2d_variants()) {
        INFO("variant " << v.name << " C=" << C << " K=" << K);
        const Conv2dParams pv = make_params(1, 5, 5, C, K, 3, 3, 1, valid());
        if (!v.fits(pv)) continue;  // an ISA this CPU lacks
        CHECK(test::compare(run(v, pv, x, w, nullptr), std::vector<float>(9 * K, 9.0f * C)) == "");
        const Conv2dParams ps = make_params(1, 5, 5, C, K, 3, 3, 2, same());
        // SAME stride 2: windows at rows/cols -1..1, 1..3, 3..5 -> 2, 3, 2 pixels per axis.
        const int counts[3] = {2, 3, 2};
        std::vector<float> want;
        for (int oy = 0; oy < 3; ++oy)
          for (int ox = 0; ox < 3; ++ox)
            for (int k = 0; k < K; ++k)
              want.push_back(static_cast<float>(counts[oy] * counts[ox] * C));
        CHECK(test::compare(run(v, ps, x, w, nullptr), want) == "");
        const Conv2dParams p1 = make_params(1, 5, 5, C, K, 3, 3, 1, same());
        const std::vector<float> y = run(v, p1, x, w, nullptr);
        CHECK(y[0] == 4.0f * C);                // corner
        CHECK(y[(0 * 5 + 2) * K] == 6.0f * C);  // edge
        CHECK(y[(2 * 5 + 2) * K] == 9.0f * C);  // centre
      }
    }
  }
}

namespace {
// SAME convolution of a 4x4 image with one 3x3 kernel, then ReLU and min(x, 255).
std::vector<float> filter_image(const Conv2dVariant& v, const std::vector<float>& img,
                                const std::vector<float>& kernel) {
  const Conv2dParams p = make_params(1, 4, 4, 1, 1, 3, 3, 1, same());
  std::vector<float> y = run(v, p, img, kernel, nullptr);
  for (float& f : y) f = std::min(std::max(f, 0.0f), 255.0f);
  return y;
}
}  // namespace

TEST_CASE("edge-detect and sharpen kernels with ReLU and clamping", "[kernels][known]") {
  const std::vector<float> edge = {-1, -1, -1, -1, 8, -1, -1, -1, -1};
  const std::vector<float> sharpen = {0, -1, 0, -1, 5, -1, 0, -1, 0};
  const std::vector<float> img50 = {10, 10, 10, 10, 10, 50, 50, 10, 10, 50, 50, 10, 10, 10, 10, 10};
  const std::vector<float> img100 = {10, 10,  10,  10, 10, 100, 100, 10,
                                     10, 100, 100, 10, 10, 10,  10,  10};
  for (const Conv2dVariant& v : conv2d_variants()) {
    if (!v.fits(make_params(1, 4, 4, 1, 1, 3, 3, 1, same()))) continue;  // an ISA this CPU lacks
    INFO("variant " << v.name);
    // (0,0): 8*10 - (10 + 10 + 50) = 10; (0,1): 80 - 130 < 0 -> 0; (1,1): 400 - 200 = 200.
    CHECK(test::compare(filter_image(v, img50, edge),
                        {10, 0, 0, 10, 0, 200, 200, 0, 0, 200, 200, 0, 10, 0, 0, 10}) == "");
    // (1,1): 800 - (5*10 + 3*100) = 450 -> clamped to 255; the border goes negative -> 0.
    CHECK(test::compare(filter_image(v, img100, edge),
                        {0, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0}) == "");
    // (0,0): 5*10 - 10 - 10 = 30; (0,1): 50 - 10 - 10 - 50 < 0; (1,1): 250 - 10 - 10 - 50 - 50 =
    // 130.
    CHECK(test::compare(filter_image(v, img50, sharpen),
                        {30, 0, 0, 30, 0, 130, 130, 0, 0, 130, 130, 0, 30, 0, 0, 30}) == "");
  }
}
