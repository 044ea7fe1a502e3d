// Trainer's evaluation and inspection: the test set in batches (loss, accuracy, per class,
// confusion, misclassified), predictions for one image, activations, weights and gradients.
// It changes no weights.
#include <algorithm>
#include <cmath>

#include "core/data/preprocess.h"
#include "core/kernels/kernels.h"
#include "core/model/trainer.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/error.h"

namespace cnn {

namespace {
// Small on purpose: the layers run one after another over a whole batch, and 16 images keep a
// layer's output in cache for the next (keras-book's first convolution writes 86 KB per image).
// An image's probabilities are its own in any batch (the kernel a layer picks for the batch's
// shape can change their last bits). Measured in Node, one thread, keras-book: evaluate() ran
// about 1.2x faster than with batches of 256.
constexpr int kEvalBatch = 16;
}  // namespace

EvalResult Trainer::evaluate(int limit) {
  check_data_fits();
  const auto& images = data_->test.images;
  const auto& labels = data_->test.labels.labels;
  const int total = limit > 0 ? std::min(limit, images.count) : images.count;
  const int C = net_->classes();
  const int H = images.rows, W = images.cols, px = H * W;
  EvalResult r;
  r.count = total;
  r.classes = C;
  r.confusion.assign(static_cast<size_t>(C) * C, 0);
  r.class_count.assign(C, 0);
  r.per_class.assign(C, 0.0);
  r.predicted.resize(total);
  r.probs.resize(static_cast<size_t>(total) * C);
  Tensor x;
  double loss_sum = 0;
  int correct = 0;
  for (int b0 = 0; b0 < total; b0 += kEvalBatch) {
    const int bs = std::min(kEvalBatch, total - b0);
    x.reshape({bs, H, W, 1});
    data::bytes_to_unit_floats(&images.pixels[static_cast<size_t>(b0) * px],
                               static_cast<size_t>(bs) * px, x.ptr());
    net_->forward(x, false, nullptr);
    float* probs = r.probs.data() + static_cast<size_t>(b0) * C;
    loss_sum += bs * kernels::ref::softmax_cross_entropy(bs, C, net_->logits().ptr(), &labels[b0],
                                                         probs, nullptr, 1.0f);
    for (int b = 0; b < bs; ++b) {
      const float* p = probs + static_cast<int64_t>(b) * C;
      const int pred = static_cast<int>(std::max_element(p, p + C) - p);
      const int truth = labels[b0 + b];
      r.predicted[b0 + b] = static_cast<uint8_t>(pred);
      r.confusion[truth * C + pred]++;
      r.class_count[truth]++;
      if (pred == truth)
        ++correct;
      else
        r.misclassified.push_back(b0 + b);
    }
  }
  for (int c = 0; c < C; ++c)
    r.per_class[c] =
        r.class_count[c] ? static_cast<double>(r.confusion[c * C + c]) / r.class_count[c] : 0.0;
  r.loss = total ? loss_sum / total : 0.0;
  r.accuracy = total ? static_cast<double>(correct) / total : 0.0;
  return r;
}

namespace {
// One image of the spec's input size as a batch of one; refuses a wrong size or a NaN pixel.
Tensor one_image(const ModelSpec& spec, const float* image, size_t n, const char* what) {
  const Shape& in = spec.input;
  const size_t want = static_cast<size_t>(shape_size(in));
  if (n != want)
    throw Error(std::string(what) + " needs one " + shape_str(in) + " image (" +
                std::to_string(want) + " values) but got " + std::to_string(n) + " values");
  Tensor x({1, in[0], in[1], in[2]});
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(image[i]))
      throw Error(std::string(what) + ": the image has a NaN or infinite pixel at index " +
                  std::to_string(i));
    x.data[i] = image[i];
  }
  return x;
}
}  // namespace

std::vector<float> Trainer::predict(const float* image, size_t n) {
  require_model();
  const parallel::SerialScope one_thread;  // one image: waking the other threads costs more
  return net_->forward(one_image(net_->spec(), image, n, "predict"), false, nullptr).data;
}

Explanation Trainer::explain(const float* image, size_t n) {
  require_model();
  return cnn::explain(*net_, one_image(net_->spec(), image, n, "explain"));
}

NamedValues Trainer::activation(int layer) const {
  require_model();
  if (layer < -1 || layer >= net_->num_layers())
    throw Error("layer " + std::to_string(layer) + " does not exist (the model has " +
                std::to_string(net_->num_layers()) + " layers)");
  const Tensor& t = layer < 0 ? net_->input() : net_->activation(layer);
  if (t.shape.empty() || t.shape[0] < 1)
    throw Error("no activations yet: run predict or a training step first");
  NamedValues v;
  v.name = layer < 0 ? "input" : net_->layer_name(layer);
  v.shape.assign(t.shape.begin() + 1, t.shape.end());
  const int64_t per = shape_size(v.shape);
  v.data.assign(t.data.begin(), t.data.begin() + per);
  return v;
}

// The parameters (or their gradients) of one layer, by index.
static std::vector<NamedValues> layer_params(const Network& net, int layer, bool gradients) {
  if (layer < 0 || layer >= net.num_layers())
    throw Error("layer " + std::to_string(layer) + " does not exist (the model has " +
                std::to_string(net.num_layers()) + " layers)");
  std::vector<NamedValues> out;
  for (const Param& p : net.layer(layer).params())
    out.push_back(gradients ? NamedValues{p.name, p.grad.shape, p.grad.data}
                            : NamedValues{p.name, p.value.shape, p.value.data});
  return out;
}

std::vector<NamedValues> Trainer::weights(int layer) const {
  require_model();
  return layer_params(*net_, layer, false);
}

std::vector<NamedValues> Trainer::gradients(int layer) const {
  require_model();
  return layer_params(*net_, layer, true);
}

}  // namespace cnn
