// conv2d layer: kernel [KH, KW, C, K] and bias [K]; the convolution itself is a registry kernel,
// chosen per batch shape, followed by the layer's activation.
#include "core/kernels/registry.h"
#include "core/layers/layer_types.h"
#include "core/tensor/error.h"
#include "core/tensor/init.h"

namespace cnn {
namespace {

class Conv2dLayer : public Layer {
 public:
  using Layer::Layer;

  void build(const Shape& in) override {
    in_shape_ = in;
    if (in.size() != 3)
      throw Error(label() +
                  ": needs an image input (height x width x channels) but its input has " +
                  std::to_string(shape_size(in)) +
                  " values in one dimension; conv2d layers must come "
                  "before flatten and dense");
    const int H = in[0], W = in[1], C = in[2];
    g_ = window_geometry(label(), "kernel", H, W, spec_.kh, spec_.kw, spec_.sh, spec_.sw,
                         spec_.padding);
    const int oh = g_.h.out, ow = g_.w.out;
    p_ = kernels::Conv2dParams{0,
                               H,
                               W,
                               C,
                               spec_.filters,
                               spec_.kh,
                               spec_.kw,
                               spec_.sh,
                               spec_.sw,
                               g_.h.pad_before,
                               g_.w.pad_before,
                               oh,
                               ow};
    out_shape_ = {oh, ow, spec_.filters};
    check_param_budget(label(), static_cast<int64_t>(spec_.kh) * spec_.kw * C * spec_.filters);
    params_.clear();
    Param k;
    k.name = "kernel";
    k.value = Tensor({spec_.kh, spec_.kw, C, spec_.filters});
    k.is_kernel = true;
    params_.push_back(std::move(k));
    if (spec_.use_bias) {
      Param b;
      b.name = "bias";
      b.value = Tensor({spec_.filters});
      params_.push_back(std::move(b));
    }
    for (Param& p : params_) p.grad = Tensor(p.value.shape);
  }

  void init_params(Rng& rng) override {
    const int64_t rf = static_cast<int64_t>(spec_.kh) * spec_.kw;
    Param& k = params_[0];
    init_fill(spec_.init, rf * p_.C, rf * p_.K, k.value.ptr(), k.value.size(), rng);
    if (spec_.use_bias)
      init_fill(spec_.bias_init, rf * p_.C, rf * p_.K, params_[1].value.ptr(), p_.K, rng);
  }

  kernels::Conv2dParams batch_params(int n) const {
    kernels::Conv2dParams p = p_;
    p.N = n;
    return p;
  }

  void forward(const Tensor& x, Tensor& y, Context& ctx) override {
    const int n = x.shape[0];
    const kernels::Conv2dParams p = batch_params(n);
    const kernels::Conv2dVariant& v = kernels::conv2d_select(p);
    variant_ = v.name;
    Tensor& z = writes_output_directly() ? y : pre_;
    z.reshape({n, p.OH, p.OW, p.K});
    float* ws = ctx.scratch(v.workspace(p));
    kernels::Conv2dParams fp = p;
    fp.relu = spec_.activation == kernels::Activation::kRelu;  // fused into the kernel's store
    v.forward(fp, x.ptr(), value(0), spec_.use_bias ? value(1) : nullptr, z.ptr(), ws);
    if (&z != &y) activation_forward_into(spec_.activation, z, y);
  }

  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx,
                Context& ctx) override {
    const kernels::Conv2dParams p = batch_params(x.shape[0]);
    const kernels::Conv2dVariant& v = kernels::conv2d_select(p);
    const Tensor& dz = activation_backward_into(spec_.activation, fused_softmax_loss_, y, dy, dz_);
    float* ws = ctx.scratch(v.workspace(p));
    if (ctx.param_gradients)
      v.backward_weight(p, x.ptr(), dz.ptr(), params_[0].grad.ptr(),
                        spec_.use_bias ? params_[1].grad.ptr() : nullptr, ws);
    if (dx) v.backward_input(p, dz.ptr(), value(0), dx->ptr(), ws);
  }

  const Tensor* pre_activation() const override {
    return writes_output_directly() ? nullptr : &pre_;
  }
  // Linear and ReLU outputs come straight from the kernel; other activations need a pass over z.
  bool writes_output_directly() const {
    return spec_.activation == kernels::Activation::kLinear ||
           spec_.activation == kernels::Activation::kRelu;
  }

  int64_t macs() const override {
    return static_cast<int64_t>(p_.OH) * p_.OW * p_.K * p_.KH * p_.KW * p_.C;
  }

  std::string detail() const override {
    return window_text(spec_.kh, spec_.kw, spec_.sh, spec_.sw, spec_.padding) + ", " +
           activation_name(spec_.activation);
  }

  const WindowGeometry* window() const override { return &g_; }

 private:
  WindowGeometry g_;
  kernels::Conv2dParams p_{};
  Tensor pre_, dz_;
};

}  // namespace

std::unique_ptr<Layer> make_conv2d_layer(const LayerSpec& spec, int index) {
  return std::make_unique<Conv2dLayer>(spec, index);
}

}  // namespace cnn
