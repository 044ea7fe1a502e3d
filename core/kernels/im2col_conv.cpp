// im2col convolution over any GEMM: the batch's output pixels are rows of a GEMM (NHWC makes each
// output pixel's receptive field a row of KH*KW*C values), so one packed GEMM does the arithmetic
// for forward, backward-input (then col2im) and backward-weight. Rows are processed in chunks that
// bound the column buffer; a 1x1 stride-1 unpadded kernel uses the input itself as the columns.
// Each ISA variant passes its own GEMM (see im2col.h).
//
// Threads (core/parallel): forward splits the rows, backward-input the samples (col2im of one
// sample stays in one task, in row order), backward-weight splits each chunk's im2col by rows and
// its GEMM by output tiles while the chunks, whose boundaries set the order of the long reduction,
// stay fixed by the shape alone. The GEMMs' micro-kernels compute each element the same way
// wherever it sits in a tile, so every result is bitwise the same for any thread count.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/kernels/im2col.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::im2col {
namespace {

constexpr int64_t kColBudget = 1 << 18;  // floats in the column buffer (1 MiB)

int64_t total_rows(const Conv2dParams& p) { return static_cast<int64_t>(p.N) * p.OH * p.OW; }

// sums[j] += rows[g * stride + j] for g in [0, count), j in [0, N): each sum in row order.
template <int N>
void sum_rows(int64_t count, int64_t stride, const float* rows, float* sums) {
  float acc[N];
  for (int j = 0; j < N; ++j) acc[j] = sums[j];
  for (int64_t g = 0; g < count; ++g, rows += stride)
    for (int j = 0; j < N; ++j) acc[j] += rows[j];
  for (int j = 0; j < N; ++j) sums[j] = acc[j];
}

// The most rows one chunk holds, balanced so the last chunk is not a sliver. Depends on the shape
// only: backward-weight's reduction order follows these chunks.
int rows_per_chunk(const Conv2dParams& p) {
  const int64_t total = total_rows(p);
  const int64_t most = std::max<int64_t>(1, std::min(total, kColBudget / patch_size(p)));
  const int64_t chunks = (total + most - 1) / most;
  return static_cast<int>(std::max<int64_t>(1, (total + chunks - 1) / chunks));
}

// Floats of one thread's share of the workspace: its column buffer, then its GEMM's packing.
size_t slot_floats(const Conv2dParams& p, GemmWorkspaceFn gemm_workspace);

// The output pixel of GEMM row g, advanced one row at a time (no division per row).
struct RowCursor {
  const Conv2dParams& p;
  int n, oy, ox;
  RowCursor(const Conv2dParams& q, int64_t g) : p(q) {
    const int64_t per_sample = static_cast<int64_t>(q.OH) * q.OW;
    n = static_cast<int>(g / per_sample);
    const int rem = static_cast<int>(g % per_sample);
    oy = rem / q.OW;
    ox = rem % q.OW;
  }
  void next() {
    if (++ox < p.OW) return;
    ox = 0;
    if (++oy < p.OH) return;
    oy = 0;
    ++n;
  }
  // The kernel columns [*kx0, *kx1) that fall inside the input, and the input column of kx = 0.
  int columns(int* kx0, int* kx1) const {
    const int x0 = ox * p.SW - p.PL;
    *kx0 = std::max(0, -x0);
    *kx1 = std::min(p.KW, p.W - x0);
    return x0;
  }
};

// col[r, (ky*KW + kx)*C + c] for output rows g0 .. g0+rows of the whole batch. The kernel
// columns inside the input are one contiguous run of floats in NHWC, whatever the stride
// (consecutive kx are consecutive pixels of one input row); the padding around it is zeros.
void im2col(const Conv2dParams& p, const float* input, int64_t g0, int rows, float* col) {
  const int64_t kkc = patch_size(p);
  const int run = p.KW * p.C;  // floats of one kernel row
  RowCursor at(p, g0);
  for (int r = 0; r < rows; ++r, at.next()) {
    int kx0, kx1;
    const int x0 = at.columns(&kx0, &kx1);
    const int lead = kx0 * p.C, inside = std::max(0, kx1 - kx0) * p.C;
    float* dst = col + r * kkc;
    for (int ky = 0; ky < p.KH; ++ky, dst += run) {
      const int iy = at.oy * p.SH - p.PT + ky;
      if (iy < 0 || iy >= p.H || inside == 0) {
        std::fill(dst, dst + run, 0.0f);
        continue;
      }
      const float* src = input + ((static_cast<int64_t>(at.n) * p.H + iy) * p.W + x0 + kx0) * p.C;
      // Most runs lie wholly inside the input: no empty fills (each a call in wasm).
      if (lead) std::fill(dst, dst + lead, 0.0f);
      std::copy(src, src + inside, dst + lead);
      if (lead + inside < run) std::fill(dst + lead + inside, dst + run, 0.0f);
    }
  }
}

// dinput += scatter of dcol rows g0 .. g0+rows (inverse of im2col)
void col2im(const Conv2dParams& p, const float* dcol, int64_t g0, int rows, float* dinput) {
  const int64_t kkc = patch_size(p);
  const int run = p.KW * p.C;
  RowCursor at(p, g0);
  for (int r = 0; r < rows; ++r, at.next()) {
    int kx0, kx1;
    const int x0 = at.columns(&kx0, &kx1);
    const int lead = kx0 * p.C, inside = std::max(0, kx1 - kx0) * p.C;
    const float* src = dcol + r * kkc;
    for (int ky = 0; ky < p.KH; ++ky, src += run) {
      const int iy = at.oy * p.SH - p.PT + ky;
      if (iy < 0 || iy >= p.H) continue;
      float* dst = dinput + ((static_cast<int64_t>(at.n) * p.H + iy) * p.W + x0 + kx0) * p.C;
      for (int i = 0; i < inside; ++i) dst[i] += src[lead + i];
    }
  }
}

GemmParams forward_gemm(const Conv2dParams& p, int rows) {
  const int kkc = static_cast<int>(patch_size(p));
  return GemmParams{false, false, rows, p.K, kkc, kkc, p.K, p.K, 1.0f, 0.0f};
}
GemmParams backward_input_gemm(const Conv2dParams& p, int rows) {
  const int kkc = static_cast<int>(patch_size(p));
  return GemmParams{false, true, rows, kkc, p.K, p.K, p.K, kkc, 1.0f, 0.0f};
}
GemmParams backward_weight_gemm(const Conv2dParams& p, int rows) {
  const int kkc = static_cast<int>(patch_size(p));
  return GemmParams{true, false, kkc, p.K, rows, kkc, p.K, p.K, 1.0f, 1.0f};
}

size_t slot_floats(const Conv2dParams& p, GemmWorkspaceFn gemm_workspace) {
  const int rows = rows_per_chunk(p);
  const size_t gemm =
      std::max({gemm_workspace(forward_gemm(p, rows)), gemm_workspace(backward_input_gemm(p, rows)),
                gemm_workspace(backward_weight_gemm(p, rows))});
  return static_cast<size_t>(rows) * patch_size(p) + gemm;
}

}  // namespace

void gemm_split(const GemmParams& p, const float* A, const float* B, float* C, float* ws,
                size_t slot_stride, GemmFn gemm) {
  constexpr int kUnit = 16;  // a multiple of every micro-kernel's MR and NR
  const int threads = parallel::threads();
  const int m_units = (p.M + kUnit - 1) / kUnit, n_units = (p.N + kUnit - 1) / kUnit;
  const bool split_m = m_units >= threads || m_units >= n_units;
  const int units = split_m ? m_units : n_units;
  const int64_t macs = static_cast<int64_t>(p.M) * p.N * p.K;
  const int parts = task_count(units, macs);
  parallel::for_each(parts, [&](int part, int slot) {
    int64_t u0, u1;
    parallel::split_range(units, parts, part, &u0, &u1);
    GemmParams q = p;
    const int extent = split_m ? p.M : p.N;
    const int b0 = static_cast<int>(u0) * kUnit,
              b1 = std::min(extent, static_cast<int>(u1) * kUnit);
    if (b0 >= b1) return;
    const float* a = A;
    const float* b = B;
    float* c = C;
    if (split_m) {
      q.M = b1 - b0;
      a += p.ta ? b0 : static_cast<int64_t>(b0) * p.lda;
      c += static_cast<int64_t>(b0) * p.ldc;
    } else {
      q.N = b1 - b0;
      b += p.tb ? static_cast<int64_t>(b0) * p.ldb : b0;
      c += b0;
      if (q.bias) q.bias += b0;
    }
    gemm(q, a, b, c, ws + slot * slot_stride);
  });
}

size_t conv2d_workspace(const Conv2dParams& p, GemmWorkspaceFn gemm_workspace) {
  return slot_floats(p, gemm_workspace) * parallel::threads();
}

// input [N, H, W, C], weight [KH, KW, C, K], bias [K] -> output [N, OH, OW, K]
void conv2d_forward(const Conv2dParams& p, const float* input, const float* weight,
                    const float* bias, float* output, float* workspace, GemmFn gemm,
                    GemmWorkspaceFn gemm_workspace) {
  const int64_t total = total_rows(p);
  const size_t stride = slot_floats(p, gemm_workspace);
  const int max_chunk = rows_per_chunk(p);
  // Forward results do not depend on the chunking, so the rows are cut for the threads too.
  const int64_t row_macs = patch_size(p) * p.K;
  const int64_t per_thread = std::max((total + parallel::threads() - 1) / parallel::threads(),
                                      kMinTaskMacs / std::max<int64_t>(row_macs, 1));
  const int chunk =
      static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(max_chunk, per_thread)));
  const int tasks = static_cast<int>((total + chunk - 1) / chunk);
  parallel::for_each(tasks, [&](int task, int slot) {
    const int64_t g0 = static_cast<int64_t>(task) * chunk;
    const int rows = static_cast<int>(std::min<int64_t>(chunk, total - g0));
    float* col = workspace + slot * stride;
    GemmParams gp = forward_gemm(p, rows);
    gp.bias = bias;  // bias and ReLU are applied as the GEMM stores its output
    gp.relu = p.relu;
    const float* a = input + g0 * p.C;
    if (!is_pointwise(p)) {
      im2col(p, input, g0, rows, col);
      a = col;
    }
    gemm(gp, a, weight, output + g0 * p.K, col + static_cast<size_t>(max_chunk) * patch_size(p));
  });
}

// doutput [N, OH, OW, K], weight [KH, KW, C, K] -> dinput [N, H, W, C] (+=)
void conv2d_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                           float* dinput, float* workspace, GemmFn gemm,
                           GemmWorkspaceFn gemm_workspace) {
  const int64_t per_sample = static_cast<int64_t>(p.OH) * p.OW;
  const size_t stride = slot_floats(p, gemm_workspace);
  const int chunk = rows_per_chunk(p);
  // Whole samples per task: the scatter into one sample's dinput keeps the serial row order.
  const int tasks = std::min(p.N, parallel::threads());
  parallel::for_each(tasks, [&](int task, int slot) {
    int64_t n0, n1;
    parallel::split_range(p.N, tasks, task, &n0, &n1);
    float* dcol = workspace + slot * stride;
    float* gemm_ws = dcol + static_cast<size_t>(chunk) * patch_size(p);
    for (int64_t g0 = n0 * per_sample; g0 < n1 * per_sample; g0 += chunk) {
      const int rows = static_cast<int>(std::min<int64_t>(chunk, n1 * per_sample - g0));
      GemmParams gp = backward_input_gemm(p, rows);
      if (is_pointwise(p)) {
        gp.beta = 1.0f;  // dinput rows are the column rows: accumulate in place
        gemm(gp, doutput + g0 * p.K, weight, dinput + g0 * p.C, gemm_ws);
      } else {
        gemm(gp, doutput + g0 * p.K, weight, dcol, gemm_ws);
        col2im(p, dcol, g0, rows, dinput);
      }
    }
  });
}

// input [N, H, W, C], doutput [N, OH, OW, K] -> dweight [KH, KW, C, K] (+=), dbias [K] (+=)
void conv2d_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                            float* dweight, float* dbias, float* workspace, GemmFn gemm,
                            GemmWorkspaceFn gemm_workspace) {
  const int64_t total = total_rows(p);
  const int chunk = rows_per_chunk(p);
  const size_t stride = slot_floats(p, gemm_workspace);
  const size_t gemm_offset = static_cast<size_t>(chunk) * patch_size(p);
  float* col = workspace;  // the chunk's columns, shared; each thread packs in its own slot
  for (int64_t g0 = 0; g0 < total; g0 += chunk) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, total - g0));
    const float* a = input + g0 * p.C;
    if (!is_pointwise(p)) {
      parallel::for_ranges(rows, [&](int64_t r0, int64_t r1) {
        im2col(p, input, g0 + r0, static_cast<int>(r1 - r0), col + r0 * patch_size(p));
      });
      a = col;
    }
    gemm_split(backward_weight_gemm(p, rows), a, doutput + g0 * p.K, dweight,
               workspace + gemm_offset, stride, gemm);
  }
  if (dbias) conv2d_bias_gradient(p, doutput, dbias);
}

void conv2d_bias_gradient(const Conv2dParams& p, const float* doutput, float* dbias) {
  const int64_t total = total_rows(p);
  // Each filter's bias gradient sums every row in order, whichever thread adds it up. The sums
  // are held in a local array, N filters at a time (N fixed for the usual counts, so they stay in
  // vector registers), not in dbias, which the compiler must assume doutput may alias: the loop
  // over filters is then vectorised, and each filter still adds the same values in the same order.
  parallel::for_ranges(p.K, [&](int64_t k0, int64_t k1) {
    int64_t k = k0;
    for (; k + 16 <= k1; k += 16) sum_rows<16>(total, p.K, doutput + k, dbias + k);
    for (; k + 8 <= k1; k += 8) sum_rows<8>(total, p.K, doutput + k, dbias + k);
    for (; k + 4 <= k1; k += 4) sum_rows<4>(total, p.K, doutput + k, dbias + k);
    for (; k < k1; ++k) sum_rows<1>(total, p.K, doutput + k, dbias + k);
  });
}

void turn_kernel(const Conv2dParams& p, const float* weight, float* turned) {
  const int64_t taps = static_cast<int64_t>(p.KH) * p.KW;
  for (int64_t tap = 0; tap < taps; ++tap) {
    const float* src = weight + (taps - 1 - tap) * p.C * p.K;  // [c][k] at the opposite tap
    float* dst = turned + tap * p.K * p.C;                     // [k][c]
    for (int c = 0; c < p.C; ++c)
      for (int k = 0; k < p.K; ++k) dst[static_cast<int64_t>(k) * p.C + c] = src[c * p.K + k];
  }
}

}  // namespace cnn::kernels::im2col
