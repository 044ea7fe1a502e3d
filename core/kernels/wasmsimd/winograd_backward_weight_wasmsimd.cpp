// Backward-weight of the Winograd F(2x2, 3x3) convolution in wasm SIMD128 (the forward pass, which
// backward-input runs too, is in winograd_wasmsimd.cpp; winograd_wasmsimd.h has what they share).
// With M = U (.) V per block, dM = A dY A^T, dU = sum over blocks of dM (.) V,
// and dW = G^T dU G (U = G g G^T). Up to kPassBlocks blocks are transformed at a time, V[xi][b][c]
// and D[xi][b][k] = (A dY_b A^T)[xi] (zero filters up to Kp); then sixteen GEMMs reduce over the
// blocks, dU[xi][c][k] = sum_b V[xi][b][c] D[xi][b][k], each task owning whole 2 x 16 tiles of
// dU and running over every block in chunks fixed by the shape (as the direct kernel does): the
// same bits for any thread count.
#include <algorithm>

#include "core/kernels/gemm_blocked.h"
#include "core/kernels/im2col.h"
#include "core/kernels/wasmsimd/tile.h"
#include "core/kernels/wasmsimd/winograd_wasmsimd.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::wasmsimd {
namespace winograd {
namespace {

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

}  // namespace

size_t backward_weight_floats(const Conv2dParams& p) {
  const WeightLayout l = weight_layout_of(p);
  return l.v + l.d + l.u;
}

}  // namespace winograd

void conv2d_winograd_backward_weight(const Conv2dParams& p, const float* input,
                                     const float* doutput, float* dweight, float* dbias,
                                     float* workspace) {
  using namespace winograd;
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

}  // namespace cnn::kernels::wasmsimd
