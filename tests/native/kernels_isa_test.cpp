// The x86 ISA kernels: that this CPU reports them (and the dispatcher can pick them), and that the
// GEMM variants are position independent: C computed whole is bitwise equal to C computed as
// sub-GEMMs split over M and N (what a thread split does). Accuracy against ref is in
// kernels_registry_test.cpp.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "core/kernels/registry.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using namespace cnn::kernels;

namespace {

const GemmVariant* find_gemm(const std::string& name) {
  for (const GemmVariant& v : gemm_variants())
    if (name == v.name) return &v;
  return nullptr;
}

// C = op(A) op(B) for rows [i0, i1) and columns [j0, j1) only, as a GEMM on offset pointers.
void run_block(const GemmVariant& v, const GemmParams& p, const float* A, const float* B, float* C,
               int i0, int i1, int j0, int j1) {
  if (i1 <= i0 || j1 <= j0) return;
  GemmParams q = p;
  q.M = i1 - i0;
  q.N = j1 - j0;
  q.bias = p.bias ? p.bias + j0 : nullptr;
  const float* a = p.ta ? A + i0 : A + static_cast<int64_t>(i0) * p.lda;
  const float* b = p.tb ? B + static_cast<int64_t>(j0) * p.ldb : B + j0;
  std::vector<float> ws(v.workspace(q));
  v.run(q, a, b, C + static_cast<int64_t>(i0) * p.ldc + j0, ws.data());
}

}  // namespace

TEST_CASE("this x86 CPU's AVX2 and AVX-512 kernels are registered and supported",
          "[kernels][isa]") {
#if defined(__x86_64__) || defined(__i386__)
  REQUIRE(find_gemm("avx2") != nullptr);
  REQUIRE(find_gemm("avx512") != nullptr);
  const GemmParams any{false, false, 8, 8, 8, 8, 8, 8, 1.0f, 0.0f};
  const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool has_avx512 = __builtin_cpu_supports("avx512f");
  CHECK(avx2::supported() == has_avx2);
  CHECK(avx512::supported() == has_avx512);
  CHECK(find_gemm("avx2")->fits(any) == has_avx2);
  CHECK(find_gemm("avx512")->fits(any) == has_avx512);
  if (!has_avx2) {
    WARN("this CPU lacks AVX2 + FMA: the avx2 kernels are untested here");
    return;
  }
  if (!has_avx512) WARN("this CPU lacks AVX-512F: the avx512 kernels are untested here");
  // The dispatcher picks an ISA kernel for the keras-book shapes (avx512 when the CPU has it).
  const Conv2dParams conv{64, 26, 26, 32, 64, 3, 3, 1, 1, 0, 0, 24, 24};
  const std::string want = has_avx512 ? "avx512" : "avx2";
  CHECK(std::string(conv2d_select(conv).name) == want);
  CHECK(std::string(dense_select(64, 576, 64).name) == want);
#else
  CHECK(find_gemm("avx2") == nullptr);
  CHECK(find_gemm("avx512") == nullptr);
#endif
}

TEST_CASE("GEMM variants give bitwise identical C however the GEMM is split over M and N",
          "[kernels][isa]") {
  // wasmsimd is left out: its edge tiles round differently from its full tiles (scalar mul + add
  // vs. SIMD), which is being changed separately; ref has no tiles.
  int checked = 0;
  uint64_t seed = 4242;
  for (const char* name : {"generic", "avx2", "avx512"}) {
    const GemmVariant* v = find_gemm(name);
    if (v == nullptr) continue;  // not listed on this target (the x86 ones in wasm)
    if (!v->fits(GemmParams{})) {
      WARN(name << " is not supported by this CPU: its position independence is untested here");
      continue;
    }
    for (bool ta : {false, true})
      for (int M : {1, 7, 33, 130})
        for (int N : {1, 9, 40, 70})
          for (int K : {1, 9, 300, 500})
            for (float beta : {0.0f, 1.0f})
              for (int epi = 0; epi < 3; ++epi) {  // no epilogue, bias, bias + relu
                ++seed;
                const bool tb = (seed % 2) == 0;
                const int lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 3, ldc = N + 2;
                const auto bias = test::random_vector(N, seed + 3);
                const GemmParams p{ta,
                                   tb,
                                   M,
                                   N,
                                   K,
                                   lda,
                                   ldb,
                                   ldc,
                                   1.0f,
                                   beta,
                                   epi > 0 ? bias.data() : nullptr,
                                   epi == 2};
                const auto A = test::random_vector(static_cast<size_t>(ta ? K : M) * lda, seed);
                const auto B = test::random_vector(static_cast<size_t>(tb ? N : K) * ldb, seed + 1);
                const auto C0 = test::random_vector(static_cast<size_t>(M) * ldc, seed + 2);
                std::vector<float> whole = C0;
                run_block(*v, p, A.data(), B.data(), whole.data(), 0, M, 0, N);
                for (int si : {1, 5, 7})
                  for (int sj : {3, 9, 17}) {
                    const int i = std::min(si, M), j = std::min(sj, N);
                    std::vector<float> split = C0;
                    run_block(*v, p, A.data(), B.data(), split.data(), 0, i, 0, j);
                    run_block(*v, p, A.data(), B.data(), split.data(), 0, i, j, N);
                    run_block(*v, p, A.data(), B.data(), split.data(), i, M, 0, j);
                    run_block(*v, p, A.data(), B.data(), split.data(), i, M, j, N);
                    INFO(name << " ta" << ta << " tb" << tb << " M" << M << " N" << N << " K" << K
                              << " beta " << beta << " bias " << (epi > 0) << " relu " << (epi == 2)
                              << " split at row " << i << " column " << j);
                    REQUIRE(std::memcmp(split.data(), whole.data(), sizeof(float) * whole.size()) ==
                            0);
                    ++checked;
                  }
              }
  }
  CHECK(checked > 0);
}
