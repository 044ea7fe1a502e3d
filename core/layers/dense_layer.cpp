// dense layer: kernel [IN, OUT] and bias [OUT]. An image input is read flat in NHWC order, as
// Keras' Flatten would give it (so a flatten layer before dense is optional).
#include "core/kernels/registry.h"
#include "core/layers/layer_types.h"
#include "core/tensor/error.h"
#include "core/tensor/init.h"

namespace cnn {
namespace {

class DenseLayer : public Layer {
 public:
  using Layer::Layer;

  void build(const Shape& in) override {
    in_shape_ = in;
    in_ = static_cast<int>(shape_size(in));
    out_ = spec_.units;
    out_shape_ = {out_};
    check_param_budget(label(), static_cast<int64_t>(in_) * out_);
    params_.clear();
    Param k;
    k.name = "kernel";
    k.value = Tensor({in_, out_});
    k.is_kernel = true;
    params_.push_back(std::move(k));
    if (spec_.use_bias) {
      Param b;
      b.name = "bias";
      b.value = Tensor({out_});
      params_.push_back(std::move(b));
    }
    for (Param& p : params_) p.grad = Tensor(p.value.shape);
  }

  void init_params(Rng& rng) override {
    init_fill(spec_.init, in_, out_, params_[0].value.ptr(), params_[0].value.size(), rng);
    if (spec_.use_bias) init_fill(spec_.bias_init, in_, out_, params_[1].value.ptr(), out_, rng);
  }

  void forward(const Tensor& x, Tensor& y, Context& ctx) override {
    const int n = x.shape[0];
    const kernels::DenseVariant& v = kernels::dense_select(n, in_, out_);
    variant_ = v.name;
    Tensor& z = writes_output_directly() ? y : pre_;
    z.reshape({n, out_});
    v.forward(n, in_, out_, x.ptr(), value(0), spec_.use_bias ? value(1) : nullptr, z.ptr(),
              spec_.activation == kernels::Activation::kRelu,
              ctx.scratch(v.workspace(n, in_, out_)));
    if (&z != &y) activation_forward_into(spec_.activation, z, y);
  }

  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx,
                Context& ctx) override {
    const int n = x.shape[0];
    const kernels::DenseVariant& v = kernels::dense_select(n, in_, out_);
    const Tensor& dz = activation_backward_into(spec_.activation, fused_softmax_loss_, y, dy, dz_);
    float* ws = ctx.scratch(v.workspace(n, in_, out_));
    if (ctx.param_gradients)
      v.backward_weight(n, in_, out_, x.ptr(), dz.ptr(), params_[0].grad.ptr(),
                        spec_.use_bias ? params_[1].grad.ptr() : nullptr, ws);
    if (dx) v.backward_input(n, in_, out_, dz.ptr(), value(0), dx->ptr(), ws);
  }

  const Tensor* pre_activation() const override {
    return writes_output_directly() ? nullptr : &pre_;
  }
  // Linear and ReLU outputs come straight from the kernel; other activations need a pass over z.
  bool writes_output_directly() const {
    return spec_.activation == kernels::Activation::kLinear ||
           spec_.activation == kernels::Activation::kRelu;
  }
  int64_t macs() const override { return static_cast<int64_t>(in_) * out_; }
  std::string detail() const override { return activation_name(spec_.activation); }

 private:
  int in_ = 0, out_ = 0;
  Tensor pre_, dz_;
};

}  // namespace

std::unique_ptr<Layer> make_dense_layer(const LayerSpec& spec, int index) {
  return std::make_unique<DenseLayer>(spec, index);
}

}  // namespace cnn
