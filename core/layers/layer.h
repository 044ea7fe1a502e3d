// Layer: owns its parameters, shapes and caches, and calls kernels for the arithmetic (it never
// loops over pixels itself). A layer is built once from its spec and input shape; forward and
// backward then run on batches [N, ...]. Not a graph: the network is a plain list of layers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/layers/layer_spec.h"
#include "core/layers/window_geometry.h"
#include "core/tensor/rng.h"
#include "core/tensor/tensor.h"

namespace cnn {

// A trainable tensor with its gradient and optimizer slots.
struct Param {
  std::string name;  // Keras-style, e.g. "conv2d_1/kernel"
  Tensor value, grad;
  Tensor m, v;             // optimizer slots (empty until the optimizer needs them)
  bool is_kernel = false;  // L2 applies to kernels only
};

// Per-call state shared by the layers of a network.
struct Context {
  bool training = false;
  Rng* rng = nullptr;                       // dropout masks
  std::vector<float>* workspace = nullptr;  // kernel scratch, grown on demand
  // False: backward leaves the parameter gradients alone and only propagates dx (explanations
  // between training steps must not change what the optimizer or the statistics see).
  bool param_gradients = true;
  float* scratch(size_t floats);
};

class Layer {
 public:
  Layer(const LayerSpec& spec, int index) : spec_(spec), index_(index) {}
  virtual ~Layer() = default;

  // Checks the input shape (per example, without N) and sets the output shape. Throws Error.
  virtual void build(const Shape& in_shape) = 0;
  virtual void init_params(Rng& /*rng*/) {}
  // x [N, in_shape] -> y [N, out_shape]
  virtual void forward(const Tensor& x, Tensor& y, Context& ctx) = 0;
  // dy [N, out_shape] -> dx (+=, when not null) and parameter gradients (+=). When the layer's
  // softmax is fused with the loss, dy is already the gradient of the pre-activation.
  virtual void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx,
                        Context& ctx) = 0;
  virtual int64_t macs() const { return 0; }
  // Softmax output whose gradient the loss provides directly (set on the last layer).
  virtual bool has_softmax() const { return spec_.activation == kernels::Activation::kSoftmax; }
  void set_fused_softmax_loss(bool fused) { fused_softmax_loss_ = fused; }
  // The values before the activation (logits for the last layer); y itself when linear.
  virtual const Tensor* pre_activation() const { return nullptr; }

  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  int64_t param_count() const;
  const LayerSpec& spec() const { return spec_; }
  LayerSpec& mutable_spec() { return spec_; }
  int index() const { return index_; }
  std::string label() const { return layer_label(index_, spec_); }
  const Shape& in_shape() const { return in_shape_; }
  const Shape& out_shape() const { return out_shape_; }
  // Name of the kernel variant the last forward pass used ("ref", "generic", ...; "" if none).
  const std::string& variant() const { return variant_; }
  // Extra description for summaries, e.g. "3x3 s1 valid, relu".
  virtual std::string detail() const { return ""; }
  // Output size and padding used of a conv or pooling layer (built); null for other layers.
  virtual const WindowGeometry* window() const { return nullptr; }
  // Makes this layer (of a training replica, Network::shard) read its parameter values from
  // `source`, the same layer of the network it copies, and frees its own: the replicas see each
  // update without a copy per step. `source` must outlive this layer.
  void read_values_from(const Layer& source);

 protected:
  // Parameter k's values as forward and backward read them: this layer's own, or its source's.
  const float* value(size_t k) const {
    return (values_of_ ? values_of_->params_ : params_)[k].value.ptr();
  }

  LayerSpec spec_;
  int index_;
  Shape in_shape_, out_shape_;
  std::vector<Param> params_;
  std::string variant_;
  bool fused_softmax_loss_ = false;
  const Layer* values_of_ = nullptr;
};

// Refuses a layer with more weights than the core supports (2^26 floats, 256 MiB).
void check_param_budget(const std::string& label, int64_t weights);

std::unique_ptr<Layer> make_layer(const LayerSpec& spec, int index);

// Element-wise work is split over the threads in ranges of at least this many values (shorter
// loops stay on the calling thread). Element-wise results never depend on the split.
constexpr int64_t kElementwiseGrain = 16384;
// Rows of `cols` values that make up one grain (at least one row).
int64_t grain_rows(int64_t cols);
// t = 0 and dst += src, on the threads.
void parallel_zero(Tensor& t);
void parallel_add(const Tensor& src, Tensor& dst);

// Shared by the layers that end with an activation (conv2d, dense): y = act(z), and
// dz = act'(z) dy, or dz = dy when the softmax is fused with the loss. On the threads, by rows.
void activation_forward_into(kernels::Activation a, const Tensor& z, Tensor& y);
const Tensor& activation_backward_into(kernels::Activation a, bool fused, const Tensor& y,
                                       const Tensor& dy, Tensor& dz);

}  // namespace cnn
