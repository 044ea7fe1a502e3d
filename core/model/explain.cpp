// Saliency, Grad-CAM and occlusion maps for one image, every class at once: the image is repeated
// once per class in a batch, and one backward pass of the identity matrix as dlogits gives each
// class's gradients (examples of a batch do not mix in backward_input). Occlusion batches the
// occluded copies through inference forward passes. Not the trainer's business: it only reads the
// network (Trainer::explain checks the image and calls explain).
#include "core/model/explain.h"

#include <algorithm>
#include <cmath>

#include "core/tensor/error.h"

namespace cnn {

namespace {

struct ImageDims {
  int h = 0, w = 0, c = 0;
  int64_t size() const { return static_cast<int64_t>(h) * w * c; }
};

ImageDims check_image(const Network& net, const Tensor& image) {
  const Shape& in = net.spec().input;
  if (in.size() != 3 || image.shape != Shape{1, in[0], in[1], in[2]})
    throw Error("explain needs one " + shape_str(in) + " image, got " + shape_str(image.shape));
  return {in[0], in[1], in[2]};
}

// The last conv2d layer, or -1.
int last_conv(const Network& net) {
  for (int i = net.num_layers() - 1; i >= 0; --i)
    if (net.layer(i).spec().type == "conv2d") return i;
  return -1;
}

ClassMaps empty_maps(int classes, int h, int w) {
  ClassMaps m;
  m.classes = classes;
  m.height = h;
  m.width = w;
  m.data.assign(static_cast<size_t>(classes) * h * w, 0.0f);
  return m;
}

// Forward of `classes` copies of the image, then d logit_c / d everything for copy c.
void backward_by_class(Network& net, const Tensor& image, const ImageDims& d, Tensor& dinput) {
  const int C = net.classes();
  Tensor batch({C, d.h, d.w, d.c});
  for (int c = 0; c < C; ++c)
    std::copy(image.data.begin(), image.data.end(), batch.data.begin() + c * d.size());
  net.forward(batch, false, nullptr);
  Tensor dlogits({C, C});
  for (int c = 0; c < C; ++c) dlogits.data[static_cast<size_t>(c) * C + c] = 1.0f;
  net.backward_to_input(dlogits, dinput);
}

ClassMaps saliency_of(const Tensor& dinput, const ImageDims& d, int classes) {
  ClassMaps m = empty_maps(classes, d.h, d.w);
  for (int c = 0; c < classes; ++c)
    for (int p = 0; p < d.h * d.w; ++p) {
      float s = 0.0f;
      for (int ch = 0; ch < d.c; ++ch) s += dinput.data[c * d.size() + p * d.c + ch];
      m.data[static_cast<size_t>(c) * d.h * d.w + p] = s;
    }
  return m;
}

// From the activations and output gradients that backward_by_class left in the network.
GradCam grad_cam_of(const Network& net, const ImageDims& d) {
  GradCam g;
  g.layer = last_conv(net);
  const int C = net.classes();
  if (g.layer < 0) return g;
  const Tensor& a = net.activation(g.layer);    // [C, h, w, K], C equal copies
  const Tensor& da = net.output_grad(g.layer);  // [C, h, w, K]
  const int h = a.shape[1], w = a.shape[2], K = a.shape[3];
  const int64_t per = static_cast<int64_t>(h) * w * K;
  g.coarse = empty_maps(C, h, w);
  g.upsampled = empty_maps(C, d.h, d.w);
  std::vector<double> alpha(K);
  for (int c = 0; c < C; ++c) {
    std::fill(alpha.begin(), alpha.end(), 0.0);
    const float* dac = da.ptr() + c * per;
    for (int p = 0; p < h * w; ++p)
      for (int k = 0; k < K; ++k) alpha[k] += dac[p * K + k];
    for (int k = 0; k < K; ++k) alpha[k] /= h * w;
    float* cam = g.coarse.data.data() + static_cast<size_t>(c) * h * w;
    for (int p = 0; p < h * w; ++p) {
      double s = 0.0;
      for (int k = 0; k < K; ++k) s += alpha[k] * a.data[c * per + p * K + k];
      cam[p] = static_cast<float>(std::max(0.0, s));
    }
    upsample_bilinear(cam, h, w, g.upsampled.data.data() + static_cast<size_t>(c) * d.h * d.w, d.h,
                      d.w);
  }
  return g;
}

// Top-left corners along one axis: every `stride`, plus the last one that reaches the edge.
std::vector<int> patch_starts(int size, int patch, int stride) {
  std::vector<int> out;
  for (int s = 0; s + patch <= size; s += stride) out.push_back(s);
  if (out.empty() || out.back() + patch < size) out.push_back(size - patch);
  return out;
}

}  // namespace

void upsample_bilinear(const float* src, int h, int w, float* dst, int H, int W) {
  auto coord = [](int i, int from, int to, int* i0, int* i1, float* f) {
    const float s = std::max(0.0f, (i + 0.5f) * from / to - 0.5f);
    *i0 = std::min(static_cast<int>(s), from - 1);
    *i1 = std::min(*i0 + 1, from - 1);
    *f = s - *i0;
  };
  for (int y = 0; y < H; ++y) {
    int y0, y1;
    float fy;
    coord(y, h, H, &y0, &y1, &fy);
    for (int x = 0; x < W; ++x) {
      int x0, x1;
      float fx;
      coord(x, w, W, &x0, &x1, &fx);
      const float top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
      const float bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
      dst[y * W + x] = top * (1 - fy) + bottom * fy;
    }
  }
}

ClassMaps saliency(Network& net, const Tensor& image) {
  const ImageDims d = check_image(net, image);
  Tensor dinput;
  backward_by_class(net, image, d, dinput);
  ClassMaps m = saliency_of(dinput, d, net.classes());
  net.forward(image, false, nullptr);
  return m;
}

GradCam grad_cam(Network& net, const Tensor& image) {
  const ImageDims d = check_image(net, image);
  Tensor dinput;
  backward_by_class(net, image, d, dinput);
  GradCam g = grad_cam_of(net, d);
  net.forward(image, false, nullptr);
  return g;
}

ClassMaps occlusion(Network& net, const Tensor& image, const OcclusionOptions& o) {
  const ImageDims d = check_image(net, image);
  if (o.patch < 1 || o.stride < 1 || o.batch < 1)
    throw Error("occlusion: patch, stride and batch must be at least 1");
  const int C = net.classes();
  const int ph = std::min(o.patch, d.h), pw = std::min(o.patch, d.w);
  const std::vector<int> ys = patch_starts(d.h, ph, o.stride), xs = patch_starts(d.w, pw, o.stride);
  const int nx = static_cast<int>(xs.size());
  const int positions = static_cast<int>(ys.size()) * nx;
  const std::vector<float> p0 = net.forward(image, false, nullptr).data;
  std::vector<double> sum(static_cast<size_t>(C) * d.h * d.w, 0.0);
  std::vector<int> count(static_cast<size_t>(d.h) * d.w, 0);
  Tensor batch;
  for (int first = 0; first < positions; first += o.batch) {
    const int n = std::min(o.batch, positions - first);
    batch.reshape({n, d.h, d.w, d.c});
    for (int b = 0; b < n; ++b) {
      float* x = batch.ptr() + b * d.size();
      std::copy(image.data.begin(), image.data.end(), x);
      const int y0 = ys[(first + b) / nx], x0 = xs[(first + b) % nx];
      for (int y = y0; y < y0 + ph; ++y)
        std::fill(x + (y * d.w + x0) * d.c, x + (y * d.w + x0 + pw) * d.c, o.fill);
    }
    const Tensor& probs = net.forward(batch, false, nullptr);
    for (int b = 0; b < n; ++b) {
      const int y0 = ys[(first + b) / nx], x0 = xs[(first + b) % nx];
      for (int y = y0; y < y0 + ph; ++y)
        for (int x = x0; x < x0 + pw; ++x) {
          count[y * d.w + x]++;
          for (int c = 0; c < C; ++c)
            sum[(static_cast<size_t>(c) * d.h + y) * d.w + x] += p0[c] - probs.data[b * C + c];
        }
    }
  }
  ClassMaps m = empty_maps(C, d.h, d.w);
  for (size_t i = 0; i < sum.size(); ++i)
    m.data[i] = static_cast<float>(sum[i] / count[i % count.size()]);
  net.forward(image, false, nullptr);
  return m;
}

Explanation explain(Network& net, const Tensor& image, const OcclusionOptions& options) {
  const ImageDims d = check_image(net, image);
  Explanation e;
  e.occlusion_options = options;
  Tensor dinput;
  backward_by_class(net, image, d, dinput);
  e.saliency = saliency_of(dinput, d, net.classes());
  e.grad_cam = grad_cam_of(net, d);
  e.occlusion = occlusion(net, image, options);  // ends with the image's own forward pass
  e.probabilities = net.activation(net.num_layers() - 1).data;
  return e;
}

}  // namespace cnn
