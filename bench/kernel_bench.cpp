// Kernel microbenchmarks for `npm run bench`, compiled to wasm (and natively): the practical
// SIMD128 peak of this CPU (register-blocked mul+add micro-kernels on L1-resident data, best of
// several tiles) and the GFLOP/s of the core's GEMM variants on a given shape. Bench code only.
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/kernels/kernels.h"
#include "core/kernels/wasmsimd/simd128.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/bind.h>
#endif

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// C[MR x 4NV] += A[kc x MR] B[kc x 4NV], data packed like the GEMM's slivers.
template <int MR, int NV>
__attribute__((noinline)) void tile(int kc, const float* a, const float* b, float* c) {
  v128_t acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = wasm_v128_load(c + (r * NV + v) * 4);
  for (int k = 0; k < kc; ++k) {
    v128_t bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = wasm_v128_load(b + (k * NV + v) * 4);
    for (int r = 0; r < MR; ++r) {
      const v128_t av = wasm_v128_load32_splat(a + k * MR + r);
      for (int v = 0; v < NV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(av, bv[v]));
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) wasm_v128_store(c + (r * NV + v) * 4, acc[r][v]);
}

template <int MR, int NV>
double tile_gflops(double ms) {
  const int kc = 256;
  std::vector<float> a(kc * MR, 0.001f), b(kc * NV * 4, 0.002f), c(MR * NV * 4, 0.0f);
  tile<MR, NV>(kc, a.data(), b.data(), c.data());
  long calls = 0;
  const double t0 = now_ms();
  double t1 = t0;
  while (t1 - t0 < ms) {
    for (int i = 0; i < 1000; ++i) tile<MR, NV>(kc, a.data(), b.data(), c.data());
    calls += 1000;
    t1 = now_ms();
  }
  volatile float sink = c[0];
  (void)sink;
  return 2.0 * MR * NV * 4 * kc * calls / ((t1 - t0) * 1e6);
}

}  // namespace

// The best of the common tiles: 5x8 and 6x8 (10 and 12 accumulators), 2x16 (8), 4x8 (8), 3x16 (12).
double peak_gflops(double ms) {
  const double per = ms / 5;
  double best = tile_gflops<5, 2>(per);
  best = std::max(best, tile_gflops<6, 2>(per));
  best = std::max(best, tile_gflops<2, 4>(per));
  best = std::max(best, tile_gflops<4, 2>(per));
  best = std::max(best, tile_gflops<3, 4>(per));
  return best;
}

// GFLOP/s of C = A B (M x K times K x N) with the named GEMM ("wasmsimd", "generic", "ref").
double gemm_gflops(int M, int N, int K, double ms, const std::string& variant) {
  using namespace cnn::kernels;
  const GemmParams p{false, false, M, N, K, K, N, N, 1.0f, 0.0f};
  std::vector<float> A(static_cast<size_t>(M) * K, 0.5f), B(static_cast<size_t>(K) * N, 0.25f),
      C(static_cast<size_t>(M) * N);
  const bool simd = variant == "wasmsimd", ref_only = variant == "ref";
  std::vector<float> ws(simd ? wasmsimd::gemm_workspace(p) : generic::gemm_workspace(p));
  auto run = [&] {
    if (ref_only)
      ref::gemm(p, A.data(), B.data(), C.data());
    else if (simd)
      wasmsimd::gemm_ws(p, A.data(), B.data(), C.data(), ws.data());
    else
      generic::gemm_ws(p, A.data(), B.data(), C.data(), ws.data());
  };
  run();
  long calls = 0;
  const double t0 = now_ms();
  double t1 = t0;
  while (t1 - t0 < ms) {
    run();
    ++calls;
    t1 = now_ms();
  }
  return 2.0 * M * N * K * calls / ((t1 - t0) * 1e6);
}

#ifdef __EMSCRIPTEN__
EMSCRIPTEN_BINDINGS(kernel_bench) {
  emscripten::function("peakGflops", &peak_gflops);
  emscripten::function("gemmGflops", &gemm_gflops);
}
#else
int main() {
  std::printf("peak %.1f GFLOP/s\n", peak_gflops(1000));
  for (const char* v : {"generic", "wasmsimd"})
    std::printf("%s gemm 7744x64x288: %.1f GFLOP/s\n", v, gemm_gflops(7744, 64, 288, 1000, v));
}
#endif
