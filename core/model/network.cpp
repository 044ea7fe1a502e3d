// Network construction (shape checks, Keras names), forward and backward passes.
#include "core/model/network.h"

#include <map>

#include "core/tensor/error.h"

namespace cnn {

int train_shards(int batch, int64_t params) {
  constexpr int64_t kReplicaBudget = int64_t{48} << 20;
  int shards = 1;
  while (shards * 2 <= kMaxShards && batch >= kMinShardExamples * shards * 2 &&
         8 * params * (shards * 2 - 1) <= kReplicaBudget)
    shards *= 2;
  return shards;
}

Network::Network(const ModelSpec& spec) : spec_(spec) {
  Shape shape = spec.input;
  std::map<std::string, int> counters;
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const int index = static_cast<int>(i);
    auto layer = at_layer(index, [&] {
      auto l = make_layer(spec.layers[i], index);
      l->build(shape);
      return l;
    });
    shape = layer->out_shape();
    if (shape_size(shape) > (int64_t{1} << 26))
      throw Error(layer->label() + ": output " + shape_str(shape) + " is too large",
                  ErrorCode::kInvalid, index);
    const std::string name =
        spec.layers[i].type + "_" + std::to_string(++counters[spec.layers[i].type]);
    for (Param& p : layer->params()) p.name = name + "/" + p.name;
    names_.push_back(name);
    layers_.push_back(std::move(layer));
  }
  Layer& last = *layers_.back();
  const int last_index = num_layers() - 1;
  if (!last.has_softmax())
    throw Error(last.label() +
                    ": the loss \"categorical_crossentropy\" needs a softmax output; set "
                    "\"activation\": \"softmax\" on the last layer",
                ErrorCode::kInvalid, last_index);
  for (int i = 0; i + 1 < num_layers(); ++i)
    if (layers_[i]->spec().activation == kernels::Activation::kSoftmax &&
        layers_[i]->spec().type != "dense" && layers_[i]->spec().type != "activation")
      throw Error(
          layers_[i]->label() + ": softmax is only supported on dense layers and as the output",
          ErrorCode::kInvalid, i);
  if (shape.size() != 1)
    throw Error(last.label() + ": the output must be a vector of class scores but it is " +
                    shape_str(shape) + "; add flatten and dense layers before the softmax",
                ErrorCode::kInvalid, last_index);
  if (shape[0] < 2)
    throw Error(last.label() + ": the output has " + std::to_string(shape[0]) +
                    " class; a classifier needs at least 2 units",
                ErrorCode::kInvalid, last_index);
  classes_ = shape[0];
  last.set_fused_softmax_loss(true);
  for (const auto& l : layers_) param_count_ += l->param_count();
  acts_.resize(layers_.size());
  grads_.resize(layers_.size());
}

void Network::init_params(uint64_t seed) {
  for (int i = 0; i < num_layers(); ++i) {
    Rng rng = Rng::stream(seed, 100 + static_cast<uint64_t>(i));
    layers_[i]->init_params(rng);
  }
}

const Tensor& Network::forward(const Tensor& x, bool training, Rng* rng) {
  active_shards_ = 1;
  return forward_rows(x, 0, x.shape.empty() ? 0 : x.shape[0], training, rng);
}

const Tensor& Network::forward_rows(const Tensor& x, int64_t n0, int64_t n1, bool training,
                                    Rng* rng) {
  Context ctx;
  ctx.training = training;
  ctx.rng = rng;
  ctx.workspace = &workspace_;
  const int64_t per = x.shape.empty() || x.shape[0] == 0 ? 0 : x.size() / x.shape[0];
  input_.shape = x.shape;
  if (!input_.shape.empty()) input_.shape[0] = static_cast<int>(n1 - n0);
  input_.data.assign(x.data.begin() + n0 * per, x.data.begin() + n1 * per);
  const Tensor* in = &input_;
  for (int i = 0; i < num_layers(); ++i) {
    layers_[i]->forward(*in, acts_[i], ctx);
    in = &acts_[i];
  }
  return acts_.back();
}

const Tensor& Network::logits() const {
  const Tensor* z = layers_.back()->pre_activation();
  return z ? *z : acts_.back();
}

void Network::backward(const Tensor& dlogits) {
  backprop(dlogits, 0, dlogits.shape.empty() ? 0 : dlogits.shape[0], nullptr, true);
}

void Network::backward_rows(const Tensor& dlogits, int64_t n0, int64_t n1) {
  backprop(dlogits, n0, n1, nullptr, true);
}

Network& Network::shard(int s) {
  if (s == 0) return *this;
  while (static_cast<int>(replicas_.size()) < s) {
    replicas_.push_back(std::make_unique<Network>(spec_));
    for (int i = 0; i < num_layers(); ++i)
      replicas_.back()->layers_[i]->read_values_from(*layers_[i]);
  }
  return *replicas_[s - 1];
}

void Network::sync_shard(int s) {
  Network& r = *replicas_[s - 1];
  for (int i = 0; i < num_layers(); ++i) r.layers_[i]->mutable_spec() = layers_[i]->spec();
}

void Network::add_shard_gradients(int to, int from) {
  Network& dst = shard(to);
  const Network& src = shard(from);
  for (int i = 0; i < num_layers(); ++i) {
    const std::vector<Param>& a = src.layers_[i]->params();
    std::vector<Param>& b = dst.layers_[i]->params();
    for (size_t k = 0; k < a.size(); ++k) parallel_add(a[k].grad, b[k].grad);
  }
}

std::vector<FloatSpan> Network::activation_spans(int i) const {
  std::vector<FloatSpan> spans{{acts_[i].ptr(), acts_[i].size()}};
  for (int s = 1; s < active_shards_; ++s)
    spans.push_back({replicas_[s - 1]->acts_[i].ptr(), replicas_[s - 1]->acts_[i].size()});
  return spans;
}

void Network::backward_to_input(const Tensor& dlogits, Tensor& dinput) {
  backprop(dlogits, 0, dlogits.shape.empty() ? 0 : dlogits.shape[0], &dinput, false);
}

void Network::backprop(const Tensor& dlogits, int64_t n0, int64_t n1, Tensor* dinput,
                       bool param_gradients) {
  Context ctx;
  ctx.training = true;
  ctx.workspace = &workspace_;
  ctx.param_gradients = param_gradients;
  if (param_gradients)
    for (auto& l : layers_)
      for (Param& p : l->params()) parallel_zero(p.grad);
  const int64_t per = n1 > n0 ? dlogits.size() / dlogits.shape[0] : 0;
  grads_.back().shape = dlogits.shape;
  if (!grads_.back().shape.empty()) grads_.back().shape[0] = static_cast<int>(n1 - n0);
  grads_.back().data.assign(dlogits.data.begin() + n0 * per, dlogits.data.begin() + n1 * per);
  for (int i = num_layers() - 1; i >= 0; --i) {
    const Tensor& x = i == 0 ? input_ : acts_[i - 1];
    Tensor* dx = i > 0 ? &grads_[i - 1] : dinput;
    if (dx) {
      dx->reshape(x.shape);
      parallel_zero(*dx);
    }
    layers_[i]->backward(x, acts_[i], grads_[i], dx, ctx);
  }
}

std::vector<Param*> Network::params() {
  std::vector<Param*> out;
  for (auto& l : layers_)
    for (Param& p : l->params()) out.push_back(&p);
  return out;
}

std::vector<const Param*> Network::params() const {
  std::vector<const Param*> out;
  for (const auto& l : layers_)
    for (const Param& p : l->params()) out.push_back(&p);
  return out;
}

namespace {
// Tensors of a layer's output size that a training step keeps: the output and its gradient, the
// gradient before the activation (not linear), the values before it (neither linear nor ReLU,
// which the kernels apply as they store), max-pool indices, LRN scales, dropout masks.
int64_t step_copies(const LayerSpec& l) {
  int64_t copies = 2;
  const bool linear = l.activation == kernels::Activation::kLinear;
  if (l.type == "conv2d" || l.type == "dense") {
    copies += linear ? 0 : 1;
    copies += linear || l.activation == kernels::Activation::kRelu ? 0 : 1;
  } else if (l.type == "maxpool2d" || l.type == "lrn" || l.type == "dropout" ||
             l.type == "activation") {
    copies += 1;
  }
  return copies;
}
}  // namespace

ModelSummary Network::summary() const {
  ModelSummary s;
  s.name = spec_.name;
  s.input = spec_.input;
  s.classes = classes_;
  for (int i = 0; i < num_layers(); ++i) {
    const Layer& l = *layers_[i];
    LayerSummary ls;
    ls.index = i;
    ls.type = l.spec().type;
    ls.name = names_[i];
    ls.detail = l.detail();
    ls.output = l.out_shape();
    ls.params = l.param_count();
    ls.macs = l.macs();
    s.params += ls.params;
    s.macs += ls.macs;
    s.layers.push_back(ls);
    s.step_bytes_per_example += 4 * step_copies(l.spec()) * shape_size(l.out_shape());
  }
  s.step_bytes_per_example += 2 * 4 * shape_size(spec_.input);  // the batch and its copy
  // Value, gradient, two optimizer slots and the update's scratch copy; 16 MiB of workspaces;
  // the training shards' replicas (a gradient each: they read this network's values), as many as
  // the model allows.
  const int replicas = cnn::train_shards(1 << 30, s.params) - 1;
  s.step_bytes_fixed = 5 * 4 * s.params + (int64_t{16} << 20) + 4 * s.params * replicas;
  return s;
}

}  // namespace cnn
