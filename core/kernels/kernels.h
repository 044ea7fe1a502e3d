// The kernel interface: plain free functions over raw float pointers plus a small params struct.
// Kernels never allocate, never throw and never read outside the buffers their shape describes;
// a kernel that needs scratch memory states how much (`*_workspace`) and takes it as an argument.
// Backward kernels ACCUMULATE (+=) into dinput/dweight/dbias; the caller zeroes them first (llm.c).
//
// Shape letters, fixed for the whole core (NHWC activations, see core/tensor/tensor.h):
//   N batch, H/W input height/width, C input channels, K output channels (filters),
//   KH/KW kernel height/width, SH/SW strides, PT/PL padding top/left (bottom/right follow from the
//   output size), OH/OW output height/width. Conv weights are [KH, KW, C, K], dense [IN, OUT].
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnn::kernels {

struct Conv2dParams {
  int N, H, W, C, K;
  int KH, KW, SH, SW;
  int PT, PL;  // top/left padding; zero padding beyond the input on every side
  int OH, OW;
  bool relu = false;  // forward only: y = max(0, conv + bias), fused into the output store
};

struct Pool2dParams {
  int N, H, W, C;
  int KH, KW, SH, SW;
  int PT, PL;
  int OH, OW;
};

// LRN across channels, as tf.nn.local_response_normalization:
//   sqr_sum[i, c] = sum_{c' = c - R .. c + R} x[i, c']^2
//   y[i, c] = x[i, c] / (bias + alpha * sqr_sum[i, c])^beta
struct LrnParams {
  int64_t rows;  // N * H * W
  int C, radius;
  float bias, alpha, beta;
};

// C[M x N] = alpha * op(A) * op(B) + beta * C, row-major, op = transpose when ta/tb.
// op(A) is M x K (A is K x M when ta), op(B) is K x N (B is N x K when tb).
struct GemmParams {
  bool ta, tb;
  int M, N, K;
  int lda, ldb, ldc;
  float alpha, beta;
  // Epilogue applied as C is stored: C[i, j] += bias[j] (when not null), then max(0, C) when relu.
  const float* bias = nullptr;
  bool relu = false;
};

enum class Activation { kLinear, kRelu, kTanh, kSigmoid, kSoftmax };

namespace ref {

void gemm(const GemmParams& p, const float* A, const float* B, float* C);

// Direct convolution (the definition). bias may be null.
void conv2d_forward(const Conv2dParams& p, const float* input, const float* weight,
                    const float* bias, float* output);
void conv2d_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                           float* dinput);
// dbias may be null.
void conv2d_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                            float* dweight, float* dbias);

// y[N, OUT] = x[N, IN] * W[IN, OUT] + b[OUT], then max(0, y) when relu; bias may be null.
void dense_forward(int N, int IN, int OUT, const float* x, const float* weight, const float* bias,
                   float* y, bool relu = false);
void dense_backward_input(int N, int IN, int OUT, const float* dy, const float* weight, float* dx);
void dense_backward_weight(int N, int IN, int OUT, const float* x, const float* dy, float* dweight,
                           float* dbias);

// Max pooling over windows clipped to the input (padding never wins). argmax[o] holds the flat
// input index (within the sample) that produced output o; backward routes dy there.
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax);
void maxpool2d_backward(const Pool2dParams& p, const float* doutput, const int32_t* argmax,
                        float* dinput);
// Average over the window clipped to the input (padding not counted, as TensorFlow).
void avgpool2d_forward(const Pool2dParams& p, const float* input, float* output);
void avgpool2d_backward(const Pool2dParams& p, const float* doutput, float* dinput);

// scale[i, c] = bias + alpha * sqr_sum[i, c] is kept for the backward pass.
void lrn_forward(const LrnParams& p, const float* input, float* output, float* scale);
void lrn_backward(const LrnParams& p, const float* input, const float* scale, const float* doutput,
                  float* dinput);

// Elementwise activation over n values (softmax over rows of `cols`). Backward uses the output y.
void activation_forward(Activation a, int64_t n, int cols, const float* x, float* y);
void activation_backward(Activation a, int64_t n, int cols, const float* y, const float* dy,
                         float* dx);
// The same gradient written, not accumulated: dz = act'(y) * dy (one pass, no zeroing first).
void activation_gradient(Activation a, int64_t n, int cols, const float* y, const float* dy,
                         float* dz);

// Softmax + categorical cross-entropy over logits[N, C] with integer labels, numerically stable.
// Writes probs[N, C]; returns the mean loss. dlogits (may be null) gets (probs - onehot) * scale.
double softmax_cross_entropy(int N, int C, const float* logits, const uint8_t* labels, float* probs,
                             float* dlogits, float scale);

}  // namespace ref

// Fast variants in portable C++: im2col + the packed GEMM with a micro-kernel the compiler
// vectorises for any target. Same function as ref within fp32 reordering error.
namespace generic {

// Packing buffers the GEMM needs, in floats (kernels never allocate).
size_t gemm_workspace(const GemmParams& p);
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace);

// Max pooling forward for any shape, vectorised over channels by the compiler. Same outputs and
// argmax as ref.
bool maxpool2d_fits(const Pool2dParams& p);
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax);

}  // namespace generic

// wasm SIMD128 (wasm_simd128.h; SIMDe natively): the GEMM driver with a 2 x 16 vector micro-kernel.
namespace wasmsimd {

size_t gemm_workspace(const GemmParams& p);
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace);

// Max pooling forward over 4 channels at a time; envelope C % 4 == 0. Same outputs and argmax as
// ref.
bool maxpool2d_fits(const Pool2dParams& p);
void maxpool2d_forward(const Pool2dParams& p, const float* input, float* output, int32_t* argmax);

// Direct (implicit-GEMM) convolution forward: the tile reads the receptive fields in the input
// (a zero-framed copy when padded) instead of an im2col copy. Envelope: C <= 8, not 1x1
// stride-1 unpadded, and a patch KH*KW*C of at most one GEMM depth block (384); there it gives
// bitwise the output of the im2col wasmsimd path.
bool conv2d_direct_fits(const Conv2dParams& p);
size_t conv2d_direct_workspace(const Conv2dParams& p);
void conv2d_direct_forward(const Conv2dParams& p, const float* input, const float* weight,
                           const float* bias, float* output, float* workspace);
// Direct backward-input at stride 1, as a forward convolution of dY by the kernel turned half a
// turn, adding into dX. Envelope: stride 1, padding below the kernel size.
bool conv2d_direct_backward_input_fits(const Conv2dParams& p);
void conv2d_direct_backward_input(const Conv2dParams& p, const float* doutput, const float* weight,
                                  float* dinput, float* workspace);
// Direct backward-weight over the same framed input, with its own summation order (chunks of
// output rows, fixed by the shape): within ref's tolerance, the same bits for any thread count.
// Envelope: K a multiple of 8 (the tile's filters are whole vectors of dY).
bool conv2d_direct_backward_weight_fits(const Conv2dParams& p);
void conv2d_direct_backward_weight(const Conv2dParams& p, const float* input, const float* doutput,
                                   float* dweight, float* dbias, float* workspace);

// Winograd forward: F(2x2, 3x3), 16 multiply-adds per 2 x 2 output block and channel pair instead
// of 36, or F(3x3, 3x3), 25 per 3 x 3 block instead of 81, whichever multiplies less for the
// output's size (conv2d_winograd_side). Envelope: 3x3, stride 1, C and K multiples of 4, an output
// whose blocks of that side need at most 3/4 of the direct products. Within ref's tolerance; the
// same bits for any thread count. Backward-input at stride 1 with padding <= 2 is the same kernel
// on dY (adding into dX).
bool conv2d_winograd_fits(const Conv2dParams& p);
// The forward's and backward-weight's output block side for this shape: 2 or 3.
int conv2d_winograd_side(const Conv2dParams& p);
bool conv2d_winograd_backward_input_fits(const Conv2dParams& p);
size_t conv2d_winograd_workspace(const Conv2dParams& p);
void conv2d_winograd_forward(const Conv2dParams& p, const float* input, const float* weight,
                             const float* bias, float* output, float* workspace);
void conv2d_winograd_backward_input(const Conv2dParams& p, const float* doutput,
                                    const float* weight, float* dinput, float* workspace);
// Backward-weight in the Winograd domain (wherever the forward fits, on the forward's blocks):
// dW = G^T (sum over blocks of (A dY A^T) (.) V) G, the sum in chunks of blocks fixed by the shape
// (the same bits for any thread count).
void conv2d_winograd_backward_weight(const Conv2dParams& p, const float* input,
                                     const float* doutput, float* dweight, float* dbias,
                                     float* workspace);

}  // namespace wasmsimd

// x86-64 AVX2 + FMA (6 x 16 tile) and AVX-512F (8 x 32 tile) micro-kernels over the packed GEMM
// driver, chosen at run time: callers check supported() (the CPU and OS have the ISA) first.
// Compiled everywhere; off x86 supported() is false and the GEMM is generic's.
namespace avx2 {

bool supported();
size_t gemm_workspace(const GemmParams& p);
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace);

}  // namespace avx2

namespace avx512 {

bool supported();
size_t gemm_workspace(const GemmParams& p);
void gemm_ws(const GemmParams& p, const float* A, const float* B, float* C, float* workspace);

}  // namespace avx512

}  // namespace cnn::kernels
