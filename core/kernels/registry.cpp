// The variant tables. ref adapters drop the workspace argument the ref kernels do not need.
#include "core/kernels/registry.h"

#include <algorithm>

#include "core/kernels/im2col.h"

namespace cnn::kernels {
namespace {

// The fastest variant is listed last. In wasm that is the SIMD128 direct convolution where it fits
// (few input channels), then the SIMD128 im2col kernel; natively the SIMD128
// kernels run on SIMDe's emulation, which is slower than the portable kernels the compiler
// vectorises, so there the portable ones come next, then the x86 ISA kernels, which fit only when
// the CPU has their ISA (so the dispatcher falls back to generic on an older CPU). The x86 ones
// are not listed in wasm at all (they would only be generic again).
#if defined(__wasm_simd128__)
constexpr bool kWasm = true;
#else
constexpr bool kWasm = false;
#endif

std::string& preference() {
  static std::string name;
  return name;
}

size_t no_conv_ws(const Conv2dParams&) { return 0; }
size_t no_dense_ws(int, int, int) { return 0; }
bool any_conv(const Conv2dParams&) { return true; }
bool any_dense(int, int, int) { return true; }
bool any_gemm(const GemmParams&) { return true; }
bool always() { return true; }

const Conv2dVariant kConvRef = {
    "ref",
    any_conv,
    no_conv_ws,
    [](const Conv2dParams& p, const float* x, const float* w, const float* b, float* y, float*) {
      ref::conv2d_forward(p, x, w, b, y);
    },
    [](const Conv2dParams& p, const float* dy, const float* w, float* dx, float*) {
      ref::conv2d_backward_input(p, dy, w, dx);
    },
    [](const Conv2dParams& p, const float* x, const float* dy, float* dw, float* db, float*) {
      ref::conv2d_backward_weight(p, x, dy, dw, db);
    },
};

// Conv and dense variants built from an ISA's GEMM through the im2col drivers.
template <im2col::GemmFn Gemm, im2col::GemmWorkspaceFn Workspace, bool (*Supported)() = always>
struct Im2col {
  static bool conv_fits(const Conv2dParams&) { return Supported(); }
  static bool dense_fits(int, int, int) { return Supported(); }
  static size_t conv_ws(const Conv2dParams& p) { return im2col::conv2d_workspace(p, Workspace); }
  static void conv_forward(const Conv2dParams& p, const float* x, const float* w, const float* b,
                           float* y, float* ws) {
    im2col::conv2d_forward(p, x, w, b, y, ws, Gemm, Workspace);
  }
  static void conv_backward_input(const Conv2dParams& p, const float* dy, const float* w, float* dx,
                                  float* ws) {
    im2col::conv2d_backward_input(p, dy, w, dx, ws, Gemm, Workspace);
  }
  static void conv_backward_weight(const Conv2dParams& p, const float* x, const float* dy,
                                   float* dw, float* db, float* ws) {
    im2col::conv2d_backward_weight(p, x, dy, dw, db, ws, Gemm, Workspace);
  }
  static size_t dense_ws(int N, int IN, int OUT) {
    return im2col::dense_workspace(N, IN, OUT, Workspace);
  }
  static void dense_forward(int N, int IN, int OUT, const float* x, const float* w, const float* b,
                            float* y, bool relu, float* ws) {
    im2col::dense_forward(N, IN, OUT, x, w, b, y, relu, ws, Gemm, Workspace);
  }
  static void dense_backward_input(int N, int IN, int OUT, const float* dy, const float* w,
                                   float* dx, float* ws) {
    im2col::dense_backward_input(N, IN, OUT, dy, w, dx, ws, Gemm, Workspace);
  }
  static void dense_backward_weight(int N, int IN, int OUT, const float* x, const float* dy,
                                    float* dw, float* db, float* ws) {
    im2col::dense_backward_weight(N, IN, OUT, x, dy, dw, db, ws, Gemm, Workspace);
  }
  static Conv2dVariant conv(const char* name) {
    return {name, conv_fits, conv_ws, conv_forward, conv_backward_input, conv_backward_weight};
  }
  static DenseVariant dense(const char* name) {
    return {name, dense_fits, dense_ws, dense_forward, dense_backward_input, dense_backward_weight};
  }
};

using GenericIm2col = Im2col<generic::gemm_ws, generic::gemm_workspace>;
using WasmSimdIm2col = Im2col<wasmsimd::gemm_ws, wasmsimd::gemm_workspace>;
using Avx2Im2col = Im2col<avx2::gemm_ws, avx2::gemm_workspace, avx2::supported>;
using Avx512Im2col = Im2col<avx512::gemm_ws, avx512::gemm_workspace, avx512::supported>;
// A SIMD128 backward-input where it fits, im2col's elsewhere.
template <bool (*Fits)(const Conv2dParams&),
          void (*Run)(const Conv2dParams&, const float*, const float*, float*, float*)>
void backward_input_or_im2col(const Conv2dParams& p, const float* dy, const float* w, float* dx,
                              float* ws) {
  if (Fits(p))
    Run(p, dy, w, dx, ws);
  else
    WasmSimdIm2col::conv_backward_input(p, dy, w, dx, ws);
}
// wasmsimd with the direct forward, and the direct backward passes where they fit (backward-input
// at stride 1, backward-weight when K is whole vectors); im2col's elsewhere.
struct WasmSimdDirect {
  static size_t ws(const Conv2dParams& p) {
    return std::max(wasmsimd::conv2d_direct_workspace(p), WasmSimdIm2col::conv_ws(p));
  }
  static void backward_weight(const Conv2dParams& p, const float* x, const float* dy, float* dw,
                              float* db, float* ws) {
    if (wasmsimd::conv2d_direct_backward_weight_fits(p))
      wasmsimd::conv2d_direct_backward_weight(p, x, dy, dw, db, ws);
    else
      WasmSimdIm2col::conv_backward_weight(p, x, dy, dw, db, ws);
  }
  static Conv2dVariant conv() {
    Conv2dVariant v = WasmSimdIm2col::conv("wasmsimd-direct");
    v.backward_input = backward_input_or_im2col<wasmsimd::conv2d_direct_backward_input_fits,
                                                wasmsimd::conv2d_direct_backward_input>;
    v.fits = wasmsimd::conv2d_direct_fits;
    v.workspace = ws;
    v.forward = wasmsimd::conv2d_direct_forward;
    v.backward_weight = backward_weight;
    return v;
  }
};
// wasmsimd with the Winograd kernels (3x3 stride 1, C and K whole vectors, more than 8 input
// channels: with fewer the direct kernel is the faster); im2col's backward-input where the padding
// is over 2.
struct WasmSimdWinograd {
  static bool fits(const Conv2dParams& p) { return p.C > 8 && wasmsimd::conv2d_winograd_fits(p); }
  static size_t ws(const Conv2dParams& p) {
    return std::max(wasmsimd::conv2d_winograd_workspace(p), WasmSimdIm2col::conv_ws(p));
  }
  static Conv2dVariant conv() {
    Conv2dVariant v = WasmSimdIm2col::conv("wasmsimd-winograd");
    v.fits = fits;
    v.workspace = ws;
    v.forward = wasmsimd::conv2d_winograd_forward;
    v.backward_input = backward_input_or_im2col<wasmsimd::conv2d_winograd_backward_input_fits,
                                                wasmsimd::conv2d_winograd_backward_input>;
    v.backward_weight = wasmsimd::conv2d_winograd_backward_weight;
    return v;
  }
};
bool avx2_gemm(const GemmParams&) { return avx2::supported(); }
bool avx512_gemm(const GemmParams&) { return avx512::supported(); }

const DenseVariant kDenseRef = {
    "ref",
    any_dense,
    no_dense_ws,
    [](int N, int IN, int OUT, const float* x, const float* w, const float* b, float* y, bool relu,
       float*) { ref::dense_forward(N, IN, OUT, x, w, b, y, relu); },
    [](int N, int IN, int OUT, const float* dy, const float* w, float* dx, float*) {
      ref::dense_backward_input(N, IN, OUT, dy, w, dx);
    },
    [](int N, int IN, int OUT, const float* x, const float* dy, float* dw, float* db, float*) {
      ref::dense_backward_weight(N, IN, OUT, x, dy, dw, db);
    },
};

template <class V, class... Args>
const V& select(const std::vector<V>& variants, Args... args) {
  const std::string& want = preference();
  if (!want.empty())
    for (const V& v : variants)
      if (want == v.name && v.fits(args...)) return v;
  for (auto it = variants.rbegin(); it != variants.rend(); ++it)
    if (it->fits(args...)) return *it;
  return variants.front();
}

}  // namespace

const std::vector<Conv2dVariant>& conv2d_variants() {
  static const std::vector<Conv2dVariant> v =
      kWasm ? std::vector<Conv2dVariant>{kConvRef, GenericIm2col::conv("generic"),
                                         WasmSimdIm2col::conv("wasmsimd"), WasmSimdDirect::conv(),
                                         WasmSimdWinograd::conv()}
            : std::vector<Conv2dVariant>{kConvRef,
                                         WasmSimdIm2col::conv("wasmsimd"),
                                         WasmSimdDirect::conv(),
                                         WasmSimdWinograd::conv(),
                                         GenericIm2col::conv("generic"),
                                         Avx2Im2col::conv("avx2"),
                                         Avx512Im2col::conv("avx512")};
  return v;
}

const std::vector<DenseVariant>& dense_variants() {
  static const std::vector<DenseVariant> v =
      kWasm ? std::vector<DenseVariant>{kDenseRef, GenericIm2col::dense("generic"),
                                        WasmSimdIm2col::dense("wasmsimd")}
            : std::vector<DenseVariant>{kDenseRef, WasmSimdIm2col::dense("wasmsimd"),
                                        GenericIm2col::dense("generic"), Avx2Im2col::dense("avx2"),
                                        Avx512Im2col::dense("avx512")};
  return v;
}

const std::vector<GemmVariant>& gemm_variants() {
  static const std::vector<GemmVariant> v = [] {
    std::vector<GemmVariant> t = {
        {"ref", any_gemm, [](const GemmParams&) -> size_t { return 0; },
         [](const GemmParams& p, const float* A, const float* B, float* C, float*) {
           ref::gemm(p, A, B, C);
         }},
        {"generic", any_gemm, generic::gemm_workspace, generic::gemm_ws},
        {"wasmsimd", any_gemm, wasmsimd::gemm_workspace, wasmsimd::gemm_ws},
    };
    if (!kWasm) {
      t.push_back({"avx2", avx2_gemm, avx2::gemm_workspace, avx2::gemm_ws});
      t.push_back({"avx512", avx512_gemm, avx512::gemm_workspace, avx512::gemm_ws});
    }
    return t;
  }();
  return v;
}

const std::vector<MaxPool2dVariant>& maxpool2d_variants() {
  const MaxPool2dVariant ref_v = {"ref", [](const Pool2dParams&) { return true; },
                                  ref::maxpool2d_forward};
  const MaxPool2dVariant generic_v = {"generic", generic::maxpool2d_fits,
                                      generic::maxpool2d_forward};
  const MaxPool2dVariant simd_v = {"wasmsimd", wasmsimd::maxpool2d_fits,
                                   wasmsimd::maxpool2d_forward};
  static const std::vector<MaxPool2dVariant> v =
      kWasm ? std::vector<MaxPool2dVariant>{ref_v, generic_v, simd_v}
            : std::vector<MaxPool2dVariant>{ref_v, simd_v, generic_v};
  return v;
}

const Conv2dVariant& conv2d_select(const Conv2dParams& p) { return select(conv2d_variants(), p); }

const MaxPool2dVariant& maxpool2d_select(const Pool2dParams& p) {
  return select(maxpool2d_variants(), p);
}

const DenseVariant& dense_select(int N, int IN, int OUT) {
  return select(dense_variants(), N, IN, OUT);
}

void prefer_variant(const std::string& name) { preference() = name; }
const std::string& preferred_variant() { return preference(); }

}  // namespace cnn::kernels
