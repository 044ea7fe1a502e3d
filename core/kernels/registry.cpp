// The variant tables. ref adapters drop the workspace argument the ref kernels do not need.
#include "core/kernels/registry.h"

namespace cnn::kernels {
namespace {

std::string& preference() {
  static std::string name;
  return name;
}

size_t no_conv_ws(const Conv2dParams&) { return 0; }
size_t no_dense_ws(int, int, int) { return 0; }
bool any_conv(const Conv2dParams&) { return true; }
bool any_dense(int, int, int) { return true; }
bool any_gemm(const GemmParams&) { return true; }

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

const Conv2dVariant kConvGeneric = {
    "generic",        any_conv,
    generic::conv2d_workspace, generic::conv2d_forward,
    generic::conv2d_backward_input, generic::conv2d_backward_weight,
};

const DenseVariant kDenseRef = {
    "ref",
    any_dense,
    no_dense_ws,
    [](int N, int IN, int OUT, const float* x, const float* w, const float* b, float* y, float*) {
      ref::dense_forward(N, IN, OUT, x, w, b, y);
    },
    [](int N, int IN, int OUT, const float* dy, const float* w, float* dx, float*) {
      ref::dense_backward_input(N, IN, OUT, dy, w, dx);
    },
    [](int N, int IN, int OUT, const float* x, const float* dy, float* dw, float* db, float*) {
      ref::dense_backward_weight(N, IN, OUT, x, dy, dw, db);
    },
};

const DenseVariant kDenseGeneric = {
    "generic",       any_dense,
    generic::dense_workspace, generic::dense_forward,
    generic::dense_backward_input, generic::dense_backward_weight,
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
  static const std::vector<Conv2dVariant> v = {kConvRef, kConvGeneric};
  return v;
}

const std::vector<DenseVariant>& dense_variants() {
  static const std::vector<DenseVariant> v = {kDenseRef, kDenseGeneric};
  return v;
}

const std::vector<GemmVariant>& gemm_variants() {
  static const std::vector<GemmVariant> v = {
      {"ref", any_gemm, [](const GemmParams&) -> size_t { return 0; },
       [](const GemmParams& p, const float* A, const float* B, float* C, float*) {
         ref::gemm(p, A, B, C);
       }},
      {"generic", any_gemm, generic::gemm_workspace, generic::gemm_ws},
  };
  return v;
}

const Conv2dVariant& conv2d_select(const Conv2dParams& p) { return select(conv2d_variants(), p); }

const DenseVariant& dense_select(int N, int IN, int OUT) {
  return select(dense_variants(), N, IN, OUT);
}

void prefer_variant(const std::string& name) { preference() = name; }
const std::string& preferred_variant() { return preference(); }

}  // namespace cnn::kernels
