// Randomized shape sweep: every registered conv, dense, GEMM and pooling variant against ref on
// thousands of shapes drawn from a fixed seed (channels 1-70, kernels 1-7, strides 1-3, valid /
// same / explicit padding 0-3, batch 1-70), forward and both backward passes. A share of the conv
// cases is long enough to cross the im2col chunk boundary, whose short last chunk once overflowed
// the GEMM's packing buffer. Run under AddressSanitizer (npm test's asan build) and in wasm, so an
// out-of-bounds write fails here instead of corrupting memory. Not the fixed SIMD-edge sweep: that
// one is kernels_registry_test.cpp.
//
// CNN_SWEEP_CASES (default 1500 conv, a third as many pool and dense) and CNN_SWEEP_SEED (default
// 1) make a deeper or different run: CNN_SWEEP_CASES=50000 build-asan/cnn_tests "[sweep]".
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>
#include <string>

#include "core/kernels/kernels.h"
#include "core/kernels/registry.h"
#include "core/layers/layer.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/rng.h"
#include "tests/native/support/conv_run.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using namespace cnn::kernels;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

int draw(Rng& rng, int lo, int hi) {
  return lo + static_cast<int>(rng.below(static_cast<uint32_t>(hi - lo + 1)));
}

PaddingSpec draw_padding(Rng& rng) {
  switch (rng.below(3)) {
    case 0:
      return {PaddingSpec::kValid, 0};
    case 1:
      return {PaddingSpec::kSame, 0};
    default:
      return {PaddingSpec::kExplicit, draw(rng, 0, 3)};
  }
}

std::string pad_str(const PaddingSpec& p) {
  return p.kind == PaddingSpec::kValid  ? "valid"
         : p.kind == PaddingSpec::kSame ? "same"
                                        : "explicit " + std::to_string(p.amount);
}

// A guard after the workspace catches writes past the size the variant asked for.
struct GuardedWorkspace {
  static constexpr float kGuard = 12345.0f;
  explicit GuardedWorkspace(size_t n) : size(n), data(n + 64, 0.0f) {
    for (size_t i = n; i < data.size(); ++i) data[i] = kGuard;
  }
  bool intact() const {
    for (size_t i = size; i < data.size(); ++i)
      if (data[i] != kGuard) return false;
    return true;
  }
  size_t size;
  std::vector<float> data;
};

struct ConvCase {
  Conv2dParams p;
  PaddingSpec pad;
};

// Which shapes to draw: any; `kLongRows`, a batch whose im2col columns exceed the chunk budget
// (many output pixels, few filters); `kWinograd`, 3x3 stride 1 with channels in whole vectors
// and more than 8 input channels (the Winograd kernel's envelope, which uniform draws reach once
// in a few thousand cases).
enum class Draw { kAny, kLongRows, kWinograd };

// Draws a conv shape whose three passes stay under `max_macs`.
bool draw_conv(Rng& rng, Draw kind, int64_t max_macs, ConvCase* out) {
  const bool long_rows = kind == Draw::kLongRows, winograd = kind == Draw::kWinograd;
  const int C = long_rows ? draw(rng, 1, 16) : winograd ? 4 * draw(rng, 3, 17) : draw(rng, 1, 70);
  const int K = long_rows ? draw(rng, 1, 3) : winograd ? 4 * draw(rng, 1, 17) : draw(rng, 1, 70);
  const int KH = winograd ? 3 : draw(rng, 1, 7);
  const int KW = winograd ? 3 : rng.below(4) == 0 ? draw(rng, 1, 7) : KH;
  const int SH = winograd ? 1 : draw(rng, 1, 3);
  const int SW = winograd ? 1 : rng.below(4) == 0 ? draw(rng, 1, 3) : SH;
  const int N = long_rows ? draw(rng, 8, 70) : draw(rng, 1, 70);
  const int lo = winograd ? 4 : 1, hi = long_rows ? 28 : 20;  // Winograd: outputs of 2x2 blocks
  const int H = draw(rng, lo, hi), W = draw(rng, lo, hi);
  const PaddingSpec pad = draw_padding(rng);
  const AxisGeometry gh = axis_geometry(H, KH, SH, pad), gw = axis_geometry(W, KW, SW, pad);
  if (gh.out < 1 || gw.out < 1) return false;
  const int OH = gh.out, OW = gw.out, PT = gh.pad_before, PL = gw.pad_before;
  const int64_t rows = static_cast<int64_t>(N) * OH * OW, patch = static_cast<int64_t>(KH) * KW * C;
  if (rows * patch * K > max_macs) return false;
  if (long_rows && rows * patch < (int64_t{1} << 18)) return false;
  out->p = Conv2dParams{N, H, W, C, K, KH, KW, SH, SW, PT, PL, OH, OW, rng.below(2) == 0};
  out->pad = pad;
  return true;
}

// Random input, filters, bias and output gradient for one shape.
struct ConvData {
  std::vector<float> x, w, b, dy;
};
ConvData random_conv_data(const Conv2dParams& p, uint64_t seed) {
  return {test::random_vector(static_cast<size_t>(p.N) * p.H * p.W * p.C, seed),
          test::random_vector(static_cast<size_t>(p.KH) * p.KW * p.C * p.K, seed + 1),
          test::random_vector(p.K, seed + 2),
          test::random_vector(static_cast<size_t>(p.N) * p.OH * p.OW * p.K, seed + 3)};
}

std::string where(const ConvCase& c) {
  const Conv2dParams& p = c.p;
  std::ostringstream s;
  s << "N" << p.N << " H" << p.H << " W" << p.W << " C" << p.C << " K" << p.K << " k" << p.KH << "x"
    << p.KW << " s" << p.SH << "x" << p.SW << " " << pad_str(c.pad) << " pad(" << p.PT << ","
    << p.PL << ") out " << p.OH << "x" << p.OW << (p.relu ? " relu" : "");
  return s.str();
}

}  // namespace

TEST_CASE("conv2d variants match ref over a randomized shape sweep", "[kernels][sweep]") {
  const int cases = env_int("CNN_SWEEP_CASES", 1500);
  Rng rng(static_cast<uint64_t>(env_int("CNN_SWEEP_SEED", 1)));
  const auto& variants = conv2d_variants();
  int done = 0, long_done = 0, winograd_done = 0, winograd3_done = 0;
  while (done < cases) {
    // One case in ten crosses the im2col chunk boundary, one in ten is a Winograd shape.
    const bool long_rows = done % 10 == 9, winograd = done % 10 == 4;
    const Draw kind = long_rows ? Draw::kLongRows : winograd ? Draw::kWinograd : Draw::kAny;
    ConvCase c;
    if (!draw_conv(rng, kind, long_rows ? 1'500'000 : 400'000, &c)) continue;
    const Conv2dParams& p = c.p;
    const ConvData d = random_conv_data(p, rng.next_u64());
    const auto &x = d.x, &w = d.w, &b = d.b, &dy = d.dy;
    const test::ConvOut want = test::run_conv(variants.front(), p, x, w, b, dy);
    REQUIRE(want.workspace_intact);
    for (size_t vi = 1; vi < variants.size(); ++vi) {
      const Conv2dVariant& v = variants[vi];
      if (!v.fits(p)) continue;
      INFO(v.name << " case " << done << ": " << where(c));
      const test::ConvOut got = test::run_conv(v, p, x, w, b, dy);
      REQUIRE(got.workspace_intact);
      const bool is_winograd = std::string(v.name) == "wasmsimd-winograd";
      winograd_done += is_winograd;
      winograd3_done += is_winograd && wasmsimd::conv2d_winograd_side(p) == 3;
      // fp32 sums of `depth` terms in another order differ by about depth * 2e-8 (terms of
      // magnitude ~0.3 here); the absolute tolerance grows with each pass's reduction length.
      const auto atol = [](int64_t depth) { return 1e-5f + 1e-7f * static_cast<float>(depth); };
      const int64_t rows = static_cast<int64_t>(p.N) * p.OH * p.OW;
      REQUIRE(test::compare(got.y, want.y, atol(p.KH * p.KW * p.C)) == "");
      REQUIRE(test::compare(got.dx, want.dx, atol(p.KH * p.KW * p.K)) == "");
      REQUIRE(test::compare(got.dw, want.dw, atol(rows)) == "");
      REQUIRE(test::compare(got.db, want.db, atol(rows)) == "");
    }
    ++done;
    long_done += long_rows;
  }
  CHECK(long_done >= cases / 10);
  CHECK(winograd_done >= cases / 20);  // the Winograd variant ran on a twentieth of the cases
  // Its forward ran with 3 x 3 blocks (most outputs) and with 2 x 2 blocks (sides of 4, ties).
  CHECK(winograd3_done >= cases / 40);
  CHECK(winograd_done - winograd3_done >= cases / 200);
}

// The direct forward promises more than ref's tolerance: the im2col wasmsimd path's exact bits.
TEST_CASE("the direct conv forward gives the im2col wasmsimd forward's bits", "[kernels][sweep]") {
  const int cases = env_int("CNN_SWEEP_CASES", 1500) / 3;
  Rng rng(static_cast<uint64_t>(env_int("CNN_SWEEP_SEED", 1)) + 7);
  const Conv2dVariant* im2col = nullptr;
  const Conv2dVariant* direct = nullptr;
  for (const Conv2dVariant& v : conv2d_variants()) {
    if (std::string(v.name) == "wasmsimd") im2col = &v;
    if (std::string(v.name) == "wasmsimd-direct") direct = &v;
  }
  REQUIRE(im2col);
  REQUIRE(direct);
  int done = 0, narrow = 0, edges = 0;
  while (done < cases) {
    ConvCase c;
    if (!draw_conv(rng, Draw::kAny, 400'000, &c) || !direct->fits(c.p)) continue;
    const Conv2dParams& p = c.p;
    const ConvData d = random_conv_data(p, rng.next_u64());
    const auto &x = d.x, &w = d.w, &b = d.b, &dy = d.dy;
    INFO("case " << done << ": " << where(c));
    const test::ConvOut want = test::run_conv(*im2col, p, x, w, b, dy);
    const test::ConvOut got = test::run_conv(*direct, p, x, w, b, dy);
    REQUIRE(got.workspace_intact);
    REQUIRE(got.y == want.y);
    narrow += p.K <= 8;
    edges += p.OW % 2 == 1;
    ++done;
  }
  CHECK(narrow > cases / 20);  // both tile shapes and the short-row edge tiles were reached
  CHECK(edges > cases / 5);
}

// The Winograd backward-weight transforms 64 blocks per thread at a time (pass_blocks in
// winograd_backward_weight_wasmsimd.cpp); here are two batches that take many passes, the last
// one short, on one thread and on several.
TEST_CASE("the Winograd backward-weight matches ref over several passes", "[kernels][sweep]") {
  const Conv2dVariant* winograd = nullptr;
  for (const Conv2dVariant& v : conv2d_variants())
    if (std::string(v.name) == "wasmsimd-winograd") winograd = &v;
  REQUIRE(winograd);
  // 40 samples of 6 x 6 blocks of 3 x 3 pixels (1,440), and 23 of 7 x 7 with SAME padding (1,127).
  test::ThreadsGuard guard;
  for (const Conv2dParams& p : {Conv2dParams{40, 20, 20, 12, 8, 3, 3, 1, 1, 0, 0, 18, 18},
                                Conv2dParams{23, 19, 20, 16, 20, 3, 3, 1, 1, 1, 1, 19, 20}})
    for (const int t : {1, 3}) {
      parallel::set_threads(t);
      INFO(p.N << " samples, " << t << " threads");
      REQUIRE(winograd->fits(p));
      const ConvData d = random_conv_data(p, 99);
      const test::ConvOut want = test::run_conv(conv2d_variants().front(), p, d.x, d.w, d.b, d.dy);
      const test::ConvOut got = test::run_conv(*winograd, p, d.x, d.w, d.b, d.dy);
      REQUIRE(got.workspace_intact);
      const float atol = 1e-5f + 1e-7f * static_cast<float>(p.N * p.OH * p.OW);
      CHECK(test::compare(got.dw, want.dw, atol) == "");
      CHECK(test::compare(got.y, want.y, 1e-4f) == "");
    }
}

TEST_CASE("dense variants match ref over a randomized shape sweep", "[kernels][sweep]") {
  const int cases = env_int("CNN_SWEEP_CASES", 1500) / 3;
  Rng rng(static_cast<uint64_t>(env_int("CNN_SWEEP_SEED", 1)) + 100);
  for (int i = 0; i < cases;) {
    const int N = draw(rng, 1, 70);
    const int IN = rng.below(3) == 0 ? draw(rng, 1, 1200) : draw(rng, 1, 70);
    const int OUT = rng.below(4) == 0 ? draw(rng, 1, 600) : draw(rng, 1, 70);
    if (static_cast<int64_t>(N) * IN * OUT > 3'000'000) continue;
    const uint64_t seed = rng.next_u64();
    const auto x = test::random_vector(static_cast<size_t>(N) * IN, seed);
    const auto w = test::random_vector(static_cast<size_t>(IN) * OUT, seed + 1);
    const auto b = test::random_vector(OUT, seed + 2);
    const auto dy = test::random_vector(static_cast<size_t>(N) * OUT, seed + 3);
    const bool relu = rng.below(2) == 0;
    std::vector<float> y0(N * OUT), dx0(N * IN, 0.5f), dw0(IN * OUT, 0.25f), db0(OUT, 1.0f);
    ref::dense_forward(N, IN, OUT, x.data(), w.data(), b.data(), y0.data(), relu);
    ref::dense_backward_input(N, IN, OUT, dy.data(), w.data(), dx0.data());
    ref::dense_backward_weight(N, IN, OUT, x.data(), dy.data(), dw0.data(), db0.data());
    for (const DenseVariant& v : dense_variants()) {
      if (!v.fits(N, IN, OUT)) continue;
      INFO(v.name << " case " << i << ": N" << N << " IN" << IN << " OUT" << OUT << " relu "
                  << relu);
      std::vector<float> y(N * OUT), dx(N * IN, 0.5f), dw(IN * OUT, 0.25f), db(OUT, 1.0f);
      GuardedWorkspace ws(v.workspace(N, IN, OUT));
      v.forward(N, IN, OUT, x.data(), w.data(), b.data(), y.data(), relu, ws.data.data());
      v.backward_input(N, IN, OUT, dy.data(), w.data(), dx.data(), ws.data.data());
      v.backward_weight(N, IN, OUT, x.data(), dy.data(), dw.data(), db.data(), ws.data.data());
      REQUIRE(ws.intact());
      // As for conv: the tolerance grows with each pass's reduction length (a 2000-case run
      // met IN = 855 at 3.8e-5).
      const auto atol = [](int depth) { return 1e-5f + 1e-7f * static_cast<float>(depth); };
      REQUIRE(test::compare(y, y0, atol(IN)) == "");
      REQUIRE(test::compare(dx, dx0, atol(OUT)) == "");
      REQUIRE(test::compare(dw, dw0, atol(N)) == "");
      REQUIRE(test::compare(db, db0, atol(N)) == "");
    }
    ++i;
  }
}

TEST_CASE("pooling variants match ref over a randomized shape sweep", "[kernels][sweep]") {
  const int cases = env_int("CNN_SWEEP_CASES", 1500) / 3;
  Rng rng(static_cast<uint64_t>(env_int("CNN_SWEEP_SEED", 1)) + 200);
  for (int i = 0; i < cases;) {
    const int N = draw(rng, 1, 70), C = draw(rng, 1, 70);
    const int KH = draw(rng, 1, 7), KW = rng.below(3) == 0 ? draw(rng, 1, 7) : KH;
    const int SH = draw(rng, 1, 3), SW = rng.below(3) == 0 ? draw(rng, 1, 3) : SH;
    const int H = draw(rng, 1, 24), W = draw(rng, 1, 24);
    const PaddingSpec pad = draw_padding(rng);
    const AxisGeometry gh = axis_geometry(H, KH, SH, pad), gw = axis_geometry(W, KW, SW, pad);
    if (gh.out < 1 || gw.out < 1) continue;
    const int OH = gh.out, OW = gw.out, PT = gh.pad_before, PL = gw.pad_before;
    if (static_cast<int64_t>(N) * H * W * C > 400'000) continue;
    const Pool2dParams p{N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW};
    INFO("case " << i << ": N" << N << " H" << H << " W" << W << " C" << C << " k" << KH << "x"
                 << KW << " s" << SH << "x" << SW << " " << pad_str(pad));
    const auto x = test::random_vector(static_cast<size_t>(N) * H * W * C, rng.next_u64());
    const auto dy = test::random_vector(static_cast<size_t>(N) * OH * OW * C, rng.next_u64());
    const size_t out = static_cast<size_t>(N) * OH * OW * C;
    std::vector<float> want(out);
    std::vector<int32_t> want_i(out);
    ref::maxpool2d_forward(p, x.data(), want.data(), want_i.data());
    for (const MaxPool2dVariant& v : maxpool2d_variants()) {
      if (!v.fits(p)) continue;
      std::vector<float> got(out);
      std::vector<int32_t> got_i(out);
      v.forward(p, x.data(), got.data(), got_i.data());
      INFO(v.name);
      REQUIRE(got == want);
      REQUIRE(got_i == want_i);
    }
    // The backward passes stay inside dinput (ASan) and route all of dy: each window that holds an
    // input pixel passes its gradient on whole, max to its argmax, average spread over the window.
    std::vector<float> dmax(x.size(), 0.0f), davg(x.size(), 0.0f);
    ref::maxpool2d_backward(p, dy.data(), want_i.data(), dmax.data());
    ref::avgpool2d_backward(p, dy.data(), davg.data());
    double routed = 0, sum_max = 0, sum_avg = 0;
    for (size_t o = 0; o < out; ++o) routed += want_i[o] >= 0 ? dy[o] : 0.0f;
    for (size_t j = 0; j < x.size(); ++j) sum_max += dmax[j], sum_avg += davg[j];
    REQUIRE(sum_max == Approx(routed).margin(1e-3));
    REQUIRE(sum_avg == Approx(routed).margin(1e-3));
    ++i;
  }
}

TEST_CASE("the GEMM workspace rule is monotone in M, N and K", "[kernels][sweep]") {
  // One buffer sized for a GEMM must serve every smaller one (im2col's last chunk, a thread's
  // share).
  for (const GemmVariant& v : gemm_variants())
    for (int M : {1, 7, 128, 129, 300})
      for (int N : {1, 9, 512, 513})
        for (int K = 1; K <= 1200; K += 7) {
          const GemmParams big{true, false, M, N, K, M, N, N, 1.0f, 1.0f};
          for (int k2 : {1, K / 2, K - 1, K}) {
            if (k2 < 1) continue;
            const GemmParams small{true, false, M, N, k2, M, N, N, 1.0f, 1.0f};
            INFO(v.name << " M" << M << " N" << N << " K" << K << " vs K " << k2);
            REQUIRE(v.workspace(small) <= v.workspace(big));
          }
        }
}
