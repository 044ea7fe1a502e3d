// maxpool2d and avgpool2d layers: window size, stride (default = size) and padding, with
// TensorFlow's output-size rules; padding never contributes to a max or an average.
#include "core/kernels/registry.h"
#include "core/layers/layer_types.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/error.h"

namespace cnn {
namespace {

class Pool2dLayer : public Layer {
 public:
  using Layer::Layer;

  void build(const Shape& in) override {
    in_shape_ = in;
    if (in.size() != 3)
      throw Error(label() +
                  ": needs an image input (height x width x channels) but its input has " +
                  std::to_string(shape_size(in)) + " values in one dimension");
    g_ = window_geometry(label(), "window", in[0], in[1], spec_.kh, spec_.kw, spec_.sh, spec_.sw,
                         spec_.padding);
    const int oh = g_.h.out, ow = g_.w.out;
    p_ = kernels::Pool2dParams{0,        in[0],    in[1],    in[2],           spec_.kh,
                               spec_.kw, spec_.sh, spec_.sw, g_.h.pad_before, g_.w.pad_before,
                               oh,       ow};
    out_shape_ = {oh, ow, in[2]};
    max_ = spec_.type == "maxpool2d";
  }

  void forward(const Tensor& x, Tensor& y, Context&) override {
    kernels::Pool2dParams p = p_;
    p.N = x.shape[0];
    y.reshape({p.N, p.OH, p.OW, p.C});
    variant_ = "ref";
    const kernels::MaxPool2dVariant* v = nullptr;  // chosen once: the envelope depends on C only
    if (max_) {
      argmax_.resize(static_cast<size_t>(y.size()));
      v = &kernels::maxpool2d_select(p);
      variant_ = v->name;
    }
    // The threads take whole samples (argmax holds indices within a sample).
    const int64_t in_n = shape_size(in_shape_), out_n = shape_size(out_shape_);
    parallel::for_ranges(p.N, [&](int64_t n0, int64_t n1) {
      kernels::Pool2dParams q = p;
      q.N = static_cast<int>(n1 - n0);
      const float* xs = x.ptr() + n0 * in_n;
      float* ys = y.ptr() + n0 * out_n;
      if (v)
        v->forward(q, xs, ys, argmax_.data() + n0 * out_n);
      else
        kernels::ref::avgpool2d_forward(q, xs, ys);
    });
  }

  void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx, Context&) override {
    if (!dx) return;
    const int64_t in_n = shape_size(in_shape_), out_n = shape_size(out_shape_);
    parallel::for_ranges(x.shape[0], [&](int64_t n0, int64_t n1) {
      kernels::Pool2dParams q = p_;
      q.N = static_cast<int>(n1 - n0);
      const float* dys = dy.ptr() + n0 * out_n;
      float* dxs = dx->ptr() + n0 * in_n;
      if (max_)
        kernels::ref::maxpool2d_backward(q, dys, argmax_.data() + n0 * out_n, dxs);
      else
        kernels::ref::avgpool2d_backward(q, dys, dxs);
    });
  }

  bool has_softmax() const override { return false; }

  std::string detail() const override {
    return window_text(spec_.kh, spec_.kw, spec_.sh, spec_.sw, spec_.padding);
  }

  const WindowGeometry* window() const override { return &g_; }

 private:
  WindowGeometry g_;
  kernels::Pool2dParams p_{};
  bool max_ = true;
  std::vector<int32_t> argmax_;
};

class LrnLayer : public Layer {
 public:
  using Layer::Layer;

  void build(const Shape& in) override {
    in_shape_ = out_shape_ = in;
    channels_ = in.back();
  }

  kernels::LrnParams params(int64_t rows) const {
    return kernels::LrnParams{rows,           channels_,   spec_.depth_radius,
                              spec_.lrn_bias, spec_.alpha, spec_.beta};
  }

  // The threads take whole pixels (rows of channels); each pixel is normalised on its own.
  template <class F>
  void by_pixels(const Tensor& x, F&& f) {
    parallel::for_ranges(x.size() / channels_, grain_rows(channels_),
                         [&](int64_t r0, int64_t r1) { f(params(r1 - r0), r0 * channels_); });
  }

  void forward(const Tensor& x, Tensor& y, Context&) override {
    y.reshape(x.shape);
    scale_.reshape(x.shape);
    variant_ = "ref";
    by_pixels(x, [&](const kernels::LrnParams& p, int64_t at) {
      kernels::ref::lrn_forward(p, x.ptr() + at, y.ptr() + at, scale_.ptr() + at);
    });
  }

  void backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx, Context&) override {
    if (!dx) return;
    by_pixels(x, [&](const kernels::LrnParams& p, int64_t at) {
      kernels::ref::lrn_backward(p, x.ptr() + at, scale_.ptr() + at, dy.ptr() + at, dx->ptr() + at);
    });
  }

  bool has_softmax() const override { return false; }
  std::string detail() const override { return "radius " + std::to_string(spec_.depth_radius); }

 private:
  int channels_ = 1;
  Tensor scale_;
};

}  // namespace

std::unique_ptr<Layer> make_pool2d_layer(const LayerSpec& spec, int index) {
  return std::make_unique<Pool2dLayer>(spec, index);
}
std::unique_ptr<Layer> make_lrn_layer(const LayerSpec& spec, int index) {
  return std::make_unique<LrnLayer>(spec, index);
}

}  // namespace cnn
