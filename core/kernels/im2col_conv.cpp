// im2col convolution over any GEMM: the batch's output pixels are rows of a GEMM (NHWC makes each
// output pixel's receptive field a row of KH*KW*C values), so one packed GEMM does the arithmetic
// for forward, backward-input (then col2im) and backward-weight. Rows are processed in chunks that
// bound the column buffer; a 1x1 stride-1 unpadded kernel uses the input itself as the columns.
// Each ISA variant passes its own GEMM (see im2col.h).
#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/kernels/im2col.h"

namespace cnn::kernels::im2col {
namespace {

constexpr int64_t kColBudget = 1 << 18;  // floats in the column buffer (1 MiB)

int64_t patch_size(const Conv2dParams& p) { return static_cast<int64_t>(p.KH) * p.KW * p.C; }

int rows_per_chunk(const Conv2dParams& p) {
  const int64_t total = static_cast<int64_t>(p.N) * p.OH * p.OW;
  return static_cast<int>(std::max<int64_t>(1, std::min(total, kColBudget / patch_size(p))));
}

bool is_pointwise(const Conv2dParams& p) {
  return p.KH == 1 && p.KW == 1 && p.SH == 1 && p.SW == 1 && p.PT == 0 && p.PL == 0 &&
         p.OH == p.H && p.OW == p.W;
}

// col[r, (ky*KW + kx)*C + c] for output rows g0 .. g0+rows of the whole batch. A kernel row
// whose columns all fall inside the input is one contiguous run of KW*C floats
// in NHWC, whatever the stride: consecutive kx are consecutive pixels of the same input row.
void im2col(const Conv2dParams& p, const float* input, int64_t g0, int rows, float* col) {
  const int64_t kkc = patch_size(p);
  const int64_t per_sample = static_cast<int64_t>(p.OH) * p.OW;
  const int run = p.KW * p.C;  // floats of one kernel row
  for (int r = 0; r < rows; ++r) {
    const int64_t g = g0 + r;
    const int n = static_cast<int>(g / per_sample);
    const int rem = static_cast<int>(g % per_sample);
    const int oy = rem / p.OW, ox = rem % p.OW;
    const int x0 = ox * p.SW - p.PL;
    const bool cols_inside = x0 >= 0 && x0 + p.KW <= p.W;
    float* dst = col + r * kkc;
    for (int ky = 0; ky < p.KH; ++ky, dst += run) {
      const int iy = oy * p.SH - p.PT + ky;
      if (iy < 0 || iy >= p.H) {
        std::memset(dst, 0, sizeof(float) * run);
        continue;
      }
      const float* src_row = input + ((static_cast<int64_t>(n) * p.H + iy) * p.W) * p.C;
      if (cols_inside) {
        const float* src = src_row + static_cast<int64_t>(x0) * p.C;
        for (int i = 0; i < run; ++i) dst[i] = src[i];
        continue;
      }
      for (int kx = 0; kx < p.KW; ++kx) {
        const int ix = x0 + kx;
        float* d = dst + kx * p.C;
        if (ix < 0 || ix >= p.W) {
          for (int c = 0; c < p.C; ++c) d[c] = 0.0f;
        } else {
          const float* src = src_row + static_cast<int64_t>(ix) * p.C;
          for (int c = 0; c < p.C; ++c) d[c] = src[c];
        }
      }
    }
  }
}

// dinput += scatter of dcol rows g0 .. g0+rows (inverse of im2col)
void col2im(const Conv2dParams& p, const float* dcol, int64_t g0, int rows, float* dinput) {
  const int64_t kkc = patch_size(p);
  const int64_t per_sample = static_cast<int64_t>(p.OH) * p.OW;
  for (int r = 0; r < rows; ++r) {
    const int64_t g = g0 + r;
    const int n = static_cast<int>(g / per_sample);
    const int rem = static_cast<int>(g % per_sample);
    const int oy = rem / p.OW, ox = rem % p.OW;
    const float* src = dcol + r * kkc;
    for (int ky = 0; ky < p.KH; ++ky) {
      const int iy = oy * p.SH - p.PT + ky;
      for (int kx = 0; kx < p.KW; ++kx, src += p.C) {
        const int ix = ox * p.SW - p.PL + kx;
        if (iy < 0 || iy >= p.H || ix < 0 || ix >= p.W) continue;
        float* dst = dinput + ((static_cast<int64_t>(n) * p.H + iy) * p.W + ix) * p.C;
        for (int c = 0; c < p.C; ++c) dst[c] += src[c];
      }
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

}  // namespace

size_t conv2d_workspace(const Conv2dParams& p, GemmWorkspaceFn gemm_workspace) {
  const int rows = rows_per_chunk(p);
  const size_t gemm = std::max({gemm_workspace(forward_gemm(p, rows)),
                                gemm_workspace(backward_input_gemm(p, rows)),
                                gemm_workspace(backward_weight_gemm(p, rows))});
  return static_cast<size_t>(rows) * patch_size(p) + gemm;
}

// input [N, H, W, C], weight [KH, KW, C, K], bias [K] -> output [N, OH, OW, K]
void conv2d_forward(const Conv2dParams& p, const float* input, const float* weight,
                    const float* bias, float* output, float* workspace, GemmFn gemm) {
  const int64_t total = static_cast<int64_t>(p.N) * p.OH * p.OW;
  const int chunk = rows_per_chunk(p);
  float* col = workspace;
  float* gemm_ws_ptr = workspace + static_cast<size_t>(chunk) * patch_size(p);
  for (int64_t g0 = 0; g0 < total; g0 += chunk) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, total - g0));
    float* out = output + g0 * p.K;
    GemmParams gp = forward_gemm(p, rows);
    gp.bias = bias;  // bias and ReLU are applied as the GEMM stores its output
    gp.relu = p.relu;
    const float* a = input + g0 * p.C;
    if (!is_pointwise(p)) {
      im2col(p, input, g0, rows, col);
      a = col;
    }
    gemm(gp, a, weight, out, gemm_ws_ptr);
  }
}

// doutput [N, OH, OW, K], weight [KH, KW, C, K] -> dinput [N, H, W, C] (+=)
void conv2d_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                           float* dinput, float* workspace, GemmFn gemm) {
  const int64_t total = static_cast<int64_t>(p.N) * p.OH * p.OW;
  const int chunk = rows_per_chunk(p);
  float* dcol = workspace;
  float* gemm_ws_ptr = workspace + static_cast<size_t>(chunk) * patch_size(p);
  for (int64_t g0 = 0; g0 < total; g0 += chunk) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, total - g0));
    GemmParams gp = backward_input_gemm(p, rows);
    if (is_pointwise(p)) {
      gp.beta = 1.0f;  // dinput rows are the column rows: accumulate in place
      gemm(gp, doutput + g0 * p.K, weight, dinput + g0 * p.C, gemm_ws_ptr);
    } else {
      gemm(gp, doutput + g0 * p.K, weight, dcol, gemm_ws_ptr);
      col2im(p, dcol, g0, rows, dinput);
    }
  }
}

// input [N, H, W, C], doutput [N, OH, OW, K] -> dweight [KH, KW, C, K] (+=), dbias [K] (+=)
void conv2d_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                            float* dweight, float* dbias, float* workspace, GemmFn gemm) {
  const int64_t total = static_cast<int64_t>(p.N) * p.OH * p.OW;
  const int chunk = rows_per_chunk(p);
  float* col = workspace;
  float* gemm_ws_ptr = workspace + static_cast<size_t>(chunk) * patch_size(p);
  for (int64_t g0 = 0; g0 < total; g0 += chunk) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, total - g0));
    const float* a = input + g0 * p.C;
    if (!is_pointwise(p)) {
      im2col(p, input, g0, rows, col);
      a = col;
    }
    gemm(backward_weight_gemm(p, rows), a, doutput + g0 * p.K, dweight, gemm_ws_ptr);
  }
  if (dbias)
    for (int64_t g = 0; g < total; ++g)
      for (int k = 0; k < p.K; ++k) dbias[k] += doutput[g * p.K + k];
}

}  // namespace cnn::kernels::im2col
