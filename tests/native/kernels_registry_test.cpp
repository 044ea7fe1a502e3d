// Every registered variant against ref over the shapes that break vectorised code (widths 1-9,
// 16, 17; channels 1, 3, 4, 5, 8; filters 1, 4, 7; kernels 1, 3, 5; strides 1, 2; SAME and VALID;
// batch 1 and 3), for forward, backward-input and backward-weight, plus the dispatcher's choice.
#include <catch2/catch.hpp>
#include <sstream>

#include "core/kernels/registry.h"
#include "core/layers/layer.h"
#include "tests/native/support/conv_run.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using namespace cnn::kernels;

namespace {

std::string where(const Conv2dParams& p) {
  std::ostringstream s;
  s << "N" << p.N << " H" << p.H << " W" << p.W << " C" << p.C << " K" << p.K << " k" << p.KH << "x"
    << p.KW << " s" << p.SH << " pad(" << p.PT << "," << p.PL << ") out " << p.OH << "x" << p.OW;
  return s.str();
}

}  // namespace

TEST_CASE("conv2d variants match ref over the SIMD-breaking shape sweep",
          "[kernels][registry][sweep]") {
  const auto& variants = conv2d_variants();
  REQUIRE(variants.size() >= 2);
  REQUIRE(std::string(variants.front().name) == "ref");
  int cases = 0;
  uint64_t seed = 1;
  for (int width : {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17})
    for (int C : {1, 3, 4, 5, 8})
      for (int K : {1, 4, 7})
        for (int k : {1, 3, 5})
          for (int s : {1, 2})
            for (auto kind : {PaddingSpec::kSame, PaddingSpec::kValid})
              for (int N : {1, 3}) {
                // Vary height a little so H != W is covered too.
                const int H = width + (k == 3 ? 1 : 0);
                const PaddingSpec pad{kind, 0};
                const AxisGeometry gh = axis_geometry(H, k, s, pad),
                                   gw = axis_geometry(width, k, s, pad);
                if (gh.out < 1 || gw.out < 1) continue;
                const int oh = gh.out, ow = gw.out, pt = gh.pad_before, pl = gw.pad_before;
                ++seed;
                const Conv2dParams p{N, H, width, C,  K,  k,  k,
                                     s, s, pt,    pl, oh, ow, seed % 2 == 0};  // fused ReLU on half
                const auto x = test::random_vector(static_cast<size_t>(N) * H * width * C, seed);
                const auto w = test::random_vector(static_cast<size_t>(k) * k * C * K, seed + 1000);
                const auto b = test::random_vector(K, seed + 2000);
                const auto dy =
                    test::random_vector(static_cast<size_t>(N) * oh * ow * K, seed + 3000);
                const test::ConvOut want = test::run_conv(variants.front(), p, x, w, b, dy);
                REQUIRE(want.workspace_intact);
                for (size_t vi = 1; vi < variants.size(); ++vi) {
                  const Conv2dVariant& v = variants[vi];
                  if (!v.fits(p)) continue;
                  const test::ConvOut got = test::run_conv(v, p, x, w, b, dy);
                  REQUIRE(got.workspace_intact);
                  INFO(v.name << " " << where(p) << " seed " << seed);
                  REQUIRE(test::compare(got.y, want.y) == "");
                  REQUIRE(test::compare(got.dx, want.dx) == "");
                  REQUIRE(test::compare(got.dw, want.dw) == "");
                  REQUIRE(test::compare(got.db, want.db) == "");
                }
                ++cases;
              }
  CHECK(cases > 3000);
}

TEST_CASE("gemm variants match ref with transposes, edges, alpha and beta", "[kernels][registry]") {
  const auto& variants = gemm_variants();
  uint64_t seed = 7;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (int M : {1, 3, 4, 5, 9, 17, 130})
        for (int N : {1, 4, 7, 8, 9, 16, 33})
          for (int K : {1, 2, 5, 16, 257})
            for (float beta : {0.0f, 1.0f, 0.5f}) {
              const float alpha = beta == 0.5f ? 2.0f : 1.0f;
              const int lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 2, ldc = N + 3;
              ++seed;
              const auto bias = test::random_vector(N, seed + 3);
              // The store epilogue: bias and ReLU on some cases.
              const GemmParams p{ta,
                                 tb,
                                 M,
                                 N,
                                 K,
                                 lda,
                                 ldb,
                                 ldc,
                                 alpha,
                                 beta,
                                 seed % 3 == 0 ? bias.data() : nullptr,
                                 seed % 2 == 0};
              const auto A = test::random_vector(static_cast<size_t>(ta ? K : M) * lda, seed);
              const auto B = test::random_vector(static_cast<size_t>(tb ? N : K) * ldb, seed + 1);
              const auto C0 = test::random_vector(static_cast<size_t>(M) * ldc, seed + 2);
              std::vector<float> want = C0;
              ref::gemm(p, A.data(), B.data(), want.data());
              for (const GemmVariant& v : variants) {
                if (!v.fits(p)) continue;  // an ISA this CPU lacks
                std::vector<float> got = C0, ws(v.workspace(p) + 1);
                v.run(p, A.data(), B.data(), got.data(), ws.data());
                INFO(v.name << " ta" << ta << " tb" << tb << " M" << M << " N" << N << " K" << K
                            << " beta " << beta << " bias " << (p.bias != nullptr) << " relu "
                            << p.relu);
                REQUIRE(test::compare(got, want) == "");
              }
            }
}

TEST_CASE("dense variants match ref", "[kernels][registry]") {
  uint64_t seed = 99;
  for (int N : {1, 3, 64})
    for (int IN : {1, 5, 72, 576})
      for (int OUT : {1, 7, 10, 64}) {
        ++seed;
        const auto x = test::random_vector(static_cast<size_t>(N) * IN, seed);
        const auto w = test::random_vector(static_cast<size_t>(IN) * OUT, seed + 1);
        const auto b = test::random_vector(OUT, seed + 2);
        const auto dy = test::random_vector(static_cast<size_t>(N) * OUT, seed + 3);
        std::vector<float> y0(N * OUT), dx0(N * IN, 0.5f), dw0(IN * OUT, 0.25f), db0(OUT, 1.0f);
        const bool relu = seed % 2 == 0;
        ref::dense_forward(N, IN, OUT, x.data(), w.data(), b.data(), y0.data(), relu);
        ref::dense_backward_input(N, IN, OUT, dy.data(), w.data(), dx0.data());
        ref::dense_backward_weight(N, IN, OUT, x.data(), dy.data(), dw0.data(), db0.data());
        for (const DenseVariant& v : dense_variants()) {
          if (!v.fits(N, IN, OUT)) continue;  // an ISA this CPU lacks
          std::vector<float> y(N * OUT), dx(N * IN, 0.5f), dw(IN * OUT, 0.25f), db(OUT, 1.0f);
          std::vector<float> ws(v.workspace(N, IN, OUT) + 1);
          v.forward(N, IN, OUT, x.data(), w.data(), b.data(), y.data(), relu, ws.data());
          v.backward_input(N, IN, OUT, dy.data(), w.data(), dx.data(), ws.data());
          v.backward_weight(N, IN, OUT, x.data(), dy.data(), dw.data(), db.data(), ws.data());
          INFO(v.name << " N" << N << " IN" << IN << " OUT" << OUT << " relu " << relu);
          REQUIRE(test::compare(y, y0) == "");
          REQUIRE(test::compare(dx, dx0) == "");
          REQUIRE(test::compare(dw, dw0) == "");
          REQUIRE(test::compare(db, db0) == "");
        }
      }
}

TEST_CASE("the dispatcher picks the fastest fitting variant and honours a preference",
          "[kernels][registry]") {
  // A 3x3 layer with 32 channels, tiny's conv1 (1 channel, same padding) and keras-book's conv3
  // (3x3 on a 5x5 input: a 3x3 output, one F(3x3, 3x3) block, 25 products per channel pair against
  // 81; its backward-input, 5 x 5 in four blocks, would take 100 and keeps the GEMM).
  const Conv2dParams p{64, 26, 26, 32, 64, 3, 3, 1, 1, 0, 0, 24, 24};
  const Conv2dParams narrow{32, 28, 28, 1, 8, 5, 5, 1, 1, 2, 2, 28, 28};
  const Conv2dParams small{64, 5, 5, 64, 64, 3, 3, 1, 1, 0, 0, 3, 3};
  const auto last_fitting = [](const Conv2dParams& q) {
    const auto& v = conv2d_variants();
    for (auto it = v.rbegin(); it != v.rend(); ++it)
      if (it->fits(q)) return std::string(it->name);
    return std::string();
  };
  CHECK(std::string(conv2d_select(p).name) == last_fitting(p));
  CHECK(std::string(conv2d_select(narrow).name) == last_fitting(narrow));
  CHECK(std::string(conv2d_select(small).name) == last_fitting(small));
  CHECK(std::string(conv2d_select(p).name) != "ref");
  CHECK(wasmsimd::conv2d_winograd_backward_input_fits(p));
  CHECK(wasmsimd::conv2d_winograd_side(small) == 3);
  CHECK_FALSE(wasmsimd::conv2d_winograd_backward_input_fits(small));
  Conv2dParams one = small;  // a single image: too few blocks to pay for the filters' transform
  one.N = 1;
  CHECK_FALSE(wasmsimd::conv2d_winograd_fits(one));
#if defined(__wasm_simd128__)
  CHECK(std::string(conv2d_select(p).name) == "wasmsimd-winograd");
  CHECK(std::string(conv2d_select(narrow).name) == "wasmsimd-direct");
  CHECK(std::string(conv2d_select(small).name) == "wasmsimd-winograd");
#endif
  CHECK(std::string(dense_select(64, 576, 64).name) != "ref");
  prefer_variant("ref");
  CHECK(std::string(conv2d_select(p).name) == "ref");
  CHECK(std::string(dense_select(64, 576, 64).name) == "ref");
  prefer_variant("no-such-variant");
  CHECK(std::string(conv2d_select(p).name) == last_fitting(p));
  prefer_variant("");
}

TEST_CASE("maxpool2d variants match ref, argmax included, over the shape sweep",
          "[kernels][registry]") {
  const auto& variants = maxpool2d_variants();
  REQUIRE(variants.size() >= 2);
  uint64_t seed = 500;
  int cases = 0;
  for (int width : {1, 2, 3, 5, 8, 9, 17})
    for (int C : {1, 3, 4, 8, 12})
      for (int k : {1, 2, 3})
        for (int s : {1, 2, 3})
          for (auto kind : {PaddingSpec::kSame, PaddingSpec::kValid})
            for (int N : {1, 3}) {
              const PaddingSpec pad{kind, 0};
              const AxisGeometry gh = axis_geometry(width + 1, k, s, pad),
                                 gw = axis_geometry(width, k, s, pad);
              if (gh.out < 1 || gw.out < 1) continue;
              const int oh = gh.out, ow = gw.out, pt = gh.pad_before, pl = gw.pad_before;
              const Pool2dParams p{N, width + 1, width, C, k, k, s, s, pt, pl, oh, ow};
              auto x =
                  test::random_vector(static_cast<size_t>(N) * (width + 1) * width * C, ++seed);
              if (x.size() > 4) x[3] = x[2];  // a tie: the first maximum must win in every variant
              const size_t out = static_cast<size_t>(N) * oh * ow * C;
              std::vector<float> want(out);
              std::vector<int32_t> want_i(out);
              ref::maxpool2d_forward(p, x.data(), want.data(), want_i.data());
              for (const MaxPool2dVariant& v : variants) {
                if (!v.fits(p)) continue;
                std::vector<float> got(out);
                std::vector<int32_t> got_i(out);
                v.forward(p, x.data(), got.data(), got_i.data());
                INFO(v.name << " N" << N << " H" << width + 1 << " W" << width << " C" << C << " k"
                            << k << " s" << s);
                REQUIRE(got == want);
                REQUIRE(got_i == want_i);
              }
              ++cases;
            }
  CHECK(cases > 500);
  const Pool2dParams covered{64, 26, 26, 32, 2, 2, 2, 2, 0, 0, 13, 13};
#if defined(__wasm_simd128__)
  const std::string fastest =
      "wasmsimd";  // natively SIMD128 is emulated: the portable loop is faster
#else
  const std::string fastest = "generic";
#endif
  CHECK(std::string(maxpool2d_variants().back().name) == fastest);
  CHECK(maxpool2d_variants().back().fits(covered));
  CHECK(std::string(maxpool2d_select(covered).name) == fastest);
  for (const char* name : {"ref", "generic", "wasmsimd"}) {
    prefer_variant(name);
    CHECK(std::string(maxpool2d_select(covered).name) == name);
  }
  prefer_variant("");
}
