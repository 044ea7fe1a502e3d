// Network: the layers of a spec in order, their activations and gradients, and the forward and
// backward passes. The last layer's softmax is fused with the cross-entropy loss (gradient
// probs - onehot), which is both cheaper and numerically stable. Training policy (batches,
// optimizer, divergence) lives in the trainer, not here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/layers/layer.h"
#include "core/model/spec.h"
#include "core/tensor/tensor_stats.h"

namespace cnn {

struct LayerSummary {
  int index = 0;
  std::string type, name, detail;
  Shape output;
  int64_t params = 0, macs = 0;
};

struct ModelSummary {
  std::string name;
  Shape input;
  std::vector<LayerSummary> layers;
  int64_t params = 0, macs = 0;
  int classes = 0;
  // Memory a training step needs, estimated: bytes that grow with the batch (each layer's output,
  // its gradient and the caches a layer keeps for backward) per example, and bytes that do not
  // (parameters with their gradients and optimizer slots, kernel workspaces).
  int64_t step_bytes_per_example = 0, step_bytes_fixed = 0;
  int64_t step_bytes(int batch) const { return step_bytes_fixed + step_bytes_per_example * batch; }
};

// How many shards a training step splits its batch into: each shard runs the whole forward and
// backward pass on its own thread, so a step waits for the other threads twice (the shards, then
// the gradients' sum) instead of at every layer. A power of two, at most kMaxShards, with at least
// kMinShardExamples examples in each; one while 8 bytes a weight per replica would pass 48 MiB
// (a replica holds a gradient, 4 bytes a weight; the budget is the one from when it also held a
// copy of the values, so that every model keeps its shard count, and with it its bits). It
// depends on the batch and the model only, never on the thread count, so the weights after a
// step are the same bits on any number of threads.
constexpr int kMaxShards = 4;
constexpr int kMinShardExamples = 16;
int train_shards(int batch, int64_t params);

class Network {
 public:
  // Builds and checks every layer against its input shape. Throws Error naming the layer.
  explicit Network(const ModelSpec& spec);

  void init_params(uint64_t seed);
  // x [N, H, W, C] -> probabilities [N, classes]. Keeps every layer's output for inspection.
  const Tensor& forward(const Tensor& x, bool training, Rng* rng);
  // The same on examples [n0, n1) of x (a training shard); leaves active_shards() alone.
  const Tensor& forward_rows(const Tensor& x, int64_t n0, int64_t n1, bool training, Rng* rng);
  // Logits of the last forward pass [N, classes].
  const Tensor& logits() const;
  // Zeroes the parameter gradients and back-propagates dlogits [N, classes].
  void backward(const Tensor& dlogits);
  // The same with rows [n0, n1) of dlogits (a training shard, after forward_rows).
  void backward_rows(const Tensor& dlogits, int64_t n0, int64_t n1);

  // Training shards (see train_shards): shard 0 is this network, shard s > 0 a replica built on
  // first use (call shard() for every s before running them on threads). A replica reads this
  // network's parameter values (Layer::read_values_from), so a step copies none; sync_shard(s)
  // copies the layer settings into replica s; add_shard_gradients(to, from) adds shard `from`'s
  // parameter gradients to shard `to`'s. set_active_shards(n) says the last forward pass ran on
  // shards [0, n) (forward() sets 1), for activation_spans().
  int train_shards(int batch) const { return cnn::train_shards(batch, param_count_); }
  Network& shard(int s);
  void sync_shard(int s);
  void add_shard_gradients(int to, int from);
  void set_active_shards(int n) { active_shards_ = n; }
  int active_shards() const { return active_shards_; }
  // Layer i's outputs over the whole batch of the last forward pass: one span per shard, in order.
  std::vector<FloatSpan> activation_spans(int i) const;
  // Back-propagates dlogits [N, classes] through the last forward pass down to the input, into
  // dinput [N, H, W, C]. The parameter gradients are neither zeroed nor computed, so what the
  // optimizer and the statistics see stays as it was (explanations between training steps).
  // Training never asks for the input's gradient, so backward() does not compute it.
  void backward_to_input(const Tensor& dlogits, Tensor& dinput);
  // Gradient of layer i's output from the last backward pass ([N, ...]).
  const Tensor& output_grad(int i) const { return grads_[i]; }

  int num_layers() const { return static_cast<int>(layers_.size()); }
  Layer& layer(int i) { return *layers_[i]; }
  const Layer& layer(int i) const { return *layers_[i]; }
  // Output of layer i from the last forward pass ([N, ...]).
  const Tensor& activation(int i) const { return acts_[i]; }
  const Tensor& input() const { return input_; }
  // Keras name of layer i ("conv2d_1", "dense_2", "maxpool2d_1", ...).
  const std::string& layer_name(int i) const { return names_[i]; }
  // All parameters with their full names ("conv2d_1/kernel").
  std::vector<Param*> params();
  std::vector<const Param*> params() const;
  ModelSummary summary() const;
  int classes() const { return classes_; }
  const ModelSpec& spec() const { return spec_; }
  ModelSpec& mutable_spec() { return spec_; }

 private:
  // Back-propagates rows [n0, n1) of dlogits.
  void backprop(const Tensor& dlogits, int64_t n0, int64_t n1, Tensor* dinput,
                bool param_gradients);

  ModelSpec spec_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::string> names_;
  std::vector<Tensor> acts_, grads_;
  Tensor input_;
  std::vector<float> workspace_;
  int classes_ = 0;
  int64_t param_count_ = 0;
  std::vector<std::unique_ptr<Network>> replicas_;  // shards 1, 2, ...
  int active_shards_ = 1;
};

}  // namespace cnn
