// libFuzzer target: kernel shapes taken from the fuzzer's bytes. Each input describes one conv,
// one dense and one pooling shape (channels 1-70, kernels 1-7, strides 1-3, valid / same /
// explicit padding 0-3, batch 1-70, within a work budget); every registered variant runs forward
// and both backward passes into exactly-sized buffers and must match ref. The budget (kBudget
// multiply-adds or elements) keeps an input near a millisecond, so that a campaign reaches 10^7
// inputs; tests/native/kernels_sweep_test.cpp sweeps the large shapes. Under AddressSanitizer
// an out-of-bounds read or write stops the run; a mismatch traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/kernels/registry.h"
#include "core/layers/layer.h"
#include "core/tensor/rng.h"

using namespace cnn;
using namespace cnn::kernels;

namespace {

constexpr int64_t kBudget = 40'000;

struct Bytes {
  const uint8_t* p;
  size_t n;
  int take(int lo, int hi) {  // a value in [lo, hi] from the next byte (lo when the input ran out)
    if (!n) return lo;
    const int v = lo + *p % (hi - lo + 1);
    ++p, --n;
    return v;
  }
};

PaddingSpec padding(Bytes& b) {
  const int k = b.take(0, 5);
  if (k == 0) return {PaddingSpec::kValid, 0};
  if (k == 1) return {PaddingSpec::kSame, 0};
  return {PaddingSpec::kExplicit, k - 2};
}

std::vector<float> values(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, int64_t depth) {
  const float atol = 1e-5f + 1e-7f * static_cast<float>(depth);
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= atol + 1e-4f * std::fabs(want[i]))) __builtin_trap();
}

void conv(Bytes& b) {
  const int N = b.take(1, 70), C = b.take(1, 70), K = b.take(1, 70);
  const int KH = b.take(1, 7), KW = b.take(1, 7), SH = b.take(1, 3), SW = b.take(1, 3);
  const int H = b.take(1, 32), W = b.take(1, 32);
  const PaddingSpec pad = padding(b);
  const bool relu = b.take(0, 1);
  const AxisGeometry gh = axis_geometry(H, KH, SH, pad), gw = axis_geometry(W, KW, SW, pad);
  if (gh.out < 1 || gw.out < 1) return;
  const int OH = gh.out, OW = gw.out, PT = gh.pad_before, PL = gw.pad_before;
  const int64_t rows = static_cast<int64_t>(N) * OH * OW, patch = static_cast<int64_t>(KH) * KW * C;
  if (rows * patch * K > kBudget) return;
  const Conv2dParams p{N, H, W, C, K, KH, KW, SH, SW, PT, PL, OH, OW, relu};
  const auto x = values(static_cast<size_t>(N) * H * W * C, 1);
  const auto w = values(static_cast<size_t>(patch) * K, 2);
  const auto bias = values(K, 3);
  const auto dy = values(static_cast<size_t>(rows) * K, 4);
  std::vector<float> y0(rows * K), dx0(x.size(), 0.5f), dw0(w.size(), 0.25f), db0(K, 0.0f);
  ref::conv2d_forward(p, x.data(), w.data(), bias.data(), y0.data());
  ref::conv2d_backward_input(p, dy.data(), w.data(), dx0.data());
  ref::conv2d_backward_weight(p, x.data(), dy.data(), dw0.data(), db0.data());
  if (relu)
    for (float& v : y0) v = v < 0.0f ? 0.0f : v;
  for (const Conv2dVariant& v : conv2d_variants()) {
    if (!v.fits(p) || std::string(v.name) == "ref") continue;
    std::vector<float> y(rows * K), dx(x.size(), 0.5f), dw(w.size(), 0.25f), db(K, 0.0f);
    std::vector<float> ws(v.workspace(p));  // exactly the size asked for: ASan guards its end
    v.forward(p, x.data(), w.data(), bias.data(), y.data(), ws.data());
    v.backward_input(p, dy.data(), w.data(), dx.data(), ws.data());
    v.backward_weight(p, x.data(), dy.data(), dw.data(), db.data(), ws.data());
    expect_close(y, y0, patch);
    expect_close(dx, dx0, static_cast<int64_t>(KH) * KW * K);
    expect_close(dw, dw0, rows);
    expect_close(db, db0, rows);
  }
}

void dense(Bytes& b) {
  const int N = b.take(1, 70), IN = b.take(1, 255) * b.take(1, 4), OUT = b.take(1, 255);
  if (static_cast<int64_t>(N) * IN * OUT > kBudget) return;
  const auto x = values(static_cast<size_t>(N) * IN, 5);
  const auto w = values(static_cast<size_t>(IN) * OUT, 6);
  const auto bias = values(OUT, 7);
  const auto dy = values(static_cast<size_t>(N) * OUT, 8);
  const bool relu = b.take(0, 1);
  std::vector<float> y0(N * OUT), dx0(N * IN, 0.5f), dw0(IN * OUT, 0.25f), db0(OUT, 0.0f);
  ref::dense_forward(N, IN, OUT, x.data(), w.data(), bias.data(), y0.data(), relu);
  ref::dense_backward_input(N, IN, OUT, dy.data(), w.data(), dx0.data());
  ref::dense_backward_weight(N, IN, OUT, x.data(), dy.data(), dw0.data(), db0.data());
  for (const DenseVariant& v : dense_variants()) {
    if (!v.fits(N, IN, OUT)) continue;
    std::vector<float> y(N * OUT), dx(N * IN, 0.5f), dw(IN * OUT, 0.25f), db(OUT, 0.0f);
    std::vector<float> ws(v.workspace(N, IN, OUT));
    v.forward(N, IN, OUT, x.data(), w.data(), bias.data(), y.data(), relu, ws.data());
    v.backward_input(N, IN, OUT, dy.data(), w.data(), dx.data(), ws.data());
    v.backward_weight(N, IN, OUT, x.data(), dy.data(), dw.data(), db.data(), ws.data());
    expect_close(y, y0, IN);
    expect_close(dx, dx0, OUT);
    expect_close(dw, dw0, N);
    expect_close(db, db0, N);
  }
}

void pool(Bytes& b) {
  const int N = b.take(1, 70), C = b.take(1, 70), KH = b.take(1, 7), KW = b.take(1, 7);
  const int SH = b.take(1, 3), SW = b.take(1, 3), H = b.take(1, 32), W = b.take(1, 32);
  const PaddingSpec pad = padding(b);
  const AxisGeometry gh = axis_geometry(H, KH, SH, pad), gw = axis_geometry(W, KW, SW, pad);
  if (gh.out < 1 || gw.out < 1) return;
  const int OH = gh.out, OW = gw.out, PT = gh.pad_before, PL = gw.pad_before;
  if (static_cast<int64_t>(N) * H * W * C > kBudget) return;
  const Pool2dParams p{N, H, W, C, KH, KW, SH, SW, PT, PL, OH, OW};
  const auto x = values(static_cast<size_t>(N) * H * W * C, 9);
  const size_t out = static_cast<size_t>(N) * OH * OW * C;
  const auto dy = values(out, 10);
  std::vector<float> y0(out), avg(out), dmax(x.size()), davg(x.size());
  std::vector<int32_t> arg0(out);
  ref::maxpool2d_forward(p, x.data(), y0.data(), arg0.data());
  ref::maxpool2d_backward(p, dy.data(), arg0.data(), dmax.data());
  ref::avgpool2d_forward(p, x.data(), avg.data());
  ref::avgpool2d_backward(p, dy.data(), davg.data());
  for (const MaxPool2dVariant& v : maxpool2d_variants()) {
    if (!v.fits(p)) continue;
    std::vector<float> y(out);
    std::vector<int32_t> arg(out);
    v.forward(p, x.data(), y.data(), arg.data());
    if (y != y0 || arg != arg0) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes b{data, size};
  const int which = b.take(0, 2);
  if (which == 0)
    conv(b);
  else if (which == 1)
    dense(b);
  else
    pool(b);
  return 0;
}
