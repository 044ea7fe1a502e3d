// Convolution and dense kernels expressed over a GEMM (im2col for convolution). Every fast
// variant reuses these drivers with its own GEMM, so only the micro-kernel differs between ISAs.
// Workspace sizes are in floats and depend on the GEMM's packing needs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/kernels/kernels.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::im2col {

using GemmFn = void (*)(const GemmParams& p, const float* A, const float* B, float* C,
                        float* workspace);
using GemmWorkspaceFn = size_t (*)(const GemmParams& p);

// Workspaces hold one share per thread (parallel::threads() at the time of the query: keep the
// count unchanged between asking for the size and running the kernel).
size_t conv2d_workspace(const Conv2dParams& p, GemmWorkspaceFn gemm_workspace);
// input [N, H, W, C], weight [KH, KW, C, K], bias [K] (may be null) -> output [N, OH, OW, K]
void conv2d_forward(const Conv2dParams& p, const float* input, const float* weight,
                    const float* bias, float* output, float* workspace, GemmFn gemm,
                    GemmWorkspaceFn gemm_workspace);
// doutput [N, OH, OW, K], weight -> dinput [N, H, W, C] (+=)
void conv2d_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                           float* dinput, float* workspace, GemmFn gemm,
                           GemmWorkspaceFn gemm_workspace);
// input, doutput -> dweight [KH, KW, C, K] (+=), dbias [K] (+=, may be null)
void conv2d_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                            float* dweight, float* dbias, float* workspace, GemmFn gemm,
                            GemmWorkspaceFn gemm_workspace);

// Shared by every convolution driver (im2col and the direct wasmsimd kernels).
// Work below which a thread's share costs more to hand out than to compute (multiply-adds).
constexpr int64_t kMinTaskMacs = 1 << 17;
// Tasks per thread when there are several: a thread that is done with its own work (a shard of the
// batch) claims tasks of the other threads' layers (thread_pool.h), so the tasks are small enough
// to share. With one thread, one task.
constexpr int kTasksPerThread = 4;
// How many tasks `units` of work (`macs` multiply-adds in all) split into: at most
// kTasksPerThread per thread and one per unit, and none below kMinTaskMacs; at least one.
inline int task_count(int64_t units, int64_t macs) {
  const int most = parallel::threads() > 1 ? kTasksPerThread * parallel::threads() : 1;
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>({most, units, macs / kMinTaskMacs})));
}
inline int64_t patch_size(const Conv2dParams& p) { return static_cast<int64_t>(p.KH) * p.KW * p.C; }
// 1x1, stride 1, unpadded: the input itself is the im2col matrix.
inline bool is_pointwise(const Conv2dParams& p) {
  return p.KH == 1 && p.KW == 1 && p.SH == 1 && p.SW == 1 && p.PT == 0 && p.PL == 0 &&
         p.OH == p.H && p.OW == p.W;
}
// dbias[k] += the sum of doutput[g, k] over every output pixel g, in order, whatever the threads.
void conv2d_bias_gradient(const Conv2dParams& p, const float* doutput, float* dbias);

// Backward-input at stride 1 as a forward convolution of dY (the direct and Winograd kernels):
// dX[iy, ix, c] = sum over (ky', kx', k) of dY[iy - PT' + ky', ix - PL' + kx', k] * W'[ky', kx', k,
// c], with the kernel turned half a turn, W'[ky', kx', k, c] = W[KH-1-ky', KW-1-kx', c, k], and
// padding PT' = KH-1-PT, PL' = KW-1-PL. The forward kernel then adds into dX (no col2im scatter).
inline Conv2dParams backward_input_as_forward(const Conv2dParams& p) {
  return Conv2dParams{p.N, p.OH, p.OW, p.K, p.C, p.KH, p.KW, 1, 1, p.KH - 1 - p.PT, p.KW - 1 - p.PL,
                      p.H, p.W,  false};
}
// The turned kernel's floats, rounded up to whole vectors (what follows it stays aligned).
inline size_t turned_floats(const Conv2dParams& p) {
  return static_cast<size_t>((patch_size(p) * p.K + 3) / 4 * 4);
}
// W' above, written into `turned`.
void turn_kernel(const Conv2dParams& p, const float* weight, float* turned);

size_t dense_workspace(int N, int IN, int OUT, GemmWorkspaceFn gemm_workspace);
void dense_forward(int N, int IN, int OUT, const float* x, const float* weight, const float* bias,
                   float* y, bool relu, float* workspace, GemmFn gemm,
                   GemmWorkspaceFn gemm_workspace);
void dense_backward_input(int N, int IN, int OUT, const float* dy, const float* weight, float* dx,
                          float* workspace, GemmFn gemm, GemmWorkspaceFn gemm_workspace);
void dense_backward_weight(int N, int IN, int OUT, const float* x, const float* dy, float* dweight,
                           float* dbias, float* workspace, GemmFn gemm,
                           GemmWorkspaceFn gemm_workspace);

// One GEMM with its output split over M (or N when M is narrow) among the threads, thread slot s
// packing in ws + s * slot_stride (each share needs at most gemm_workspace(p) floats). Every
// element is computed as the whole GEMM would compute it: the split changes no bit.
void gemm_split(const GemmParams& p, const float* A, const float* B, float* C, float* ws,
                size_t slot_stride, GemmFn gemm);

}  // namespace cnn::kernels::im2col
