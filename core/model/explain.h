// Why a network gives its answer for one image: three maps per class, each the size of the input
// image, computed with the network's own forward and backward passes.
//   saliency:  d logit_c / d input (the score before the softmax, as is standard), signed.
//   Grad-CAM:  on the last conv2d layer, ReLU(sum_k alpha_k A_k) with alpha_k the spatial mean of
//              d logit_c / d A_k, upsampled bilinearly (half-pixel centres) to the input's size.
//   occlusion: p_c(image) - p_c(image with a square patch set to `fill`), each pixel the mean over
//              the patch positions that cover it (positive: hiding it lowers the class's
//              probability).
// Not a training tool: no parameter, parameter gradient or optimizer slot is touched (the network's
// last-forward-pass activations are, as predict's are; they end as the image's own).
#pragma once

#include <vector>

#include "core/model/network.h"

namespace cnn {

// One map per class: data [classes, height, width].
struct ClassMaps {
  int classes = 0, height = 0, width = 0;
  std::vector<float> data;
  const float* of(int c) const { return data.data() + static_cast<size_t>(c) * height * width; }
};

struct GradCam {
  int layer = -1;       // the conv2d layer used; -1 when the network has none (maps empty)
  ClassMaps coarse;     // at the layer's output size, after the ReLU
  ClassMaps upsampled;  // at the input's size
};

struct OcclusionOptions {
  int patch = 6, stride = 2;
  // 0 is MNIST's background: the patch erases whatever ink it covers.
  float fill = 0.0f;
  int batch = 36;  // occluded images per forward pass
};

struct Explanation {
  std::vector<float> probabilities;
  ClassMaps saliency;
  GradCam grad_cam;
  ClassMaps occlusion;
  OcclusionOptions occlusion_options;
};

// image [1, H, W, C] as the network's input. Saliency sums the input's channels.
ClassMaps saliency(Network& net, const Tensor& image);
GradCam grad_cam(Network& net, const Tensor& image);
ClassMaps occlusion(Network& net, const Tensor& image, const OcclusionOptions& options = {});
// All three (saliency and Grad-CAM share one backward pass).
Explanation explain(Network& net, const Tensor& image, const OcclusionOptions& options = {});

// Bilinear resize with half-pixel centres (as OpenCV's and PyTorch's align_corners=False), edges
// clamped: src [h, w] -> dst [H, W].
void upsample_bilinear(const float* src, int h, int w, float* dst, int H, int W);

}  // namespace cnn
