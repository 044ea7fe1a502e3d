// Direct convolution forward in wasm SIMD128 (implicit GEMM): the register tile reads each output
// pixel's receptive field where it lies in the input instead of copying it into an im2col row. In
// NHWC one kernel row of the field is KW*C contiguous floats, and the KH rows are one padded input
// row apart, so a tile of MR consecutive output pixels x NR filters walks KH segments of KW*C
// depth steps, its pixels SW*C floats apart. Padded layers first copy the batch into a zero-framed
// buffer (the size of the input, against KH*KW times that for im2col). A row's last MR-short tile
// reads on in that buffer, which ends in zeroed slack; reading the caller's input in place, it
// copies its pixels' fields into a small buffer instead, so no tile reads past the input.
//
// The depth runs in im2col's column order (ky, kx, c) in one register pass, the same products and
// sums in the same order as the im2col GEMM when the patch fits one depth block (fits() asks for
// it), so the output is bitwise that of the wasmsimd im2col variant, for any tile shape and any
// thread count. Filters <= 8 use a 4 x 8 tile (a 2 x 16 tile would be half empty), more use 2 x 16.
// The backward passes (below) reuse the framed input and the tile.
#include <algorithm>
#include <cstring>

#include "core/kernels/gemm_blocked.h"
#include "core/kernels/im2col.h"
#include "core/kernels/wasmsimd/tile.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::wasmsimd {
namespace {

using im2col::backward_input_as_forward;
using im2col::is_pointwise;
using im2col::patch_size;
using im2col::turn_kernel;
using im2col::turned_floats;

constexpr int kEdgeRows = 4;  // the largest MR of the forward tiles below

// The input as the tiles read it: the input itself, or a zero-framed copy Hp x Wp per sample.
struct Frame {
  int Hp, Wp;
  bool copy;
};
Frame frame_of(const Conv2dParams& p) {
  const int rows = (p.OH - 1) * p.SH + p.KH, cols = (p.OW - 1) * p.SW + p.KW;  // what is read
  const bool copy = p.PT > 0 || p.PL > 0 || rows > p.H || cols > p.W;
  if (!copy) return {p.H, p.W, false};
  return {std::max(p.PT + p.H, rows), std::max(p.PL + p.W, cols), true};
}

// Copies the batch into `framed`, each sample Hp x Wp with the input at (PT, PL), zeros around,
// and zeros `slack` floats after the last sample. Only the frame is zeroed: each float is written
// once.
const float* frame(const Conv2dParams& p, const Frame& f, const float* input, float* framed,
                   int64_t slack) {
  const int64_t row = static_cast<int64_t>(f.Wp) * p.C, sample = f.Hp * row;
  const int64_t left = static_cast<int64_t>(p.PL) * p.C, width = static_cast<int64_t>(p.W) * p.C;
  std::fill(framed + p.N * sample, framed + p.N * sample + slack, 0.0f);
  parallel::for_ranges(p.N, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      float* dst = framed + n * sample;
      std::fill(dst, dst + p.PT * row, 0.0f);
      for (int y = 0; y < p.H; ++y) {
        float* r = dst + (p.PT + y) * row;
        std::fill(r, r + left, 0.0f);
        std::memcpy(r + left, input + ((n * p.H + y) * p.W) * p.C, sizeof(float) * width);
        std::fill(r + left + width, r + row, 0.0f);
      }
      std::fill(dst + (p.PT + p.H) * row, dst + sample, 0.0f);
    }
  });
  return framed;
}

int round4(int64_t n) { return static_cast<int>((n + 3) / 4 * 4); }

// What a row's last tile reads past the framed batch's last row when it is short of MR pixels
// (in place, below): MR - 1 pixels further, SW * C floats each.
int64_t edge_slack(const Conv2dParams& p) {
  return static_cast<int64_t>(kEdgeRows - 1) * p.SW * p.C;
}

// Workspace layout, in floats: [packed filters][framed input + edge slack][edge buffer per thread].
struct Layout {
  size_t filters, frame, edge;
};
Layout layout_of(const Conv2dParams& p) {
  const int64_t kkc = patch_size(p);
  const int nr = p.K <= 8 ? 8 : 16;
  const Frame f = frame_of(p);
  Layout l{};
  if (p.K % nr) l.filters = static_cast<size_t>(round4(kkc * blocked::round_up(p.K, nr)));
  if (f.copy) l.frame = static_cast<size_t>(p.N) * f.Hp * f.Wp * p.C + edge_slack(p);
  l.edge = static_cast<size_t>(kEdgeRows) * kkc;
  return l;
}

template <int MR, int NV>
void forward(const Conv2dParams& p, const float* input, const float* weight, const float* bias,
             float* output, float* ws, bool accumulate = false) {
  constexpr int NR = 4 * NV;
  const int64_t kkc = patch_size(p);
  const Layout l = layout_of(p);
  const Frame f = frame_of(p);

  // Filters: read in place when K is whole vectors of the tile, else padded to them with zeros.
  const float* b = weight;
  int b_ks = p.K;
  if (l.filters) {
    const int kp = blocked::round_up(p.K, NR);
    for (int64_t k = 0; k < kkc; ++k) {
      float* dst = ws + k * kp;
      std::memcpy(dst, weight + k * p.K, sizeof(float) * p.K);
      std::fill(dst + p.K, dst + kp, 0.0f);
    }
    b = ws;
    b_ks = kp;
  }

  const float* x = f.copy ? frame(p, f, input, ws + l.filters, edge_slack(p)) : input;

  const int seg = p.KW * p.C;                                   // depth steps per kernel row
  const int64_t seg_stride = static_cast<int64_t>(f.Wp) * p.C;  // one input row
  const int a_rs = p.SW * p.C;                                  // from one output pixel to the next
  const int64_t rows = static_cast<int64_t>(p.N) * p.OH;
  const int64_t row_macs = static_cast<int64_t>(p.OW) * kkc * p.K;
  const int tasks = im2col::task_count(rows, rows * row_macs);
  float* edge_base = ws + l.filters + l.frame;
  parallel::for_each(tasks, [&](int task, int slot) {
    int64_t r0, r1;
    parallel::split_range(rows, tasks, task, &r0, &r1);
    float* edge = edge_base + slot * l.edge;
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t n = row / p.OH;
      const int oy = static_cast<int>(row % p.OH);
      const float* field = x + (n * f.Hp + static_cast<int64_t>(oy) * p.SH) * seg_stride;
      float* out = output + row * p.OW * p.K;
      // The row's last pixels, when short of a tile: in the framed copy the tile reads on in place
      // (into the next row, or the zeroed slack after the last), the rows past OW computed and
      // not stored; in the caller's input their fields are copied, zero rows for the rest.
      const int full = f.copy ? p.OW : p.OW / MR * MR, mr_last = f.copy ? 0 : p.OW - full;
      if (mr_last) {
        const float* a = field + static_cast<int64_t>(full) * a_rs;
        for (int r = 0; r < MR; ++r) {
          float* dst = edge + r * kkc;
          if (r >= mr_last) {
            std::fill(dst, dst + kkc, 0.0f);
            continue;
          }
          for (int ky = 0; ky < p.KH; ++ky)
            std::memcpy(dst + ky * seg, a + r * a_rs + ky * seg_stride, sizeof(float) * seg);
        }
      }
      // Filters outer: one NR-column sliver of the filters stays in L1 across the row's tiles.
      for (int j = 0; j < p.K; j += NR) {
        const int nr = std::min(NR, p.K - j);
        const float* bias_j = bias ? bias + j : nullptr;
        const float beta = accumulate ? 1.0f : 0.0f;
        for (int ox = 0; ox < full; ox += MR) {
          Tile<MR, NV> t;
          const float* a = field + static_cast<int64_t>(ox) * a_rs;
          const float* bj = b + j;
          for (int ky = 0; ky < p.KH; ++ky) {
            const float* ak = a + ky * seg_stride;
            for (int k = 0; k < seg; ++k, bj += b_ks) t.step(ak + k, a_rs, bj);
          }
          t.store(out + static_cast<int64_t>(ox) * p.K + j, p.K, std::min(MR, full - ox), nr, 1.0f,
                  beta, bias_j, p.relu);
        }
        if (mr_last) {
          Tile<MR, NV> t;
          const float* bj = b + j;
          for (int64_t k = 0; k < kkc; ++k, bj += b_ks) t.step(edge + k, static_cast<int>(kkc), bj);
          t.store(out + static_cast<int64_t>(full) * p.K + j, p.K, mr_last, nr, 1.0f, beta, bias_j,
                  p.relu);
        }
      }
    }
  });
}

size_t forward_floats(const Conv2dParams& p) {
  const Layout l = layout_of(p);
  return l.filters + l.frame + l.edge * parallel::threads();
}

// Backward-weight: dW[t, k] += sum over output pixels g of field_g[t] * dY[g, k], with t the
// patch index (ky, kx, c) and field_g[t] = x[base(g) + ky * seg_stride + kx * C + c]. A tile is
// MR consecutive t of one kernel row (MR floats in a row of the framed input, a_rs = 1; a short
// tile at a row's end reads a few floats past it, into the next row or the buffer's slack) by NR
// filters. Each task owns whole tiles and runs over every pixel, in chunks of output rows whose
// boundaries depend on the shape alone; a chunk's sum is added to dW through the store. So every
// dW element is summed in one order whatever the thread count.
constexpr int64_t kChunkPixels = 128;  // a chunk's dY sliver and fields stay in L1

template <int MR, int NV>
void backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                     float* dweight, float* dbias, float* ws) {
  constexpr int NR = 4 * NV;
  const Frame f = frame_of(p);
  const float* x = frame(p, f, input, ws, 4);
  const int seg = p.KW * p.C;
  const int64_t seg_stride = static_cast<int64_t>(f.Wp) * p.C;
  const int a_rs = p.SW * p.C;
  const int t_tiles_per_row = (seg + MR - 1) / MR, j_tiles = p.K / NR;
  const int t_tiles = p.KH * t_tiles_per_row, tiles = t_tiles * j_tiles;
  const int64_t rows = static_cast<int64_t>(p.N) * p.OH;  // output rows (n, oy)
  const int64_t rows_per_chunk = std::max<int64_t>(1, kChunkPixels / p.OW);
  const int64_t macs = rows * p.OW * patch_size(p) * p.K;
  const int tasks = im2col::task_count(tiles, macs);
  parallel::for_each(tasks, [&](int task, int) {
    int64_t tile0, tile1;
    parallel::split_range(tiles, tasks, task, &tile0, &tile1);
    for (int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
      const int64_t r1 = std::min(rows, r0 + rows_per_chunk);
      for (int64_t tile = tile0; tile < tile1; ++tile) {
        const int j = static_cast<int>(tile / t_tiles) * NR;  // tiles of one filter sliver in a row
        const int64_t tt = tile % t_tiles;
        const int ky = static_cast<int>(tt / t_tiles_per_row);
        const int kx_c = static_cast<int>(tt % t_tiles_per_row) * MR;  // kx * C + c
        const int mr = std::min(MR, seg - kx_c);
        const int64_t off = ky * seg_stride + kx_c;
        Tile<MR, NV> t;
        for (int64_t row = r0; row < r1; ++row) {
          const int64_t n = row / p.OH;
          const int oy = static_cast<int>(row % p.OH);
          const float* a = x + (n * f.Hp + static_cast<int64_t>(oy) * p.SH) * seg_stride + off;
          const float* dy = doutput + row * p.OW * p.K + j;
          for (int ox = 0; ox < p.OW; ++ox, a += a_rs, dy += p.K) t.step(a, 1, dy);
        }
        t.store(dweight + (static_cast<int64_t>(ky) * seg + kx_c) * p.K + j, p.K, mr, NR, 1.0f,
                1.0f, nullptr, false);
      }
    }
  });
  if (dbias) im2col::conv2d_bias_gradient(p, doutput, dbias);
}

// The framed batch plus the floats a short tile reads past the end of the last row (MR - 1 at
// most, MR <= 5), zeroed.
size_t backward_floats(const Conv2dParams& p) {
  const Frame f = frame_of(p);
  return static_cast<size_t>(p.N) * f.Hp * f.Wp * p.C + 4;
}

}  // namespace

bool conv2d_direct_backward_input_fits(const Conv2dParams& p) {
  return p.SH == 1 && p.SW == 1 && p.PT <= p.KH - 1 && p.PL <= p.KW - 1 && p.N > 0 && p.C > 0 &&
         p.K > 0;
}

void conv2d_direct_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                                  float* dinput, float* workspace) {
  // A forward pass of dY with the kernel turned (im2col.h), adding into dX.
  const Conv2dParams q = backward_input_as_forward(p);
  float* turned = workspace;
  turn_kernel(p, weight, turned);
  float* ws = workspace + turned_floats(p);
  if (q.K <= 8)
    forward<4, 2>(q, doutput, turned, nullptr, dinput, ws, true);
  else
    forward<2, 4>(q, doutput, turned, nullptr, dinput, ws, true);
}

bool conv2d_direct_backward_weight_fits(const Conv2dParams& p) {
  return p.K % 8 == 0 && p.K > 0 && p.OW > 0 && p.OH > 0 && p.N > 0;
}

void conv2d_direct_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                                   float* dweight, float* dbias, float* workspace) {
  if (p.K % 16 == 0) {
    backward_weight<2, 4>(p, input, doutput, dweight, dbias, workspace);
    return;
  }
  // A kernel row's KW * C patch floats in tiles of 4, or of 5 where that wastes fewer rows:
  // a 5 x 5 single-channel kernel (tiny's conv1) is one 5-row tile per row, not a 4 and a 1.
  const int seg = p.KW * p.C;
  const auto waste = [seg](int mr) { return (seg + mr - 1) / mr * mr - seg; };
  if (waste(5) < waste(4))
    backward_weight<5, 2>(p, input, doutput, dweight, dbias, workspace);
  else
    backward_weight<4, 2>(p, input, doutput, dweight, dbias, workspace);
}

bool conv2d_direct_fits(const Conv2dParams& p) {
  // Few input channels: there im2col copies about as many floats as the GEMM multiplies per
  // filter. With more (keras-book's conv2, C = 32, K = 64) im2col's blocked GEMM, which reuses a
  // filter sliver over 128 rows, measured 1.3x faster. One depth block: the im2col GEMM would
  // split a longer patch and sum the blocks through C (the bitwise promise above).
  return p.C <= 8 && !is_pointwise(p) && patch_size(p) <= blocked::kKC && p.OW > 0 && p.OH > 0;
}

size_t conv2d_direct_workspace(const Conv2dParams& p) {
  size_t floats = std::max(forward_floats(p), backward_floats(p));
  if (conv2d_direct_backward_input_fits(p))
    floats = std::max(floats, turned_floats(p) + forward_floats(backward_input_as_forward(p)));
  return floats;
}

void conv2d_direct_forward(const Conv2dParams& p, const float* input, const float* weight,
                           const float* bias, float* output, float* workspace) {
  if (p.N == 0 || p.K == 0) return;
  if (p.K <= 8)
    forward<4, 2>(p, input, weight, bias, output, workspace);
  else
    forward<2, 4>(p, input, weight, bias, output, workspace);
}

}  // namespace cnn::kernels::wasmsimd
