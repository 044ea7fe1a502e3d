// The facade's file helpers and stand-alone operations (data folders, model files,
// preprocessing, convolution on explicit numbers), kept apart from the training logic.
#include <algorithm>

#include "core/data/idx.h"
#include "core/data/photo.h"
#include "core/data/preprocess.h"
#include "core/kernels/registry.h"
#include "core/layers/window_geometry.h"
#include "core/model/onnx_export.h"
#include "core/model/safetensors.h"
#include "core/model/trainer.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/error.h"

namespace cnn {

void Trainer::prefer_kernels(const std::string& variant) {
  // A name no layer knows would silently leave every layer on its default.
  std::vector<std::string> known;
  const auto add = [&](const char* name) {
    if (std::find(known.begin(), known.end(), name) == known.end()) known.push_back(name);
  };
  for (const auto& v : kernels::conv2d_variants()) add(v.name);
  for (const auto& v : kernels::dense_variants()) add(v.name);
  for (const auto& v : kernels::maxpool2d_variants()) add(v.name);
  if (!variant.empty() && std::find(known.begin(), known.end(), variant) == known.end()) {
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    throw Error("unknown kernels \"" + variant + "\"; this build has " + list);
  }
  kernels::prefer_variant(variant);
}

int Trainer::set_threads(int n) {
  parallel::set_threads(n);
  return parallel::threads();
}
int Trainer::threads() { return parallel::threads(); }
int Trainer::hardware_threads() { return parallel::hardware_threads(); }

DataInfo Trainer::set_data_dir(const std::string& dir) { return set_data(data::load_idx_dir(dir)); }

std::string Trainer::find_data_dir(const std::string& source_dir) {
  return data::default_data_dir(source_dir);
}

std::vector<uint8_t> Trainer::export_onnx() const {
  require_model();
  return cnn::export_onnx(*net_);
}

size_t Trainer::export_onnx_file(const std::string& path) const {
  const std::vector<uint8_t> bytes = export_onnx();
  write_file_atomic(path, bytes);
  return bytes.size();
}

void Trainer::save_file(const std::string& path, bool with_optimizer) const {
  write_file_atomic(path, save(with_optimizer));
}

ModelSummary Trainer::load_file(const std::string& path) {
  const std::vector<uint8_t> bytes = data::read_file(path);
  return load(bytes, path);
}

std::vector<float> Trainer::preprocess_digit(const float* gray, int h, int w,
                                             const std::string& name) {
  return data::preprocess_digit(gray, h, w, name);
}

std::vector<float> Trainer::preprocess_photo(const float* gray, int h, int w,
                                             const std::string& name) {
  return data::preprocess_photo(gray, h, w, name);
}

ConvResult Trainer::conv2d(const ConvRequest& r) {
  if (r.input_shape.size() != 3)
    throw Error("conv2d: the input must be [height][width] or [height][width][channels]");
  if (r.kernel_shape.size() != 4)
    throw Error(
        "conv2d: the kernel must be [kh][kw], [kh][kw][channels] or [kh][kw][channels][filters]");
  const int H = r.input_shape[0], W = r.input_shape[1], C = r.input_shape[2];
  const int KH = r.kernel_shape[0], KW = r.kernel_shape[1], KC = r.kernel_shape[2],
            K = r.kernel_shape[3];
  if (H < 1 || W < 1 || C < 1 || KH < 1 || KW < 1 || K < 1 || H > 4096 || W > 4096 || C > 4096)
    throw Error("conv2d: every dimension of the input and kernel must be at least 1");
  if (KC != C)
    throw Error("conv2d: the kernel has " + std::to_string(KC) +
                " input channels but the input has " + std::to_string(C));
  if (static_cast<int64_t>(r.input.size()) != shape_size(r.input_shape) ||
      static_cast<int64_t>(r.kernel.size()) != shape_size(r.kernel_shape))
    throw Error("conv2d: the number of values does not match the shape");
  if (!r.bias.empty() && static_cast<int>(r.bias.size()) != K)
    throw Error("conv2d: " + std::to_string(r.bias.size()) + " bias values for " +
                std::to_string(K) + " filters");
  const WindowGeometry g =
      window_geometry("conv2d", "kernel", H, W, KH, KW, r.stride_h, r.stride_w, r.padding);
  const int oh = g.h.out, ow = g.w.out;
  const kernels::Conv2dParams p{
      1, H, W, C, K, KH, KW, r.stride_h, r.stride_w, g.h.pad_before, g.w.pad_before, oh, ow};
  ConvResult out;
  out.output_shape = {oh, ow, K};
  out.output.assign(static_cast<size_t>(oh) * ow * K, 0.0f);
  kernels::ref::conv2d_forward(p, r.input.data(), r.kernel.data(),
                               r.bias.empty() ? nullptr : r.bias.data(), out.output.data());
  for (float& v : out.output) {
    if (r.relu && v < 0.0f) v = 0.0f;
    if (r.clamp_max && v > *r.clamp_max) v = *r.clamp_max;
  }
  out.pad_top = g.h.pad_before;
  out.pad_left = g.w.pad_before;
  out.pad_bottom = g.h.pad_after;
  out.pad_right = g.w.pad_after;
  return out;
}

ConvResult Trainer::pool2d(const PoolRequest& r) {
  if (r.input_shape.size() != 3) throw Error("pool2d: the input must be [height][width][channels]");
  const int H = r.input_shape[0], W = r.input_shape[1], C = r.input_shape[2];
  if (H < 1 || W < 1 || C < 1 || r.kh < 1 || r.kw < 1 || H > 4096 || W > 4096 || C > 4096)
    throw Error("pool2d: every dimension of the input and window must be at least 1");
  if (static_cast<int64_t>(r.input.size()) != shape_size(r.input_shape))
    throw Error("pool2d: the number of values does not match the shape");
  const WindowGeometry g =
      window_geometry("pool2d", "window", H, W, r.kh, r.kw, r.stride_h, r.stride_w, r.padding);
  const int oh = g.h.out, ow = g.w.out;
  const kernels::Pool2dParams p{
      1, H, W, C, r.kh, r.kw, r.stride_h, r.stride_w, g.h.pad_before, g.w.pad_before, oh, ow};
  ConvResult out;
  out.output_shape = {oh, ow, C};
  out.output.assign(static_cast<size_t>(oh) * ow * C, 0.0f);
  if (r.max) {
    std::vector<int32_t> argmax(out.output.size());
    kernels::ref::maxpool2d_forward(p, r.input.data(), out.output.data(), argmax.data());
  } else {
    kernels::ref::avgpool2d_forward(p, r.input.data(), out.output.data());
  }
  out.pad_top = g.h.pad_before;
  out.pad_left = g.w.pad_before;
  out.pad_bottom = g.h.pad_after;
  out.pad_right = g.w.pad_after;
  return out;
}

}  // namespace cnn
