// Layers without parameters or kernels of their own: flatten (a reshape), dropout (inverted:
// kept units are scaled by 1 / (1 - rate) during training, identity at evaluation) and a
// standalone activation.
#include "core/kernels/kernels.h"
#include "core/layers/layer_types.h"
#include "core/parallel/thread_pool.h"

namespace cnn {
namespace {

class FlattenLayer : public Layer {
 public:
  using Layer::Layer;
  void build(const Shape& in) override {
    in_shape_ = in;
    out_shape_ = {static_cast<int>(shape_size(in))};
  }
  void forward(const Tensor& x, Tensor& y, Context&) override {
    y.reshape({x.shape[0], out_shape_[0]});
    std::copy(x.data.begin(), x.data.end(), y.data.begin());
  }
  void backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx, Context&) override {
    if (dx) parallel_add(dy, *dx);
  }
  bool has_softmax() const override { return false; }
};

class DropoutLayer : public Layer {
 public:
  using Layer::Layer;
  void build(const Shape& in) override { in_shape_ = out_shape_ = in; }
  void forward(const Tensor& x, Tensor& y, Context& ctx) override {
    y.reshape(x.shape);
    active_ = ctx.training && spec_.rate > 0.0f;
    if (!active_) {
      std::copy(x.data.begin(), x.data.end(), y.data.begin());
      return;
    }
    mask_.reshape(x.shape);
    const float keep_scale = 1.0f / (1.0f - spec_.rate);
    for (int64_t i = 0; i < x.size(); ++i) {
      mask_.data[i] = ctx.rng->uniform() >= spec_.rate ? keep_scale : 0.0f;
      y.data[i] = x.data[i] * mask_.data[i];
    }
  }
  void backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx, Context&) override {
    if (!dx) return;
    if (!active_) return parallel_add(dy, *dx);
    const float* g = dy.ptr();
    const float* m = mask_.ptr();
    float* d = dx->ptr();
    parallel::for_ranges(dy.size(), kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) d[i] += g[i] * m[i];
    });
  }
  bool has_softmax() const override { return false; }
  std::string detail() const override { return "rate " + std::to_string(spec_.rate).substr(0, 4); }

 private:
  bool active_ = false;
  Tensor mask_;
};

class ActivationLayer : public Layer {
 public:
  using Layer::Layer;
  void build(const Shape& in) override { in_shape_ = out_shape_ = in; }
  void forward(const Tensor& x, Tensor& y, Context&) override {
    last_input_ = &x;
    activation_forward_into(spec_.activation, x, y);
  }
  void backward(const Tensor&, const Tensor& y, const Tensor& dy, Tensor* dx, Context&) override {
    if (!dx) return;
    const Tensor& dz = activation_backward_into(spec_.activation, fused_softmax_loss_, y, dy, dz_);
    parallel_add(dz, *dx);
  }
  // The logits of a standalone softmax are its input.
  const Tensor* pre_activation() const override { return last_input_; }
  std::string detail() const override { return activation_name(spec_.activation); }

 private:
  const Tensor* last_input_ = nullptr;
  Tensor dz_;
};

}  // namespace

std::unique_ptr<Layer> make_flatten_layer(const LayerSpec& spec, int index) {
  return std::make_unique<FlattenLayer>(spec, index);
}
std::unique_ptr<Layer> make_dropout_layer(const LayerSpec& spec, int index) {
  return std::make_unique<DropoutLayer>(spec, index);
}
std::unique_ptr<Layer> make_activation_layer(const LayerSpec& spec, int index) {
  return std::make_unique<ActivationLayer>(spec, index);
}

}  // namespace cnn
