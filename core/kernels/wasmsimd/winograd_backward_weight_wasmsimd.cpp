// Backward-weight of the Winograd convolution in wasm SIMD128, on the same blocks as the forward
// pass (F(2x2, 3x3), or F(3x3, 3x3) where it multiplies less: side_of; the forward pass, which
// backward-input runs too, is in winograd_wasmsimd.cpp, and winograd_wasmsimd.h has what they
// share). With M = U (.) V per block, dM = A dY A^T, dU = sum over blocks of dM (.) V, and
// dW = G^T dU G (U = G g G^T). A pass of blocks (pass_blocks) is transformed at a time, V[xi][b][c]
// and D[xi][b][k] = (A dY_b A^T)[xi] (zero filters up to Kp); then one GEMM per plane (16 or 25)
// reduces over the blocks, dU[xi][c][k] = sum_b V[xi][b][c] D[xi][b][k], each task owning whole
// 2 x 16 tiles of dU and running over every block in chunks fixed by the shape (as the direct
// kernel does): the same bits for any thread count.
#include <algorithm>

#include "core/kernels/gemm_blocked.h"
#include "core/kernels/im2col.h"
#include "core/kernels/wasmsimd/tile.h"
#include "core/kernels/wasmsimd/winograd_wasmsimd.h"
#include "core/parallel/thread_pool.h"

namespace cnn::kernels::wasmsimd {
namespace winograd {
namespace {

constexpr int64_t kReduceChunk = 64;  // blocks per partial sum of a dU tile
// Blocks transformed at a time: one reduction chunk per thread, so that the GEMMs read V and D
// (615 kB a chunk for keras-book's conv2) while they are still in cache. Passes of 16 chunks of
// 128 blocks (10 MB) took 3.3 ms a call in Node, passes of one 128-block chunk 3.0 and of one
// 64-block chunk 2.9. Passes hold whole chunks, so the sums depend on neither the pass nor the
// thread count.
int64_t pass_blocks() { return kReduceChunk * parallel::threads(); }

struct WeightLayout {
  int side, planes;  // output block side (2 or 3) and (side + 2)^2 planes
  int Kp;
  int64_t v_plane, d_plane;
  size_t v, d, u;
};
WeightLayout weight_layout_of(const Conv2dParams& p) {
  WeightLayout l{};
  l.side = side_of(p);
  l.planes = (l.side + 2) * (l.side + 2);
  const int64_t blocks = std::min(blocks_of(p, l.side).count, pass_blocks());
  l.Kp = blocked::round_up(p.K, 16);
  l.v_plane = blocks * p.C + kPlaneSlack;
  l.d_plane = blocks * l.Kp + kPlaneSlack;
  l.v = static_cast<size_t>(l.planes * l.v_plane);
  l.d = static_cast<size_t>(l.planes * l.d_plane);
  l.u = static_cast<size_t>(l.planes) * p.C * l.Kp;
  return l;
}

// A (the transpose of the forward's A^T) on one column or row of a block of dY:
// F(2x2, 3x3)'s A = [1 0; 1 1; 1 -1; 0 -1], F(3x3, 3x3)'s [1 0 0; 1 1 1; 1 -1 1; 1 2 4; 0 0 1].
CNN_TILE_INLINE void a2(const v128_t g[2], v128_t o[4]) {
  o[0] = g[0];
  o[1] = wasm_f32x4_add(g[0], g[1]);
  o[2] = wasm_f32x4_sub(g[0], g[1]);
  o[3] = wasm_f32x4_neg(g[1]);
}
CNN_TILE_INLINE void a3(const v128_t g[3], v128_t o[5]) {
  const v128_t s02 = wasm_f32x4_add(g[0], g[2]);
  o[0] = g[0];
  o[1] = wasm_f32x4_add(s02, g[1]);
  o[2] = wasm_f32x4_sub(s02, g[1]);
  o[3] = wasm_f32x4_add(wasm_f32x4_add(g[0], wasm_f32x4_add(g[1], g[1])),
                        wasm_f32x4_mul(wasm_f32x4_splat(4.0f), g[2]));
  o[4] = g[2];
}

// G^T on one column or row of dU: F(2x2, 3x3)'s [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1],
// F(3x3, 3x3)'s [1/2 -1/2 -1/6 1/6 0; 0 -1/2 1/6 1/3 0; 0 -1/2 -1/6 2/3 1].
CNN_TILE_INLINE void gt4(const v128_t m[4], v128_t o[3]) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  const v128_t s = wasm_f32x4_mul(half, wasm_f32x4_add(m[1], m[2]));
  o[0] = wasm_f32x4_add(m[0], s);
  o[1] = wasm_f32x4_mul(half, wasm_f32x4_sub(m[1], m[2]));
  o[2] = wasm_f32x4_add(s, m[3]);
}
CNN_TILE_INLINE void gt5(const v128_t m[5], v128_t o[3]) {
  const v128_t half = wasm_f32x4_splat(0.5f), sixth = wasm_f32x4_splat(1.0f / 6.0f);
  const v128_t h1 = wasm_f32x4_mul(half, m[1]);
  o[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(half, m[0]), h1),
                        wasm_f32x4_mul(sixth, wasm_f32x4_sub(m[3], m[2])));
  o[1] =
      wasm_f32x4_sub(wasm_f32x4_mul(sixth, wasm_f32x4_add(m[2], wasm_f32x4_add(m[3], m[3]))), h1);
  o[2] = wasm_f32x4_add(
      wasm_f32x4_sub(
          wasm_f32x4_mul(sixth, wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_splat(4.0f), m[3]), m[2])),
          h1),
      m[4]);
}

// D[xi][t][k] for the blocks b0 + t, t < count: A dY A^T (a2 or a3, columns then rows) on the
// block's S x S pixels of dY, zero outside the output.
template <int S>
void transform_doutput(const Conv2dParams& p, const WeightLayout& l, const Blocks& bl,
                       const float* doutput, int64_t b0, int count, float* d) {
  constexpr int N = S + 2;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < count; ++t) {
    const Block at = bl.at(b0 + t);
    const float* src[S][S];
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x)
        src[y][x] = at.oy + y < p.OH && at.ox + x < p.OW
                        ? doutput + ((at.n * p.OH + at.oy + y) * p.OW + at.ox + x) * p.K
                        : nullptr;
    float* dst = d + static_cast<int64_t>(t) * l.Kp;
    for (int k = 0; k < p.K; k += 4) {
      v128_t r[N][S];  // A dY
      for (int x = 0; x < S; ++x) {
        v128_t col[S], out[N];
        for (int y = 0; y < S; ++y) col[y] = src[y][x] ? wasm_v128_load(src[y][x] + k) : zero;
        by_side<S, a2, a3>(col, out);
        for (int y = 0; y < N; ++y) r[y][x] = out[y];
      }
      for (int y = 0; y < N; ++y) {  // (A dY) A^T
        v128_t out[N];
        by_side<S, a2, a3>(r[y], out);
        for (int x = 0; x < N; ++x)
          wasm_v128_store(dst + k + static_cast<int64_t>(y * N + x) * l.d_plane, out[x]);
      }
    }
    for (int xi = 0; xi < N * N; ++xi)
      std::fill(dst + xi * l.d_plane + p.K, dst + xi * l.d_plane + l.Kp, 0.0f);
  }
}

// dW[., ., c, k] += G^T dU[., c, k] G (gt4 or gt5, columns then rows), four filters per vector.
template <int S>
void transform_weight_gradient(const Conv2dParams& p, const WeightLayout& l, const float* u,
                               float* dweight) {
  constexpr int N = S + 2;
  const int64_t tap = static_cast<int64_t>(p.C) * p.K, plane = static_cast<int64_t>(p.C) * l.Kp;
  for (int c = 0; c < p.C; ++c)
    for (int k = 0; k < p.K; k += 4) {
      const float* src = u + static_cast<int64_t>(c) * l.Kp + k;
      v128_t r[3][N];  // G^T dU
      for (int x = 0; x < N; ++x) {
        v128_t col[N], out[3];
        for (int y = 0; y < N; ++y) col[y] = wasm_v128_load(src + (y * N + x) * plane);
        by_side<S, gt4, gt5>(col, out);
        for (int y = 0; y < 3; ++y) r[y][x] = out[y];
      }
      for (int y = 0; y < 3; ++y) {  // (G^T dU) G
        v128_t out[3];
        by_side<S, gt4, gt5>(r[y], out);
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
  const Blocks bl = blocks_of(p, l.side);
  float* v = workspace;
  float* d = v + l.v;
  float* u = d + l.d;
  std::fill(u, u + l.u, 0.0f);
  const int c_tiles = p.C / 2, j_tiles = l.Kp / 16, tiles = l.planes * c_tiles * j_tiles;
  const int64_t u_plane = static_cast<int64_t>(p.C) * l.Kp;
  const int64_t pass_size = pass_blocks();
  for (int64_t pass = 0; pass < bl.count; pass += pass_size) {
    const int64_t blocks = std::min(pass_size, bl.count - pass);
    // The transforms, split over blocks (row r of V and D is block pass + r).
    parallel::for_ranges(blocks, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; b += kChunk) {
        const int count = static_cast<int>(std::min<int64_t>(kChunk, b1 - b));
        transform_input(p, bl, input, pass + b, count, count, l.v_plane, v + b * p.C);
        if (l.side == 3)
          transform_doutput<3>(p, l, bl, doutput, pass + b, count, d + b * l.Kp);
        else
          transform_doutput<2>(p, l, bl, doutput, pass + b, count, d + b * l.Kp);
      }
    });
    // dU, tiles of 2 channels x 16 filters, xi-major so a task's tiles share their V and D planes.
    const int64_t macs = blocks * l.planes * p.C * l.Kp;
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
  if (l.side == 3)
    transform_weight_gradient<3>(p, l, u, dweight);
  else
    transform_weight_gradient<2>(p, l, u, dweight);
  if (dbias) im2col::conv2d_bias_gradient(p, doutput, dbias);
}

}  // namespace cnn::kernels::wasmsimd
