// Reference GEMM and dense layer kernels: triple loops in double-free fp32, the definition the
// packed GEMM variants are tested against.
#include <cassert>

#include "core/kernels/kernels.h"

namespace cnn::kernels::ref {

// C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C
void gemm(const GemmParams& p, const float* A, const float* B, float* C) {
  assert(p.M >= 0 && p.N >= 0 && p.K >= 0);
  for (int i = 0; i < p.M; ++i)
    for (int j = 0; j < p.N; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < p.K; ++k) {
        const float a = p.ta ? A[k * p.lda + i] : A[i * p.lda + k];
        const float b = p.tb ? B[j * p.ldb + k] : B[k * p.ldb + j];
        sum += a * b;
      }
      float& c = C[i * p.ldc + j];
      c = p.alpha * sum + (p.beta == 0.0f ? 0.0f : p.beta * c);
      if (p.bias) c += p.bias[j];
      if (p.relu && c < 0.0f) c = 0.0f;
    }
}

// x [N, IN], weight [IN, OUT], bias [OUT] -> y [N, OUT]
void dense_forward(int N, int IN, int OUT, const float* x, const float* weight, const float* bias,
                   float* y, bool relu) {
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < OUT; ++o) {
      float sum = bias ? bias[o] : 0.0f;
      for (int i = 0; i < IN; ++i) sum += x[n * IN + i] * weight[i * OUT + o];
      y[n * OUT + o] = relu && sum < 0.0f ? 0.0f : sum;
    }
}

// dy [N, OUT], weight [IN, OUT] -> dx [N, IN] (+=)
void dense_backward_input(int N, int IN, int OUT, const float* dy, const float* weight, float* dx) {
  for (int n = 0; n < N; ++n)
    for (int i = 0; i < IN; ++i) {
      float sum = 0.0f;
      for (int o = 0; o < OUT; ++o) sum += dy[n * OUT + o] * weight[i * OUT + o];
      dx[n * IN + i] += sum;
    }
}

// x [N, IN], dy [N, OUT] -> dweight [IN, OUT] (+=), dbias [OUT] (+=, may be null)
void dense_backward_weight(int N, int IN, int OUT, const float* x, const float* dy, float* dweight,
                           float* dbias) {
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < OUT; ++o) {
      const float g = dy[n * OUT + o];
      if (dbias) dbias[o] += g;
      for (int i = 0; i < IN; ++i) dweight[i * OUT + o] += x[n * IN + i] * g;
    }
}

}  // namespace cnn::kernels::ref
