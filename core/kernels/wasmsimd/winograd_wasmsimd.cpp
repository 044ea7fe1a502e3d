// Winograd F(2x2, 3x3) convolution in wasm SIMD128 (Lavin & Gray 2015): every 2 x 2 block
// of output pixels comes from a 4 x 4 block of the input in 16 multiply-adds per channel pair
// instead of 36, so a 3 x 3 stride-1 layer with many channels (keras-book's conv2, C = 32,
// K = 64) does 2.25x fewer multiply-adds than the im2col GEMM. Where 3 x 3 blocks fit the output
// better, F(3x3, 3x3) does the same with 5 x 5 input blocks in 25 (side_of); the steps are the
// same with 25 planes instead of 16. Three steps, per chunk of kChunk output blocks (which stays
// in L2):
//   1. input transform, V[xi][t][c] = (B^T d_t B)[xi] for the block t's 4 x 4 input d_t (zeros
//      outside the input), four channels per vector (NHWC keeps them contiguous);
//   2. sixteen GEMMs, M[xi][t][k] = sum_c V[xi][t][c] U[xi][c][k], with the register tile shared
//      with the other SIMD128 kernels (tile.h), over the filters transformed once per call,
//      U[xi][c][k] = (G g_ck G^T)[xi], padded with zero filters to whole tiles;
//   3. output transform, Y_t = A^T M_t A, four filters per vector, with bias, ReLU, or adding into
//      the output (backward-input), storing only the pixels inside it.
// A block's arithmetic does not depend on its chunk or on the thread that runs it, and chunks are
// fixed by the shape: the same bits for any thread count. Within ref's tolerance otherwise (the
// transforms add a few roundings, not a longer sum).
//
// Backward-input at stride 1 is this forward on dY with the kernel turned half a turn (as the
// direct kernel does it). Backward-weight works in the Winograd domain too
// (winograd_backward_weight_wasmsimd.cpp); winograd_wasmsimd.h has what the two share.
#include "core/kernels/wasmsimd/winograd_wasmsimd.h"

#include <algorithm>

#include "core/kernels/gemm_blocked.h"
#include "core/kernels/im2col.h"
#include "core/kernels/wasmsimd/tile.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::wasmsimd {
namespace winograd {

// The N x N input pixels under block `at` (N = block side + 2), channel 0 of each; nullptr where
// the block reaches into the padding.
template <int N>
CNN_TILE_INLINE void block_sources(const Conv2dParams& p, const Block& at, const float* input,
                                   const float* (&src)[N][N]) {
  const int64_t n = at.n;
  const int iy0 = at.oy - p.PT, ix0 = at.ox - p.PL;
  for (int y = 0; y < N; ++y)
    for (int x = 0; x < N; ++x) {
      const int iy = iy0 + y, ix = ix0 + x;
      src[y][x] = iy >= 0 && iy < p.H && ix >= 0 && ix < p.W
                      ? input + ((n * p.H + iy) * p.W + ix) * p.C
                      : nullptr;
    }
}

namespace {

// Where a layer's pieces live in the workspace, in floats: [U][per thread: V, M].
struct Layout {
  int side, planes;                   // output block side (2 or 3) and (side + 2)^2 planes
  int chunk;                          // blocks per chunk: half for 3 x 3 blocks (V and M in L2)
  int Kp;                             // filters padded to whole tiles
  int64_t u_plane, v_plane, m_plane;  // floats from one xi to the next in U, V and M
  size_t u, v, m;
};
Layout layout_of(const Conv2dParams& p) {
  Layout l{};
  l.side = side_of(p);
  l.planes = (l.side + 2) * (l.side + 2);
  l.Kp = blocked::round_up(p.K, p.K <= 8 ? 8 : 16);
  l.chunk = l.side == 3 ? kChunk / 2 : kChunk;
  l.v_plane = static_cast<int64_t>(l.chunk) * p.C + kPlaneSlack;
  l.m_plane = static_cast<int64_t>(l.chunk) * l.Kp + kPlaneSlack;
  l.u_plane = static_cast<int64_t>(p.C) * l.Kp + kPlaneSlack;
  l.u = static_cast<size_t>(l.planes * l.u_plane);
  l.v = static_cast<size_t>(l.planes * l.v_plane);
  l.m = static_cast<size_t>(l.planes * l.m_plane);
  return l;
}

// F(3x3, 3x3) from the points 0, 1, -1, 2 and infinity:
// B^T = [2 -1 -2 1 0; 0 -2 -1 1 0; 0 2 -3 1 0; 0 -1 0 1 0; 0 2 -1 -2 1],
// G = [1/2 0 0; -1/2 -1/2 -1/2; -1/6 1/6 -1/6; 1/6 1/3 2/3; 0 0 1],
// A^T = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 1].
CNN_TILE_INLINE void bt5(const v128_t d[5], v128_t o[5]) {
  const v128_t two = wasm_f32x4_splat(2.0f), three = wasm_f32x4_splat(3.0f);
  const v128_t d31 = wasm_f32x4_sub(d[3], d[1]);
  o[0] = wasm_f32x4_add(wasm_f32x4_mul(two, wasm_f32x4_sub(d[0], d[2])), d31);
  o[1] = wasm_f32x4_sub(wasm_f32x4_sub(d[3], d[2]), wasm_f32x4_mul(two, d[1]));
  o[2] =
      wasm_f32x4_sub(wasm_f32x4_add(d[3], wasm_f32x4_mul(two, d[1])), wasm_f32x4_mul(three, d[2]));
  o[3] = d31;
  o[4] = wasm_f32x4_sub(wasm_f32x4_sub(d[4], wasm_f32x4_mul(two, d31)), d[2]);
}
CNN_TILE_INLINE void g5(const v128_t g[3], v128_t o[5]) {
  const v128_t half = wasm_f32x4_splat(0.5f), sixth = wasm_f32x4_splat(1.0f / 6.0f);
  const v128_t s02 = wasm_f32x4_add(g[0], g[2]);
  o[0] = wasm_f32x4_mul(half, g[0]);
  o[1] = wasm_f32x4_mul(wasm_f32x4_splat(-0.5f), wasm_f32x4_add(s02, g[1]));
  o[2] = wasm_f32x4_mul(sixth, wasm_f32x4_sub(g[1], s02));
  o[3] = wasm_f32x4_mul(sixth, wasm_f32x4_add(wasm_f32x4_add(g[0], wasm_f32x4_add(g[1], g[1])),
                                              wasm_f32x4_mul(wasm_f32x4_splat(4.0f), g[2])));
  o[4] = g[2];
}
CNN_TILE_INLINE void at3(const v128_t m[5], v128_t o[3]) {
  const v128_t s12 = wasm_f32x4_add(m[1], m[2]), d12 = wasm_f32x4_sub(m[1], m[2]);
  o[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], s12), m[3]);
  o[1] = wasm_f32x4_add(d12, wasm_f32x4_add(m[3], m[3]));
  o[2] = wasm_f32x4_add(wasm_f32x4_add(s12, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), m[3])), m[4]);
}

// F(2x2, 3x3)'s B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] on one column or row of d (bt5 for
// F(3x3, 3x3)).
CNN_TILE_INLINE void bt4(const v128_t d[4], v128_t o[4]) {
  o[0] = wasm_f32x4_sub(d[0], d[2]);
  o[1] = wasm_f32x4_add(d[1], d[2]);
  o[2] = wasm_f32x4_sub(d[2], d[1]);
  o[3] = wasm_f32x4_sub(d[1], d[3]);
}

// Step 1 for blocks of S x S output pixels: V[xi][t][c] = (B^T d_t B)[xi] for the N x N inputs d_t
// (N = S + 2; bt4 or bt5, columns then rows), four channels per vector; rows count .. rows-1 are
// zeros.
template <int S>
void transform_input_blocks(const Conv2dParams& p, const Blocks& bl, const float* input, int64_t b0,
                            int count, int rows, int64_t plane, float* v) {
  constexpr int N = S + 2;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < count; ++t) {
    const float* src[N][N];
    block_sources(p, bl.at(b0 + t), input, src);
    float* dst = v + static_cast<int64_t>(t) * p.C;
    for (int c = 0; c < p.C; c += 4) {
      v128_t r[N][N];  // r[y][x] = (B^T d)[y][x]
      for (int x = 0; x < N; ++x) {
        v128_t col[N], out[N];
        for (int y = 0; y < N; ++y) col[y] = src[y][x] ? wasm_v128_load(src[y][x] + c) : zero;
        by_side<S, bt4, bt5>(col, out);
        for (int y = 0; y < N; ++y) r[y][x] = out[y];
      }
      for (int y = 0; y < N; ++y) {  // (B^T d) B
        v128_t out[N];
        by_side<S, bt4, bt5>(r[y], out);
        for (int x = 0; x < N; ++x)
          wasm_v128_store(dst + c + static_cast<int64_t>(y * N + x) * plane, out[x]);
      }
    }
  }
  for (int xi = 0; xi < N * N; ++xi)
    std::fill(v + xi * plane + static_cast<int64_t>(count) * p.C,
              v + xi * plane + static_cast<int64_t>(rows) * p.C, 0.0f);
}

// U[xi][c][k] = (G g G^T)[xi] for g = weight[., ., c, k] (3 x 3, taps 3 * C * K floats apart),
// F(2x2, 3x3)'s G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] or F(3x3, 3x3)'s (g5). Filters
// K..Kp-1 are zero (K is whole vectors).
void transform_filters(const Conv2dParams& p, const Layout& l, const float* weight, float* u) {
  const int64_t tap = static_cast<int64_t>(p.C) * p.K;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int c = 0; c < p.C; ++c) {
    for (int k = 0; k < p.K; k += 4) {
      v128_t g[3][3];
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) {
          g[y][x] = wasm_v128_load(weight + (y * 3 + x) * tap + static_cast<int64_t>(c) * p.K + k);
        }
      if (l.side == 3) {
        v128_t t[5][3];  // G g, then (G g) G^T row by row
        for (int x = 0; x < 3; ++x) {
          const v128_t col[3] = {g[0][x], g[1][x], g[2][x]};
          v128_t out[5];
          g5(col, out);
          for (int y = 0; y < 5; ++y) t[y][x] = out[y];
        }
        for (int y = 0; y < 5; ++y) {
          v128_t row[5];
          g5(t[y], row);
          for (int x = 0; x < 5; ++x)
            wasm_v128_store(u + (y * 5 + x) * l.u_plane + static_cast<int64_t>(c) * l.Kp + k,
                            row[x]);
        }
        continue;
      }
      // Rows: t = G g (4 x 3), then columns: u = t G^T (4 x 4).
      v128_t t[4][3];
      for (int x = 0; x < 3; ++x) {
        const v128_t s = wasm_f32x4_add(g[0][x], g[2][x]);
        t[0][x] = g[0][x];
        t[1][x] = wasm_f32x4_mul(half, wasm_f32x4_add(s, g[1][x]));
        t[2][x] = wasm_f32x4_mul(half, wasm_f32x4_sub(s, g[1][x]));
        t[3][x] = g[2][x];
      }
      for (int y = 0; y < 4; ++y) {
        const v128_t s = wasm_f32x4_add(t[y][0], t[y][2]);
        const v128_t row[4] = {t[y][0], wasm_f32x4_mul(half, wasm_f32x4_add(s, t[y][1])),
                               wasm_f32x4_mul(half, wasm_f32x4_sub(s, t[y][1])), t[y][2]};
        for (int x = 0; x < 4; ++x) {
          wasm_v128_store(u + (y * 4 + x) * l.u_plane + static_cast<int64_t>(c) * l.Kp + k, row[x]);
        }
      }
    }
    for (int xi = 0; xi < l.planes; ++xi) {
      float* dst = u + xi * l.u_plane + static_cast<int64_t>(c) * l.Kp;
      std::fill(dst + p.K, dst + l.Kp, 0.0f);
    }
  }
}

// M[xi] = V[xi] U[xi] for the chunk's rows (a multiple of MR), over the layout's planes.
template <int MR, int NV>
void multiply(const Conv2dParams& p, const Layout& l, const float* u, const float* v, int rows,
              float* m) {
  constexpr int NR = 4 * NV;
  for (int xi = 0; xi < l.planes; ++xi) {
    const float* uxi = u + xi * l.u_plane;
    const float* vxi = v + xi * l.v_plane;
    float* mxi = m + xi * l.m_plane;
    for (int j = 0; j < l.Kp; j += NR)
      for (int t = 0; t < rows; t += MR) {
        Tile<MR, NV> tile;
        const float* a = vxi + static_cast<int64_t>(t) * p.C;
        const float* b = uxi + j;
        for (int c = 0; c < p.C; ++c, b += l.Kp) tile.step(a + c, p.C, b);
        tile.store(mxi + static_cast<int64_t>(t) * l.Kp + j, l.Kp, MR, NR, 1.0f, 0.0f, nullptr,
                   false);
      }
  }
}

// One vector of output pixels: added to what is there (accumulate), then bias and ReLU.
CNN_TILE_INLINE void store_output(float* dst, v128_t o, bool accumulate, bool bias, v128_t bk,
                                  bool relu) {
  if (accumulate) o = wasm_f32x4_add(wasm_v128_load(dst), o);
  if (bias) o = wasm_f32x4_add(o, bk);
  if (relu) o = wasm_f32x4_pmax(o, wasm_f32x4_splat(0.0f));
  wasm_v128_store(dst, o);
}

// F(2x2, 3x3)'s A^T = [1 1 1 0; 0 1 -1 -1] on one column or row of M (at3 for F(3x3, 3x3)).
CNN_TILE_INLINE void at2(const v128_t m[4], v128_t o[2]) {
  o[0] = wasm_f32x4_add(wasm_f32x4_add(m[0], m[1]), m[2]);
  o[1] = wasm_f32x4_sub(wasm_f32x4_sub(m[1], m[2]), m[3]);
}

// Y = A^T M A per block of S x S output pixels (S + 2 planes a side; at2 or at3), then bias and
// ReLU, or added to the output.
template <int S>
void transform_output(const Conv2dParams& p, const Layout& l, const Blocks& bl, const float* m,
                      int64_t b0, int count, const float* bias, bool accumulate, float* output) {
  constexpr int N = S + 2;
  const int64_t plane = l.m_plane;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < count; ++t) {
    const Block blk = bl.at(b0 + t);
    const int64_t n = blk.n;
    const int oy0 = blk.oy, ox0 = blk.ox;
    const int ny = std::min(S, p.OH - oy0), nx = std::min(S, p.OW - ox0);
    const float* src = m + static_cast<int64_t>(t) * l.Kp;
    for (int k = 0; k < p.K; k += 4) {
      v128_t s[S][N];  // A^T M
      for (int x = 0; x < N; ++x) {
        v128_t col[N], out[S];
        for (int y = 0; y < N; ++y) col[y] = wasm_v128_load(src + (y * N + x) * plane + k);
        by_side<S, at2, at3>(col, out);
        for (int y = 0; y < S; ++y) s[y][x] = out[y];
      }
      const v128_t bk = bias ? wasm_v128_load(bias + k) : zero;
      for (int y = 0; y < ny; ++y) {
        v128_t out[S];
        by_side<S, at2, at3>(s[y], out);
        float* row = output + ((n * p.OH + oy0 + y) * p.OW + ox0) * p.K + k;
        for (int x = 0; x < nx; ++x)
          store_output(row + x * p.K, out[x], accumulate, bias != nullptr, bk, p.relu);
      }
    }
  }
}

template <int MR, int NV>
void forward(const Conv2dParams& p, const float* input, const float* weight, const float* bias,
             float* output, float* ws, bool accumulate) {
  const Layout l = layout_of(p);
  const Blocks bl = blocks_of(p, l.side);
  float* u = ws;
  transform_filters(p, l, weight, u);
  const int64_t chunks = (bl.count + l.chunk - 1) / l.chunk;
  const int64_t macs = bl.count * l.planes * p.C * l.Kp;
  const int tasks = im2col::task_count(chunks, macs);
  parallel::for_each(tasks, [&](int task, int slot) {
    int64_t c0, c1;
    parallel::split_range(chunks, tasks, task, &c0, &c1);
    float* v = ws + l.u + slot * (l.v + l.m);
    float* m = v + l.v;
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const int64_t b0 = chunk * l.chunk;
      const int count = static_cast<int>(std::min<int64_t>(l.chunk, bl.count - b0));
      const int rows = (count + MR - 1) / MR * MR;
      transform_input(p, bl, input, b0, count, rows, l.v_plane, v);
      multiply<MR, NV>(p, l, u, v, rows, m);
      if (l.side == 3)
        transform_output<3>(p, l, bl, m, b0, count, bias, accumulate, output);
      else
        transform_output<2>(p, l, bl, m, b0, count, bias, accumulate, output);
    }
  });
}

void run(const Conv2dParams& p, const float* input, const float* weight, const float* bias,
         float* output, float* ws, bool accumulate) {
  if (p.K <= 8)
    forward<4, 2>(p, input, weight, bias, output, ws, accumulate);
  else
    forward<2, 4>(p, input, weight, bias, output, ws, accumulate);
}

}  // namespace

// Block side (winograd_wasmsimd.h): F(3x3, 3x3) when it multiplies less than F(2x2, 3x3), 25
// products per channel pair for a 3 x 3 block against 16 for a 2 x 2 one. That is the case for
// outputs whose sides fill 3 x 3 blocks better, such as keras-book's conv2 (11 x 11: 16 blocks x
// 25 = 400 products against 36 x 16 = 576, forward and backward-weight) and its backward-input
// (13 x 13: 625 against 784). Its transforms round more (the sweep's tolerance still holds with
// room), so the smaller tile is kept where the two tie.
int side_of(const Conv2dParams& p) {
  const Blocks two = blocks_of(p, 2), three = blocks_of(p, 3);
  return three.count * 25 < two.count * 16 ? 3 : 2;
}

void transform_input(const Conv2dParams& p, const Blocks& bl, const float* input, int64_t b0,
                     int count, int rows, int64_t plane, float* v) {
  if (bl.side == 3)
    transform_input_blocks<3>(p, bl, input, b0, count, rows, plane, v);
  else
    transform_input_blocks<2>(p, bl, input, b0, count, rows, plane, v);
}

size_t forward_floats(const Conv2dParams& p) {
  const Layout l = layout_of(p);
  return l.u + (l.v + l.m) * static_cast<size_t>(parallel::threads());
}

}  // namespace winograd

namespace {
// Blocks in the batch below which the GEMM is faster: the filters' transform (and backward-weight's
// zeroing and transform of dU) cost about as much as the products of a few blocks. keras-book's
// conv3 (one block a sample) took 0.047 ms against the GEMM's 0.030 in a single-image prediction,
// and its backward-weight was still slower at 4 blocks.
constexpr int64_t kMinBlocks = 8;
// Products per channel pair for one sample, in the blocks side_of picks.
int64_t winograd_products(const Conv2dParams& p) {
  const winograd::Blocks bl = winograd::blocks_of(p, winograd::side_of(p));
  return static_cast<int64_t>(bl.by) * bl.bx * (bl.side + 2) * (bl.side + 2);
}
// At most 3/4 of the products of the direct convolution (and of the im2col GEMM), which are
// OH * OW * 9 for the forward pass and the same for backward-input.
bool saves_products(int64_t products, const Conv2dParams& p) {
  return products * 4 <= static_cast<int64_t>(p.OH) * p.OW * 9 * 3;
}
}  // namespace

bool conv2d_winograd_fits(const Conv2dParams& p) {
  // Blocks that reach past the output compute pixels that are thrown away (an odd side in 2 x 2
  // blocks, keras-book's conv3, 3 x 3: 4 blocks x 16 = 64 products per channel pair against 81
  // direct), so on a small output the saving may not pay for the transforms. Ask for at most 3/4
  // of the direct products with the blocks side_of picks (conv3 in one 3 x 3 block: 25), and at
  // least kMinBlocks blocks.
  return p.KH == 3 && p.KW == 3 && p.SH == 1 && p.SW == 1 && p.C % 4 == 0 && p.K % 4 == 0 &&
         p.C > 0 && p.K > 0 && p.N > 0 && p.OH > 0 && p.OW > 0 &&
         saves_products(winograd_products(p), p) &&
         winograd::blocks_of(p, winograd::side_of(p)).count >= kMinBlocks;
}

int conv2d_winograd_side(const Conv2dParams& p) { return winograd::side_of(p); }

// Backward-input runs the forward over the whole padded input, whose border the GEMM skips:
// keras-book's conv3 (dY 3 x 3 to dX 5 x 5) takes four 3 x 3 blocks, 100 products against the
// GEMM's 81, and was 1.3x slower; its conv2 (13 x 13, 625 against 1,089) fits.
bool conv2d_winograd_backward_input_fits(const Conv2dParams& p) {
  return conv2d_winograd_fits(p) && p.PT <= 2 && p.PL <= 2 &&
         saves_products(winograd_products(im2col::backward_input_as_forward(p)), p);
}

size_t conv2d_winograd_workspace(const Conv2dParams& p) {
  using winograd::forward_floats;
  size_t floats = std::max(forward_floats(p), winograd::backward_weight_floats(p));
  if (conv2d_winograd_backward_input_fits(p))
    floats = std::max(
        floats, im2col::turned_floats(p) + forward_floats(im2col::backward_input_as_forward(p)));
  return floats;
}

void conv2d_winograd_forward(const Conv2dParams& p, const float* input, const float* weight,
                             const float* bias, float* output, float* workspace) {
  winograd::run(p, input, weight, bias, output, workspace, false);
}

void conv2d_winograd_backward_input(const Conv2dParams& p, const float* doutput,
                                    const float* weight, float* dinput, float* workspace) {
  float* turned = workspace;
  im2col::turn_kernel(p, weight, turned);
  winograd::run(im2col::backward_input_as_forward(p), doutput, turned, nullptr, dinput,
                workspace + im2col::turned_floats(p), true);
}

}  // namespace cnn::kernels::wasmsimd
