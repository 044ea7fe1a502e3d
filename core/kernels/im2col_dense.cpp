// Dense (fully connected) layer kernels over any GEMM: y = xW + b, dx += dy W^T, dW += x^T dy.
// Bias and ReLU are the GEMM's store epilogue. Each ISA variant passes its GEMM; the threads
// split each GEMM's output (gemm_split), which changes no bit of the result.
#include <algorithm>

#include "core/kernels/im2col.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::im2col {
namespace {
GemmParams fwd(int N, int IN, int OUT) {
  return {false, false, N, OUT, IN, IN, OUT, OUT, 1.0f, 0.0f};
}
GemmParams bwd_in(int N, int IN, int OUT) {
  return {false, true, N, IN, OUT, OUT, OUT, IN, 1.0f, 1.0f};
}
GemmParams bwd_w(int N, int IN, int OUT) {
  return {true, false, IN, OUT, N, IN, OUT, OUT, 1.0f, 1.0f};
}

// One thread's share of the workspace.
size_t slot_floats(int N, int IN, int OUT, GemmWorkspaceFn gemm_workspace) {
  return std::max({gemm_workspace(fwd(N, IN, OUT)), gemm_workspace(bwd_in(N, IN, OUT)),
                   gemm_workspace(bwd_w(N, IN, OUT))});
}
}  // namespace

size_t dense_workspace(int N, int IN, int OUT, GemmWorkspaceFn gemm_workspace) {
  return slot_floats(N, IN, OUT, gemm_workspace) * parallel::threads();
}

// x [N, IN], weight [IN, OUT], bias [OUT] -> y [N, OUT]
void dense_forward(int N, int IN, int OUT, const float* x, const float* weight, const float* bias,
                   float* y, bool relu, float* workspace, GemmFn gemm,
                   GemmWorkspaceFn gemm_workspace) {
  GemmParams gp = fwd(N, IN, OUT);
  gp.bias = bias;  // bias and ReLU are applied as the GEMM stores its output
  gp.relu = relu;
  gemm_split(gp, x, weight, y, workspace, slot_floats(N, IN, OUT, gemm_workspace), gemm);
}

// dy [N, OUT], weight [IN, OUT] -> dx [N, IN] (+=)
void dense_backward_input(int N, int IN, int OUT, const float* dy, const float* weight, float* dx,
                          float* workspace, GemmFn gemm, GemmWorkspaceFn gemm_workspace) {
  gemm_split(bwd_in(N, IN, OUT), dy, weight, dx, workspace, slot_floats(N, IN, OUT, gemm_workspace),
             gemm);
}

// x [N, IN], dy [N, OUT] -> dweight [IN, OUT] (+=), dbias [OUT] (+=)
void dense_backward_weight(int N, int IN, int OUT, const float* x, const float* dy, float* dweight,
                           float* dbias, float* workspace, GemmFn gemm,
                           GemmWorkspaceFn gemm_workspace) {
  gemm_split(bwd_w(N, IN, OUT), x, dy, dweight, workspace, slot_floats(N, IN, OUT, gemm_workspace),
             gemm);
  if (dbias)
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < OUT; ++o) dbias[o] += dy[static_cast<int64_t>(n) * OUT + o];
}

}  // namespace cnn::kernels::im2col
