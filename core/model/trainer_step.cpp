// Trainer's training step: a batch from the shuffled order (augmented when asked), forward, fused
// softmax cross-entropy, L2 weight decay (core/optim), backward and the optimizer update, with
// divergence checks that roll the whole chunk of steps back to a snapshot.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>

#include "core/data/augment.h"
#include "core/data/preprocess.h"
#include "core/kernels/kernels.h"
#include "core/model/trainer.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/error.h"

namespace cnn {

using json = nlohmann::json;

namespace {
double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

struct Trainer::Snapshot {
  std::vector<std::vector<float>> values, m, v;
  std::vector<double> update_ratio;
  std::vector<int> perm;
  int64_t step, opt_steps, examples_seen, pos, epoch_pos;
  int epoch, pass;
};

Trainer::Snapshot Trainer::take_snapshot() const {
  Snapshot s;
  for (const Param* p : net_->params()) {
    s.values.push_back(p->value.data);
    s.m.push_back(p->m.data);
    s.v.push_back(p->v.data);
  }
  s.update_ratio = update_ratio_;
  s.perm = perm_;
  s.epoch_pos = epoch_pos_;
  s.pass = pass_;
  s.step = step_;
  s.opt_steps = opt_steps_;
  s.examples_seen = examples_seen_;
  s.pos = pos_;
  s.epoch = epoch_;
  return s;
}

void Trainer::restore(const Snapshot& s) {
  auto params = net_->params();
  for (size_t i = 0; i < params.size(); ++i) {
    params[i]->value.data = s.values[i];
    params[i]->m.data = s.m[i];
    params[i]->v.data = s.v[i];
  }
  update_ratio_ = s.update_ratio;
  perm_ = s.perm;
  step_ = s.step;
  opt_steps_ = s.opt_steps;
  examples_seen_ = s.examples_seen;
  pos_ = s.pos;
  epoch_pos_ = s.epoch_pos;
  epoch_ = s.epoch;
  pass_ = s.pass;
}

// One batch: returns the loss, sets *accuracy. Throws Error on NaN/Inf (state then partly
// updated; the caller restores the snapshot).
double Trainer::train_one_step(double* accuracy) {
  const ModelSpec& spec = net_->spec();
  const auto& images = data_->train.images;
  const int n_total = images.count;
  const int64_t per_epoch = epoch_size();
  if (epoch_pos_ >= per_epoch) {
    ++epoch_;
    pos_ = epoch_pos_ = 0;
    pass_ = 0;
    start_epoch();
  }
  const int bs = static_cast<int>(std::min<int64_t>(spec.batch_size, per_epoch - epoch_pos_));
  const int H = images.rows, W = images.cols, px = H * W;
  batch_x_.reshape({bs, H, W, 1});
  batch_y_.resize(bs);
  Rng aug_rng = Rng::stream(spec.seed, 2000000 + static_cast<uint64_t>(step_));
  std::vector<float> tmp(spec.augment.enabled ? px : 0);
  const data::AugmentParams aug{spec.augment.shift, spec.augment.rotate, spec.augment.scale};
  batch_idx_.resize(bs);
  for (int b = 0; b < bs; ++b) {
    if (pos_ >= n_total) start_pass();  // only while the set is still growing to its full size
    const int idx = perm_[pos_++];
    batch_idx_[b] = idx;
    batch_y_[b] = data_->train.labels.labels[idx];
    if (!spec.augment.enabled) continue;  // converted by the shards below, on their threads
    const uint8_t* src = &images.pixels[static_cast<size_t>(idx) * px];
    data::bytes_to_unit_floats(src, static_cast<size_t>(px), tmp.data());
    data::augment_image(tmp.data(), H, W, batch_x_.ptr() + static_cast<int64_t>(b) * px, aug_rng,
                        aug);
  }

  // Forward, loss and backward on each shard of the batch (network.h, train_shards), on the
  // threads when there are several. The shards' parameter gradients are summed as a fixed tree:
  // at each level h = shards / 2, shards / 4, ..., 1, shard s < h adds shard s + h. The shards
  // run in `groups` (the largest power of two not above the thread count, at most `shards`):
  // group g runs shards g, g + groups, ... in turn and then sums the levels h >= groups itself,
  // on the core that wrote those gradients; the levels below follow on all threads. The tree
  // does not depend on the groups, so neither do the weights.
  const int C = net_->classes();
  probs_.reshape({bs, C});
  dlogits_.reshape({bs, C});
  const int shards = net_->train_shards(bs);
  for (int s = 1; s < shards; ++s) net_->shard(s);  // built here, not on the threads
  std::vector<double> shard_loss(shards, 0.0);
  auto run_shard = [&](int s) {
    int64_t b0, b1;
    parallel::split_range(bs, shards, s, &b0, &b1);
    Network& net = net_->shard(s);
    if (s > 0) net_->sync_shard(s);
    if (!spec.augment.enabled)
      for (int64_t b = b0; b < b1; ++b)
        data::bytes_to_unit_floats(&images.pixels[static_cast<size_t>(batch_idx_[b]) * px],
                                   static_cast<size_t>(px), batch_x_.ptr() + b * px);
    // Shard 0 draws from the stream an unsharded step uses.
    Rng dropout_rng = Rng::stream(
        spec.seed, 3000000 + static_cast<uint64_t>(step_) + (static_cast<uint64_t>(s) << 44));
    net.forward_rows(batch_x_, b0, b1, true, &dropout_rng);
    const int n = static_cast<int>(b1 - b0);
    shard_loss[s] = kernels::ref::softmax_cross_entropy(n, C, net.logits().ptr(),
                                                        batch_y_.data() + b0, probs_.ptr() + b0 * C,
                                                        dlogits_.ptr() + b0 * C, 1.0f / bs);
    if (std::isfinite(shard_loss[s])) net.backward_rows(dlogits_, b0, b1);
  };
  int groups = 1;
  while (groups * 2 <= std::min(shards, parallel::threads())) groups *= 2;
  // The tree's levels h in [lowest, top], for the shards s = first, first + stride, ... below h.
  auto sum_levels = [&](int top, int lowest, int first, int stride) {
    for (int h = top; h >= lowest; h /= 2)
      for (int s = first; s < h; s += stride) net_->add_shard_gradients(s, s + h);
  };
  if (shards == 1) {
    run_shard(0);  // the layers' own loops then use the threads
  } else {
    std::vector<std::exception_ptr> failed(groups);
    parallel::for_each(groups, [&](int g, int) {
      try {
        bool finite = true;
        for (int s = g; s < shards; s += groups) {
          run_shard(s);
          finite = finite && std::isfinite(shard_loss[s]);
        }
        // A step with a non-finite loss stops below, before any gradient is used.
        if (finite) sum_levels(shards / 2, groups, g, groups);
      } catch (...) {
        failed[g] = std::current_exception();
      }
    });
    for (const std::exception_ptr& e : failed)
      if (e) std::rethrow_exception(e);
  }
  net_->set_active_shards(shards);
  // The batch's mean loss from the shards' means, weighted by their sizes.
  double loss = shard_loss[0];
  if (shards > 1) {
    loss = 0.0;
    for (int s = 0; s < shards; ++s) {
      int64_t b0, b1;
      parallel::split_range(bs, shards, s, &b0, &b1);
      loss += shard_loss[s] * static_cast<double>(b1 - b0);
    }
    loss /= bs;
  }
  const std::string at_step = "training diverged at step " + std::to_string(step_ + 1) + ": ";
  const std::string advice =
      "; lower the learning rate (now " + json(spec.optimizer.lr).dump() + ") or reset the model";
  if (!std::isfinite(loss)) {
    for (int i = 0; i < net_->num_layers(); ++i)
      for (int s = 0; s < shards; ++s)
        if (!net_->shard(s).activation(i).all_finite())
          throw Error(
              at_step + net_->layer(i).label() + " produced NaN or infinite values" + advice,
              ErrorCode::kDiverged);
    throw Error(at_step + "the loss is NaN or infinite" + advice, ErrorCode::kDiverged);
  }
  int correct = 0;
  for (int b = 0; b < bs; ++b) {
    const float* p = probs_.ptr() + static_cast<int64_t>(b) * C;
    correct += std::max_element(p, p + C) - p == batch_y_[b];
  }
  *accuracy = static_cast<double>(correct) / bs;

  // The update, in one loop over chunks of every parameter (core/optim): the tree's levels
  // below the groups, the weight decay, the finiteness checks, the optimizer's rule and the
  // update ratio's sums.
  const int64_t t = opt_steps_ + 1;
  OptimizerConfig opt = spec.optimizer;
  opt.lr = current_lr();
  std::vector<ParamUpdate> updates;
  for (int i = 0; i < net_->num_layers(); ++i) {
    Layer& layer = net_->layer(i);
    for (size_t k = 0; k < layer.params().size(); ++k) {
      Param& p = layer.params()[k];
      ParamUpdate u;
      u.n = p.value.size();
      u.p = p.value.ptr();
      u.g = p.grad.ptr();
      u.m = p.m.size() ? p.m.ptr() : nullptr;
      u.v = p.v.size() ? p.v.ptr() : nullptr;
      u.l2 = p.is_kernel ? layer.spec().l2 : 0.0f;
      auto grad = [&](int s) { return net_->shard(s).layer(i).params()[k].grad.ptr(); };
      for (int h = groups / 2; h >= 1; h /= 2)
        for (int s = 0; s < h; ++s) u.adds.emplace_back(grad(s), grad(s + h));
      updates.push_back(std::move(u));
    }
  }
  const std::vector<ParamUpdateSums> sums = update_parameters(opt, t, updates);
  // The checks in the order of the passes they replace: every gradient first, then every update.
  size_t k = 0;
  for (int i = 0; i < net_->num_layers(); ++i) {
    Layer& layer = net_->layer(i);
    for (size_t j = 0; j < layer.params().size(); ++j, ++k) {
      if (updates[k].l2 > 0.0f) loss += 0.5 * updates[k].l2 * sums[k].decay_sq;
      if (!sums[k].grad_finite)
        throw Error(at_step + layer.label() + " has NaN or infinite gradients" + advice,
                    ErrorCode::kDiverged);
    }
  }
  // The update ratio only reads the values around the update, so training is unchanged by it.
  update_ratio_.assign(net_->num_layers(), 0.0);
  k = 0;
  for (int i = 0; i < net_->num_layers(); ++i) {
    Layer& layer = net_->layer(i);
    double update_sq = 0, weight_sq = 0;
    for (size_t j = 0; j < layer.params().size(); ++j, ++k) {
      const UpdateSums& u = sums[k].update;
      if (!u.finite)
        throw Error(
            at_step + layer.label() + " weights became NaN or infinite after the update" + advice,
            ErrorCode::kDiverged);
      update_sq += u.update_sq;
      weight_sq += u.weight_sq;
    }
    update_ratio_[i] = weight_sq > 0 ? std::sqrt(update_sq / weight_sq) : 0.0;
  }
  step_ += 1;
  opt_steps_ = t;
  epoch_pos_ += bs;
  examples_seen_ += bs;
  return loss;
}

StepResult Trainer::train_steps(int n) {
  check_data_fits();
  check_step_memory(net_->spec());
  if (n < 1) throw Error("train_steps needs at least 1 step, not " + std::to_string(n));
  const double t0 = now_ms();
  const Snapshot snap = take_snapshot();
  StepResult r;
  double loss_sum = 0, acc_sum = 0;
  try {
    for (int i = 0; i < n; ++i) {
      double acc = 0;
      loss_sum += train_one_step(&acc);
      acc_sum += acc;
    }
  } catch (const Error&) {
    restore(snap);
    throw;
  }
  r.steps = n;
  r.step = step_;
  r.epoch = epoch_;
  r.examples_seen = examples_seen_;
  r.epoch_progress = static_cast<double>(epoch_pos_) / epoch_size();
  r.loss = loss_sum / n;
  r.batch_accuracy = acc_sum / n;
  r.ms = now_ms() - t0;
  return r;
}

}  // namespace cnn
