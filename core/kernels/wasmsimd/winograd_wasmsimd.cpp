// Winograd F(2x2, 3x3) convolution in wasm SIMD128 (Lavin & Gray 2015): every 2 x 2 block
// of output pixels comes from a 4 x 4 block of the input in 16 multiply-adds per channel pair
// instead of 36, so a 3 x 3 stride-1 layer with many channels (keras-book's conv2, C = 32,
// K = 64) does 2.25x fewer multiply-adds than the im2col GEMM. Three steps, per chunk of kChunk
// output blocks (which stays in L2):
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
// direct kernel does it). Backward-weight works in the Winograd domain too (below).
#include <algorithm>

#include "core/kernels/gemm_blocked.h"
#include "core/kernels/im2col.h"
#include "core/kernels/wasmsimd/tile.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::wasmsimd {
namespace {

constexpr int kChunk = 32;  // output blocks per chunk: V and M of a chunk are 16 * 32 rows
// The sixteen planes of V and of M are a power of two apart for most layers (32 * 64 floats for
// keras-book's conv2), so the transforms' sixteen reads or writes of one block fell in the same L1
// set and evicted each other; a line of slack between planes spreads them.
constexpr int kPlaneSlack = 16;

// Where a layer's pieces live in the workspace, in floats: [U][per thread: V, M].
struct Layout {
  int Kp;                    // filters padded to whole tiles
  int64_t v_plane, m_plane;  // floats from one xi to the next in V and M
  size_t u, v, m;
};
Layout layout_of(const Conv2dParams& p) {
  Layout l{};
  l.Kp = blocked::round_up(p.K, p.K <= 8 ? 8 : 16);
  l.v_plane = static_cast<int64_t>(kChunk) * p.C + kPlaneSlack;
  l.m_plane = static_cast<int64_t>(kChunk) * l.Kp + kPlaneSlack;
  l.u = static_cast<size_t>(16) * p.C * l.Kp;
  l.v = static_cast<size_t>(16 * l.v_plane);
  l.m = static_cast<size_t>(16 * l.m_plane);
  return l;
}

size_t forward_floats(const Conv2dParams& p) {
  const Layout l = layout_of(p);
  return l.u + (l.v + l.m) * static_cast<size_t>(parallel::threads());
}

// U[xi][c][k] = (G g G^T)[xi] for g = weight[., ., c, k] (3 x 3, taps 3 * C * K floats apart),
// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. Filters K..Kp-1 are zero (K is whole vectors).
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
          wasm_v128_store(u + (static_cast<int64_t>(y * 4 + x) * p.C + c) * l.Kp + k, row[x]);
        }
      }
    }
    for (int xi = 0; xi < 16; ++xi) {
      float* dst = u + (static_cast<int64_t>(xi) * p.C + c) * l.Kp;
      std::fill(dst + p.K, dst + l.Kp, 0.0f);
    }
  }
}

// A block of the batch: its sample and its top-left output pixel.
struct Block {
  int64_t n;
  int oy, ox;
};
struct Blocks {
  int by, bx;  // blocks per column and per row of a sample
  int64_t count;
  // Blocks run sample by sample, row by row.
  Block at(int64_t b) const {
    const int64_t per_sample = static_cast<int64_t>(by) * bx;
    const int rest = static_cast<int>(b % per_sample);
    return {b / per_sample, rest / bx * 2, rest % bx * 2};
  }
};
Blocks blocks_of(const Conv2dParams& p) {
  const int by = (p.OH + 1) / 2, bx = (p.OW + 1) / 2;
  return {by, bx, static_cast<int64_t>(p.N) * by * bx};
}

// V[xi][t][c] for the blocks b0 .. b0 + count - 1 (xi planes `plane` floats apart); rows
// count .. rows-1 are zeros.
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
void transform_input(const Conv2dParams& p, const Blocks& bl, const float* input, int64_t b0,
                     int count, int rows, int64_t plane, float* v) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < count; ++t) {
    const Block at = bl.at(b0 + t);
    const int64_t n = at.n;
    const int iy0 = at.oy - p.PT, ix0 = at.ox - p.PL;
    const float* src[4][4];
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        const int iy = iy0 + y, ix = ix0 + x;
        src[y][x] = iy >= 0 && iy < p.H && ix >= 0 && ix < p.W
                        ? input + ((n * p.H + iy) * p.W + ix) * p.C
                        : nullptr;
      }
    float* dst = v + static_cast<int64_t>(t) * p.C;
    for (int c = 0; c < p.C; c += 4) {
      v128_t d[4][4];
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) d[y][x] = src[y][x] ? wasm_v128_load(src[y][x] + c) : zero;
      v128_t r[4][4];  // B^T d
      for (int x = 0; x < 4; ++x) {
        r[0][x] = wasm_f32x4_sub(d[0][x], d[2][x]);
        r[1][x] = wasm_f32x4_add(d[1][x], d[2][x]);
        r[2][x] = wasm_f32x4_sub(d[2][x], d[1][x]);
        r[3][x] = wasm_f32x4_sub(d[1][x], d[3][x]);
      }
      for (int y = 0; y < 4; ++y) {  // (B^T d) B
        float* row = dst + c + static_cast<int64_t>(y * 4) * plane;
        wasm_v128_store(row, wasm_f32x4_sub(r[y][0], r[y][2]));
        wasm_v128_store(row + plane, wasm_f32x4_add(r[y][1], r[y][2]));
        wasm_v128_store(row + 2 * plane, wasm_f32x4_sub(r[y][2], r[y][1]));
        wasm_v128_store(row + 3 * plane, wasm_f32x4_sub(r[y][1], r[y][3]));
      }
    }
  }
  for (int xi = 0; xi < 16; ++xi)
    std::fill(v + xi * plane + static_cast<int64_t>(count) * p.C,
              v + xi * plane + static_cast<int64_t>(rows) * p.C, 0.0f);
}

// M[xi] = V[xi] U[xi] for the chunk's rows (a multiple of MR).
template <int MR, int NV>
void multiply(const Conv2dParams& p, const Layout& l, const float* u, const float* v, int rows,
              float* m) {
  constexpr int NR = 4 * NV;
  for (int xi = 0; xi < 16; ++xi) {
    const float* uxi = u + static_cast<int64_t>(xi) * p.C * l.Kp;
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

// Y = A^T M A per block, A^T = [1 1 1 0; 0 1 -1 -1], then bias and ReLU, or added to the output.
void transform_output(const Conv2dParams& p, const Layout& l, const Blocks& bl, const float* m,
                      int64_t b0, int count, const float* bias, bool accumulate, float* output) {
  const int64_t plane = l.m_plane;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < count; ++t) {
    const Block at = bl.at(b0 + t);
    const int64_t n = at.n;
    const int oy0 = at.oy, ox0 = at.ox;
    const int ny = std::min(2, p.OH - oy0), nx = std::min(2, p.OW - ox0);
    const float* src = m + static_cast<int64_t>(t) * l.Kp;
    for (int k = 0; k < p.K; k += 4) {
      v128_t s[2][4];  // A^T M
      for (int x = 0; x < 4; ++x) {
        const v128_t m0 = wasm_v128_load(src + x * plane + k);
        const v128_t m1 = wasm_v128_load(src + (4 + x) * plane + k);
        const v128_t m2 = wasm_v128_load(src + (8 + x) * plane + k);
        const v128_t m3 = wasm_v128_load(src + (12 + x) * plane + k);
        s[0][x] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
        s[1][x] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
      }
      const v128_t bk = bias ? wasm_v128_load(bias + k) : zero;
      for (int y = 0; y < ny; ++y) {
        const v128_t out[2] = {wasm_f32x4_add(wasm_f32x4_add(s[y][0], s[y][1]), s[y][2]),
                               wasm_f32x4_sub(wasm_f32x4_sub(s[y][1], s[y][2]), s[y][3])};
        float* row = output + ((n * p.OH + oy0 + y) * p.OW + ox0) * p.K + k;
        for (int x = 0; x < nx; ++x) {
          v128_t o = out[x];
          if (accumulate) o = wasm_f32x4_add(wasm_v128_load(row + x * p.K), o);
          if (bias) o = wasm_f32x4_add(o, bk);
          if (p.relu) o = wasm_f32x4_pmax(o, zero);
          wasm_v128_store(row + x * p.K, o);
        }
      }
    }
  }
}

template <int MR, int NV>
void forward(const Conv2dParams& p, const float* input, const float* weight, const float* bias,
             float* output, float* ws, bool accumulate) {
  const Layout l = layout_of(p);
  const Blocks bl = blocks_of(p);
  float* u = ws;
  transform_filters(p, l, weight, u);
  const int64_t chunks = (bl.count + kChunk - 1) / kChunk;
  const int64_t macs = bl.count * 16 * p.C * l.Kp;
  const int tasks = im2col::task_count(chunks, macs);
  parallel::for_each(tasks, [&](int task, int slot) {
    int64_t c0, c1;
    parallel::split_range(chunks, tasks, task, &c0, &c1);
    float* v = ws + l.u + slot * (l.v + l.m);
    float* m = v + l.v;
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const int64_t b0 = chunk * kChunk;
      const int count = static_cast<int>(std::min<int64_t>(kChunk, bl.count - b0));
      const int rows = (count + MR - 1) / MR * MR;
      transform_input(p, bl, input, b0, count, rows, l.v_plane, v);
      multiply<MR, NV>(p, l, u, v, rows, m);
      transform_output(p, l, bl, m, b0, count, bias, accumulate, output);
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

// Backward-weight. With M = U (.) V per block, dM = A dY A^T, dU = sum over blocks of dM (.) V,
// and dW = G^T dU G (U = G g G^T). Up to kPassBlocks blocks are transformed at a time, V[xi][b][c]
// and D[xi][b][k] = (A dY_b A^T)[xi] (zero filters up to Kp); then sixteen GEMMs reduce over the
// blocks, dU[xi][c][k] = sum_b V[xi][b][c] D[xi][b][k], each task owning whole 2 x 16 tiles of
// dU and running over every block in chunks fixed by the shape (as the direct kernel does): the
// same bits for any thread count.
constexpr int64_t kReduceChunk = 128;  // blocks per partial sum of a dU tile
// Blocks transformed at a time (a multiple of kReduceChunk, so the sums do not depend on it): 12 MB
// of V and D for keras-book's conv2 whatever the batch.
constexpr int64_t kPassBlocks = 16 * kReduceChunk;

struct WeightLayout {
  int Kp;
  int64_t v_plane, d_plane;
  size_t v, d, u;
};
WeightLayout weight_layout_of(const Conv2dParams& p) {
  WeightLayout l{};
  const int64_t blocks = std::min(blocks_of(p).count, kPassBlocks);
  l.Kp = blocked::round_up(p.K, 16);
  l.v_plane = blocks * p.C + kPlaneSlack;
  l.d_plane = blocks * l.Kp + kPlaneSlack;
  l.v = static_cast<size_t>(16 * l.v_plane);
  l.d = static_cast<size_t>(16 * l.d_plane);
  l.u = static_cast<size_t>(16) * p.C * l.Kp;
  return l;
}

// D[xi][t][k] for the blocks b0 + t, t < count: A dY A^T, A = [1 0; 1 1; 1 -1; 0 -1], with dY
// zero outside the output.
void transform_doutput(const Conv2dParams& p, const WeightLayout& l, const Blocks& bl,
                       const float* doutput, int64_t b0, int count, float* d) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < count; ++t) {
    const Block at = bl.at(b0 + t);
    const int64_t n = at.n;
    const int oy0 = at.oy, ox0 = at.ox;
    const float* src[2][2];
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x)
        src[y][x] = oy0 + y < p.OH && ox0 + x < p.OW
                        ? doutput + ((n * p.OH + oy0 + y) * p.OW + ox0 + x) * p.K
                        : nullptr;
    float* dst = d + static_cast<int64_t>(t) * l.Kp;
    for (int k = 0; k < p.K; k += 4) {
      v128_t g[2][2];
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) g[y][x] = src[y][x] ? wasm_v128_load(src[y][x] + k) : zero;
      v128_t r[4][2];  // A dY
      for (int x = 0; x < 2; ++x) {
        r[0][x] = g[0][x];
        r[1][x] = wasm_f32x4_add(g[0][x], g[1][x]);
        r[2][x] = wasm_f32x4_sub(g[0][x], g[1][x]);
        r[3][x] = wasm_f32x4_neg(g[1][x]);
      }
      for (int y = 0; y < 4; ++y) {  // (A dY) A^T
        float* row = dst + k + static_cast<int64_t>(y * 4) * l.d_plane;
        wasm_v128_store(row, r[y][0]);
        wasm_v128_store(row + l.d_plane, wasm_f32x4_add(r[y][0], r[y][1]));
        wasm_v128_store(row + 2 * l.d_plane, wasm_f32x4_sub(r[y][0], r[y][1]));
        wasm_v128_store(row + 3 * l.d_plane, wasm_f32x4_neg(r[y][1]));
      }
    }
    for (int xi = 0; xi < 16; ++xi)
      std::fill(dst + xi * l.d_plane + p.K, dst + xi * l.d_plane + l.Kp, 0.0f);
  }
}

// dW[., ., c, k] += G^T dU[., c, k] G, four filters per vector.
void transform_weight_gradient(const Conv2dParams& p, const WeightLayout& l, const float* u,
                               float* dweight) {
  const int64_t tap = static_cast<int64_t>(p.C) * p.K, plane = static_cast<int64_t>(p.C) * l.Kp;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int c = 0; c < p.C; ++c)
    for (int k = 0; k < p.K; k += 4) {
      v128_t m[4][4];
      for (int xi = 0; xi < 16; ++xi)
        m[xi / 4][xi % 4] = wasm_v128_load(u + xi * plane + static_cast<int64_t>(c) * l.Kp + k);
      // G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1]: rows, then columns.
      v128_t r[3][4];
      for (int x = 0; x < 4; ++x) {
        const v128_t s = wasm_f32x4_mul(half, wasm_f32x4_add(m[1][x], m[2][x]));
        r[0][x] = wasm_f32x4_add(m[0][x], s);
        r[1][x] = wasm_f32x4_mul(half, wasm_f32x4_sub(m[1][x], m[2][x]));
        r[2][x] = wasm_f32x4_add(s, m[3][x]);
      }
      for (int y = 0; y < 3; ++y) {
        const v128_t s = wasm_f32x4_mul(half, wasm_f32x4_add(r[y][1], r[y][2]));
        const v128_t out[3] = {wasm_f32x4_add(r[y][0], s),
                               wasm_f32x4_mul(half, wasm_f32x4_sub(r[y][1], r[y][2])),
                               wasm_f32x4_add(s, r[y][3])};
        for (int x = 0; x < 3; ++x) {
          float* dst = dweight + (y * 3 + x) * tap + static_cast<int64_t>(c) * p.K + k;
          wasm_v128_store(dst, wasm_f32x4_add(wasm_v128_load(dst), out[x]));
        }
      }
    }
}

size_t backward_weight_floats(const Conv2dParams& p) {
  const WeightLayout l = weight_layout_of(p);
  return l.v + l.d + l.u;
}

}  // namespace

bool conv2d_winograd_fits(const Conv2dParams& p) {
  if (!(p.KH == 3 && p.KW == 3 && p.SH == 1 && p.SW == 1 && p.C % 4 == 0 && p.K % 4 == 0 &&
        p.C > 0 && p.K > 0 && p.N > 0 && p.OH > 0 && p.OW > 0))
    return false;
  // An odd output side computes a row or column of blocks half outside it: on a small output
  // (keras-book's conv3, 3 x 3 in 2 x 2 blocks: 64 products per channel pair against 81) the
  // saving does not pay for the transforms. Ask for at most 3/4 of the direct products.
  const int64_t blocks = static_cast<int64_t>((p.OH + 1) / 2) * ((p.OW + 1) / 2);
  return blocks * 16 * 4 <= static_cast<int64_t>(p.OH) * p.OW * 9 * 3;
}

bool conv2d_winograd_backward_input_fits(const Conv2dParams& p) {
  return conv2d_winograd_fits(p) && p.PT <= 2 && p.PL <= 2;
}

size_t conv2d_winograd_workspace(const Conv2dParams& p) {
  size_t floats = std::max(forward_floats(p), backward_weight_floats(p));
  if (conv2d_winograd_backward_input_fits(p))
    floats = std::max(
        floats, im2col::turned_floats(p) + forward_floats(im2col::backward_input_as_forward(p)));
  return floats;
}

void conv2d_winograd_forward(const Conv2dParams& p, const float* input, const float* weight,
                             const float* bias, float* output, float* workspace) {
  run(p, input, weight, bias, output, workspace, false);
}

void conv2d_winograd_backward_weight(const Conv2dParams& p, const float* input,
                                     const float* doutput, float* dweight, float* dbias,
                                     float* workspace) {
  const WeightLayout l = weight_layout_of(p);
  const Blocks bl = blocks_of(p);
  float* v = workspace;
  float* d = v + l.v;
  float* u = d + l.d;
  std::fill(u, u + l.u, 0.0f);
  const int c_tiles = p.C / 2, j_tiles = l.Kp / 16, tiles = 16 * c_tiles * j_tiles;
  const int64_t u_plane = static_cast<int64_t>(p.C) * l.Kp;
  for (int64_t pass = 0; pass < bl.count; pass += kPassBlocks) {
    const int64_t blocks = std::min(kPassBlocks, bl.count - pass);
    // The transforms, split over blocks (row r of V and D is block pass + r).
    parallel::for_ranges(blocks, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b += kChunk) {
        const int count = static_cast<int>(std::min<int64_t>(kChunk, b1 - b));
        transform_input(p, bl, input, pass + b, count, count, l.v_plane, v + b * p.C);
        transform_doutput(p, l, bl, doutput, pass + b, count, d + b * l.Kp);
      }
    });
    // dU, tiles of 2 channels x 16 filters, xi-major so a task's tiles share their V and D planes.
    const int64_t macs = blocks * 16 * p.C * l.Kp;
    const int tasks = im2col::task_count(tiles, macs);
    parallel::for_each(tasks, [&](int task, int) {
      int64_t tile0, tile1;
      parallel::split_range(tiles, tasks, task, &tile0, &tile1);
      for (int64_t r0 = 0; r0 < blocks; r0 += kReduceChunk) {
        const int64_t r1 = std::min(blocks, r0 + kReduceChunk);
        for (int64_t tile = tile0; tile < tile1; ++tile) {
          const int xi = static_cast<int>(tile / (c_tiles * j_tiles));
          const int rest = static_cast<int>(tile % (c_tiles * j_tiles));
          const int j = rest % j_tiles * 16, c = rest / j_tiles * 2;
          const float* a = v + xi * l.v_plane + r0 * p.C + c;
          const float* b = d + xi * l.d_plane + r0 * l.Kp + j;
          Tile<2, 4> t;
          for (int64_t r = r0; r < r1; ++r, a += p.C, b += l.Kp) t.step(a, 1, b);
          t.store(u + xi * u_plane + static_cast<int64_t>(c) * l.Kp + j, l.Kp, 2, 16, 1.0f, 1.0f,
                  nullptr, false);
        }
      }
    });
  }
  transform_weight_gradient(p, l, u, dweight);
  if (dbias) im2col::conv2d_bias_gradient(p, doutput, dbias);
}

void conv2d_winograd_backward_input(const Conv2dParams& p, const float* doutput,
                                    const float* weight, float* dinput, float* workspace) {
  float* turned = workspace;
  im2col::turn_kernel(p, weight, turned);
  run(im2col::backward_input_as_forward(p), doutput, turned, nullptr, dinput,
      workspace + im2col::turned_floats(p), true);
}

}  // namespace cnn::kernels::wasmsimd
