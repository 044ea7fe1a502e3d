// The pieces of the wasm SIMD128 Winograd convolution that its forward pass (winograd_wasmsimd.cpp)
// and backward-weight pass (winograd_backward_weight_wasmsimd.cpp) share: the choice between
// F(2x2, 3x3) and F(3x3, 3x3), the blocks of output pixels, the input transform and the workspace
// sizes. Internal to core/kernels/wasmsimd.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/kernels.h"

namespace cnn::kernels::wasmsimd::winograd {

constexpr int kChunk = 32;  // output blocks per chunk: V and M of a chunk are 16 * 32 rows
// The planes of U, V and M are a power of two apart for most layers (32 * 64 floats for
// keras-book's conv2), so the transforms' sixteen (or twenty-five) reads or writes of one block or
// filter fell in the same L1 set and evicted each other; a line of slack between planes spreads
// them. (Without it in U, the filter transform took 38 % of a keras-book single-image prediction
// with F(3x3, 3x3) blocks.)
constexpr int kPlaneSlack = 16;

// A block of the batch: its sample and its top-left output pixel.
struct Block {
  int64_t n;
  int oy, ox;
};
struct Blocks {
  int by, bx;  // blocks per column and per row of a sample
  int64_t count;
  int side;  // output pixels per block side: 2 for F(2x2, 3x3), 3 for F(3x3, 3x3)
  // Blocks run sample by sample, row by row.
  Block at(int64_t b) const {
    const int64_t per_sample = static_cast<int64_t>(by) * bx;
    const int rest = static_cast<int>(b % per_sample);
    return {b / per_sample, rest / bx * side, rest % bx * side};
  }
};
inline Blocks blocks_of(const Conv2dParams& p, int side = 2) {
  const int by = (p.OH + side - 1) / side, bx = (p.OW + side - 1) / side;
  return {by, bx, static_cast<int64_t>(p.N) * by * bx, side};
}

// The output block side both passes use for a layer: 3 for F(3x3, 3x3) where it multiplies less
// than F(2x2, 3x3), else 2.
int side_of(const Conv2dParams& p);

// V[xi][t][c] = (B^T d_t B)[xi] for the blocks b0 .. b0 + count - 1 of side bl.side, on their
// (side + 2)^2 input pixels (xi planes `plane` floats apart); rows count .. rows-1 are zeros.
void transform_input(const Conv2dParams& p, const Blocks& bl, const float* input, int64_t b0,
                     int count, int rows, int64_t plane, float* v);

// One step of a transform in its F(2x2, 3x3) or F(3x3, 3x3) form (S = 2 or 3), picked at compile
// time: by_side<S, at2, at3>(in, out).
template <int S, auto Two, auto Three, class... Args>
__attribute__((always_inline)) inline void by_side(Args... args) {
  if constexpr (S == 2)
    Two(args...);
  else
    Three(args...);
}

// Floats of workspace each pass needs.
size_t forward_floats(const Conv2dParams& p);
size_t backward_weight_floats(const Conv2dParams& p);

}  // namespace cnn::kernels::wasmsimd::winograd
