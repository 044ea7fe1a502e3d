// Native GEMM timing: GFLOP/s of every registered GEMM variant the CPU supports on the GEMM shapes
// of the keras-book network (forward, backward-input, backward-weight), single thread. Bench code
// only, not a test; used to pick the x86 tiles. Usage: gemm_bench [ms per shape] [variant...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/kernels/registry.h"

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

struct Shape {
  const char* what;
  bool ta, tb;
  int M, N, K;
};

// Best of three timed runs (the machine may be shared), each at least ms / 3.
double gflops(const cnn::kernels::GemmVariant& v, const Shape& s, double ms) {
  using cnn::kernels::GemmParams;
  const int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
  const GemmParams p{s.ta, s.tb, s.M, s.N, s.K, lda, ldb, s.N, 1.0f, 0.0f};
  std::vector<float> A(static_cast<size_t>(s.M) * s.K, 0.5f),
      B(static_cast<size_t>(s.K) * s.N, 0.25f), C(static_cast<size_t>(s.M) * s.N),
      ws(v.workspace(p));
  v.run(p, A.data(), B.data(), C.data(), ws.data());
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    long calls = 0;
    const double t0 = now_ms();
    double t1 = t0;
    while (t1 - t0 < ms / 3) {
      v.run(p, A.data(), B.data(), C.data(), ws.data());
      ++calls;
      t1 = now_ms();
    }
    best = std::max(best, 2.0 * s.M * s.N * s.K * calls / ((t1 - t0) * 1e6));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double ms = argc > 1 ? std::atof(argv[1]) : 900;
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) names.push_back(argv[i]);
  if (names.empty()) names = {"generic", "avx2", "avx512"};
  const Shape shapes[] = {
      {"conv1 fwd", false, false, 43264, 32, 9},
      {"conv2 fwd", false, false, 7744, 64, 288},
      {"conv3 fwd", false, false, 576, 64, 576},
      {"conv2 bwd-input", false, true, 7744, 288, 64},
      {"conv2 bwd-weight", true, false, 288, 64, 7744},
  };
  std::printf("%-18s %-22s", "shape", "M x N x K");
  for (const auto& n : names) std::printf(" %9s", n.c_str());
  std::printf("   (GFLOP/s)\n");
  for (const Shape& s : shapes) {
    char dims[64];
    std::snprintf(dims, sizeof dims, "%dx%dx%d%s%s", s.M, s.N, s.K, s.ta ? " ta" : "",
                  s.tb ? " tb" : "");
    std::printf("%-18s %-22s", s.what, dims);
    for (const auto& n : names) {
      double g = -1;
      for (const auto& v : cnn::kernels::gemm_variants())
        if (n == v.name && v.fits(cnn::kernels::GemmParams{})) g = gflops(v, s, ms);
      std::printf(" %9.1f", g);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
}
