// Trainer::set_conv_filter: writing one hand-made filter into a conv layer (the kernel
// playground's "use as a first-layer filter"). Checks everything before it writes, so a refused
// kernel changes nothing. Not an initialiser and not a general weight editor: one filter, one
// input channel.
#include <cmath>

#include "core/model/trainer.h"
#include "core/tensor/error.h"

namespace cnn {

namespace {
std::string size_str(int h, int w) { return std::to_string(h) + "x" + std::to_string(w); }
}  // namespace

FilterPlacement Trainer::set_conv_filter(int layer, int filter, const std::vector<float>& kernel,
                                         int kh, int kw) {
  require_model();
  const int layers = net_->num_layers();
  if (layer < 0 || layer >= layers)
    throw Error("layer " + std::to_string(layer) + " does not exist (the model has " +
                std::to_string(layers) + " layers)");
  Layer& l = net_->layer(layer);
  if (l.spec().type != "conv2d")
    throw Error(l.label() + " is not a conv2d layer, so it has no filters to set");
  Param& k = l.params()[0];  // [KH, KW, C, K]
  const int KH = k.value.shape[0], KW = k.value.shape[1], C = k.value.shape[2],
            K = k.value.shape[3];
  if (C != 1)
    throw Error(l.label() + " reads " + std::to_string(C) +
                " input channels; a hand-made kernel can only replace a filter that reads one "
                "channel (the image)");
  if (filter < 0 || filter >= K)
    throw Error(l.label() + " has filters 0 to " + std::to_string(K - 1) +
                ", so there is no filter " + std::to_string(filter));
  if (kh < 1 || kw < 1) throw Error("the kernel must be at least 1x1, not " + size_str(kh, kw));
  if (kernel.size() != static_cast<size_t>(kh) * static_cast<size_t>(kw))
    throw Error("the kernel has " + std::to_string(kernel.size()) + " values, not " +
                size_str(kh, kw));
  for (size_t i = 0; i < kernel.size(); ++i)
    if (!std::isfinite(kernel[i]))
      throw Error("the kernel value at row " + std::to_string(i / kw + 1) + ", column " +
                  std::to_string(i % kw + 1) + " is not a finite number");
  if (kh > KH || kw > KW)
    throw Error("a " + size_str(kh, kw) + " kernel does not fit " + l.label() + "'s " +
                size_str(KH, KW) + " filters");
  if ((KH - kh) % 2 != 0 || (KW - kw) % 2 != 0)
    throw Error("a " + size_str(kh, kw) + " kernel cannot be centred in " + l.label() + "'s " +
                size_str(KH, KW) + " filters");
  FilterPlacement out;
  out.layer = layer;
  out.name = k.name;
  out.layer_kh = KH;
  out.layer_kw = KW;
  out.offset_y = (KH - kh) / 2;
  out.offset_x = (KW - kw) / 2;
  // Commit: nothing below throws.
  for (int y = 0; y < KH; ++y)
    for (int x = 0; x < KW; ++x) {
      const int ky = y - out.offset_y, kx = x - out.offset_x;
      const bool inside = ky >= 0 && ky < kh && kx >= 0 && kx < kw;
      const int64_t at = static_cast<int64_t>(y * KW + x) * K + filter;  // C == 1
      k.value.data[at] = inside ? kernel[static_cast<size_t>(ky) * kw + kx] : 0.0f;
      if (k.m.size()) k.m.data[at] = 0.0f;
      if (k.v.size()) k.v.data[at] = 0.0f;
    }
  return out;
}

}  // namespace cnn
