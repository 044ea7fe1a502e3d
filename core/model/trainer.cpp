// Trainer implementation: batching with deterministic shuffles, the training step (forward,
// fused softmax cross-entropy + L2, backward, optimizer), divergence checks with rollback,
// evaluation and the model file.
#include "core/model/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <new>
#include <nlohmann/json.hpp>

#if defined(__unix__) && !defined(__EMSCRIPTEN__)
#include <unistd.h>
#endif

#include "core/data/augment.h"
#include "core/kernels/kernels.h"
#include "core/model/safetensors.h"
#include "core/tensor/error.h"
#include "core/tensor/tensor_stats.h"

namespace cnn {

using json = nlohmann::json;

namespace {
constexpr const char* kFormat = "cnn-playground/1";
constexpr int kEvalBatch = 256;
// Random streams of the data order (the epoch's own shuffle uses 1000000 + epoch).
constexpr uint64_t kPassStream = uint64_t{5} << 40;    // + (epoch << 20) + pass
constexpr uint64_t kSpliceStream = uint64_t{6} << 40;  // + the training count after the append

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

Trainer::Trainer() = default;
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

void Trainer::require_model() const {
  if (!net_) throw Error("no model yet: configure a spec or load a model file first", ErrorCode::kState);
}

void Trainer::require_data() const {
  if (!data_) throw Error("no data yet: load the MNIST (or other IDX) files first", ErrorCode::kState);
}

Network& Trainer::network() {
  require_model();
  return *net_;
}

const ModelSpec& Trainer::spec() const {
  require_model();
  return net_->spec();
}

std::string Trainer::spec_json(int indent) const { return spec_to_json(spec(), indent); }

ModelSummary Trainer::summary() const {
  require_model();
  return net_->summary();
}

ModelSummary Trainer::configure(const std::string& spec_json) {
  auto net = with_error_code(ErrorCode::kSpec, [&] {
    ModelSpec spec = parse_spec(spec_json);
    try {
      auto n = std::make_unique<Network>(spec);
      n->init_params(spec.seed);
      return n;
    } catch (const std::bad_alloc&) {
      // The engine's memory has a maximum (the wasm module's); the old model is still there.
      throw Error("this model's weights do not fit in the memory the engine can have; use fewer filters or units",
                  ErrorCode::kMemory);
    }
  });
  net_ = std::move(net);
  step_ = opt_steps_ = examples_seen_ = pos_ = epoch_pos_ = 0;
  epoch_ = pass_ = 0;
  update_ratio_.assign(net_->num_layers(), 0.0);
  ensure_slots();
  start_epoch();
  return net_->summary();
}

void Trainer::reset(std::optional<uint64_t> seed) {
  require_model();
  if (seed) net_->mutable_spec().seed = *seed;
  net_->init_params(net_->spec().seed);
  for (Param* p : net_->params()) {
    p->m = Tensor();
    p->v = Tensor();
  }
  step_ = opt_steps_ = examples_seen_ = pos_ = epoch_pos_ = 0;
  epoch_ = pass_ = 0;
  update_ratio_.assign(net_->num_layers(), 0.0);
  ensure_slots();
  start_epoch();
}

DataInfo Trainer::set_data(const std::vector<uint8_t>& train_images,
                           const std::vector<uint8_t>& train_labels,
                           const std::vector<uint8_t>& test_images,
                           const std::vector<uint8_t>& test_labels,
                           const std::vector<std::string>& names) {
  static const char* const kRoles[] = {"training images", "training labels", "test images", "test labels"};
  // "train-images-idx3-ubyte (training images)" when the caller knows the file, else the role.
  auto name = [&](size_t i) {
    return i < names.size() && !names[i].empty() ? names[i] + " (" + kRoles[i] + ")" : std::string(kRoles[i]);
  };
  data::IdxSet set;
  with_error_code(ErrorCode::kData, [&] {
    set.train = data::make_dataset(
        data::parse_idx_images(train_images.data(), train_images.size(), name(0)),
        data::parse_idx_labels(train_labels.data(), train_labels.size(), name(1)), "training set");
    set.test = data::make_dataset(
        data::parse_idx_images(test_images.data(), test_images.size(), name(2)),
        data::parse_idx_labels(test_labels.data(), test_labels.size(), name(3)), "test set");
  });
  return set_data(std::move(set));
}

DataInfo Trainer::set_data(data::IdxSet set) {
  const auto& tr = set.train.images;
  const auto& te = set.test.images;
  if (tr.rows != te.rows || tr.cols != te.cols)
    throw Error("the training images are " + std::to_string(tr.rows) + "x" + std::to_string(tr.cols) +
                " but the test images are " + std::to_string(te.rows) + "x" + std::to_string(te.cols),
                ErrorCode::kData);
  data_ = std::make_unique<data::IdxSet>(std::move(set));
  full_train_count_ = 0;
  if (epoch_pos_ > data_->train.images.count) epoch_pos_ = 0;
  pos_ = epoch_pos_;
  pass_ = 0;
  if (net_) start_epoch();
  return data_info();
}

DataInfo Trainer::append_train(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels) {
  return with_error_code(ErrorCode::kData, [&] { return append(true, images, labels); });
}

DataInfo Trainer::append_test(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels) {
  return with_error_code(ErrorCode::kData, [&] { return append(false, images, labels); });
}

DataInfo Trainer::append(bool train, const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels) {
  const std::string set = train ? "training" : "test";
  if (!data_) throw Error("no data to add the " + set + " images to: load a data set first");
  data::Dataset more = data::make_dataset(
      data::parse_idx_images(images.data(), images.size(), "more " + set + " images"),
      data::parse_idx_labels(labels.data(), labels.size(), "more " + set + " labels"), "more " + set + " data");
  data::Dataset& to = train ? data_->train : data_->test;
  const int before = to.images.count;
  const bool splice = train && net_ && perm_.size() == static_cast<size_t>(before);
  if (splice) perm_.reserve(static_cast<size_t>(before) + more.images.count);
  data::append_dataset(to, more, "more " + set + " data");
  if (!train || !net_) return data_info();
  if (!splice) {
    start_epoch();
    return data_info();
  }
  // The new images join the part of the current pass not yet visited, in a random order.
  const int after = to.images.count;
  for (int i = before; i < after; ++i) perm_.push_back(i);
  if (net_->spec().shuffle) {
    Rng rng = Rng::stream(net_->spec().seed, kSpliceStream + static_cast<uint64_t>(after));
    for (int64_t i = after - 1; i > pos_; --i)
      std::swap(perm_[i], perm_[pos_ + rng.below(static_cast<uint32_t>(i - pos_ + 1))]);
  }
  return data_info();
}

void Trainer::set_full_train_count(int n) {
  require_data();
  const int have = data_->train.images.count;
  if (n != 0 && (n < have || n > data::kIdxMaxCount))
    throw Error("the full training set must have from " + std::to_string(have) + " (the images present) to " +
                std::to_string(data::kIdxMaxCount) + " images, not " + std::to_string(n));
  full_train_count_ = n;
}

int64_t Trainer::epoch_size() const {
  if (!data_) return 0;
  return std::max(data_->train.images.count, full_train_count_);
}

DataInfo Trainer::data_info() const {
  DataInfo d;
  if (!data_) return d;
  d.train_count = data_->train.images.count;
  d.test_count = data_->test.images.count;
  d.rows = data_->train.images.rows;
  d.cols = data_->train.images.cols;
  d.epoch_size = static_cast<int>(epoch_size());
  return d;
}

namespace {
// The memory a training step may take: WebAssembly's 32-bit heap is capped at 2 GiB (the link
// flags' MAXIMUM_MEMORY), of which the data and the page's copies need a share; natively three
// quarters of the machine's memory, at most 48 GiB.
int64_t step_memory_limit() {
  if (sizeof(void*) == 4) return int64_t{1536} << 20;
  int64_t limit = int64_t{48} << 30;
#if defined(__unix__) && !defined(__EMSCRIPTEN__)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) limit = std::min<int64_t>(limit, static_cast<int64_t>(pages) * page / 4 * 3);
#endif
  return limit;
}

std::string bytes_text(int64_t bytes) {
  char buf[32];
  if (bytes >= (int64_t{1} << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1073741824.0);
  else std::snprintf(buf, sizeof buf, "%.0f MB", std::max(1.0, bytes / 1048576.0));
  return buf;
}
}  // namespace

void Trainer::check_step_memory(const ModelSpec& spec) const {
  const ModelSummary s = net_->summary();
  const int batch = spec.batch_size;
  const int64_t need = s.step_bytes(batch), limit = step_memory_limit();
  if (need <= limit) return;
  const int64_t room = limit - s.step_bytes_fixed;
  const int64_t fits = s.step_bytes_per_example > 0 ? room / s.step_bytes_per_example : 0;
  std::string advice = fits >= 1 ? "lower the batch size to " + std::to_string(std::min<int64_t>(fits, batch - 1)) +
                                       " or less, or use fewer or smaller layers"
                                 : "use fewer filters or units, or pool earlier";
  throw Error("a training step of this model with batch " + std::to_string(batch) + " needs about " +
              bytes_text(need) + " of memory, more than the " + bytes_text(limit) +
              " this engine can use; " + advice,
              ErrorCode::kMemory);
}

void Trainer::check_data_fits() const {
  require_model();
  require_data();
  const Shape& in = net_->spec().input;
  const auto& img = data_->train.images;
  if (in[0] != img.rows || in[1] != img.cols || in[2] != 1)
    throw Error("the model expects " + shape_str(in) + " inputs but the data has " +
                std::to_string(img.rows) + "x" + std::to_string(img.cols) + "x1 images; set \"input\" to [" +
                std::to_string(img.rows) + ", " + std::to_string(img.cols) + ", 1]");
  const int classes = net_->classes();
  for (const data::Dataset* d : {&data_->train, &data_->test})
    for (int i = 0; i < d->labels.count; ++i)
      if (d->labels.labels[i] >= classes)
        throw Error("label " + std::to_string(d->labels.labels[i]) + " of example " + std::to_string(i) +
                    " does not fit the model's " + std::to_string(classes) + " output classes");
}

int Trainer::steps_per_epoch() const {
  require_model();
  if (!data_) return 0;
  const int b = net_->spec().batch_size;
  return static_cast<int>((epoch_size() + b - 1) / b);
}

float Trainer::current_lr() const {
  require_model();
  const ModelSpec& spec = net_->spec();
  if (spec.lr_schedule != "cosine" || !data_) return spec.optimizer.lr;
  const double planned = static_cast<double>(spec.epochs) * steps_per_epoch();
  const double t = std::min(1.0, static_cast<double>(step_) / std::max(1.0, planned));
  return static_cast<float>(spec.optimizer.lr * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(3.141592653589793 * t))));
}

void Trainer::start_epoch() {
  if (!data_ || !net_) return;
  const int n = data_->train.images.count;
  perm_.resize(n);
  for (int i = 0; i < n; ++i) perm_[i] = i;
  if (!net_->spec().shuffle) return;
  Rng rng = Rng::stream(net_->spec().seed, 1000000 + static_cast<uint64_t>(epoch_));
  for (int i = n - 1; i > 0; --i) std::swap(perm_[i], perm_[rng.below(static_cast<uint32_t>(i + 1))]);
}

void Trainer::start_pass() {
  ++pass_;
  pos_ = 0;
  const int n = data_->train.images.count;
  perm_.resize(n);
  for (int i = 0; i < n; ++i) perm_[i] = i;
  if (!net_->spec().shuffle) return;
  Rng rng = Rng::stream(net_->spec().seed,
                        kPassStream + (static_cast<uint64_t>(epoch_) << 20) + static_cast<uint64_t>(pass_));
  for (int i = n - 1; i > 0; --i) std::swap(perm_[i], perm_[rng.below(static_cast<uint32_t>(i + 1))]);
}

void Trainer::ensure_slots() {
  const int slots = optimizer_slots(net_->spec().optimizer);
  for (Param* p : net_->params()) {
    if (slots >= 1 && p->m.size() != p->value.size()) p->m = Tensor(p->value.shape);
    if (slots >= 2 && p->v.size() != p->value.size()) p->v = Tensor(p->value.shape);
  }
}

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
  for (int b = 0; b < bs; ++b) {
    if (pos_ >= n_total) start_pass();  // only while the set is still growing to its full size
    const int idx = perm_[pos_++];
    const uint8_t* src = &images.pixels[static_cast<size_t>(idx) * px];
    float* dst = batch_x_.ptr() + static_cast<int64_t>(b) * px;
    float* plain = spec.augment.enabled ? tmp.data() : dst;
    for (int i = 0; i < px; ++i) plain[i] = src[i] * (1.0f / 255.0f);
    if (spec.augment.enabled) data::augment_image(plain, H, W, dst, aug_rng, aug);
    batch_y_[b] = data_->train.labels.labels[idx];
  }

  Rng dropout_rng = Rng::stream(spec.seed, 3000000 + static_cast<uint64_t>(step_));
  net_->forward(batch_x_, true, &dropout_rng);
  const Tensor& logits = net_->logits();
  const int C = net_->classes();
  probs_.reshape({bs, C});
  dlogits_.reshape({bs, C});
  double loss = kernels::ref::softmax_cross_entropy(bs, C, logits.ptr(), batch_y_.data(), probs_.ptr(),
                                                    dlogits_.ptr(), 1.0f / bs);
  const std::string at_step = "training diverged at step " + std::to_string(step_ + 1) + ": ";
  const std::string advice = "; lower the learning rate (now " +
                             json(spec.optimizer.lr).dump() + ") or reset the model";
  if (!std::isfinite(loss)) {
    for (int i = 0; i < net_->num_layers(); ++i)
      if (!net_->activation(i).all_finite())
        throw Error(at_step + net_->layer(i).label() + " produced NaN or infinite values" + advice,
                    ErrorCode::kDiverged);
    throw Error(at_step + "the loss is NaN or infinite" + advice, ErrorCode::kDiverged);
  }
  int correct = 0;
  for (int b = 0; b < bs; ++b) {
    const float* p = probs_.ptr() + static_cast<int64_t>(b) * C;
    correct += std::max_element(p, p + C) - p == batch_y_[b];
  }
  *accuracy = static_cast<double>(correct) / bs;

  net_->backward(dlogits_);
  for (int i = 0; i < net_->num_layers(); ++i) {
    Layer& layer = net_->layer(i);
    const float l2 = layer.spec().l2;
    for (Param& p : layer.params()) {
      bool finite;
      if (p.is_kernel && l2 > 0.0f) {
        const UpdateSums decay = add_weight_decay(l2, p.value.size(), p.value.ptr(), p.grad.ptr());
        loss += 0.5 * l2 * decay.weight_sq;
        finite = decay.finite;
      } else {
        finite = all_finite_threaded(p.grad.size(), p.grad.ptr());
      }
      if (!finite)
        throw Error(at_step + layer.label() + " has NaN or infinite gradients" + advice, ErrorCode::kDiverged);
    }
  }
  const int64_t t = opt_steps_ + 1;
  OptimizerConfig opt = spec.optimizer;
  opt.lr = current_lr();
  // The update ratio only reads the values around the update, so training is unchanged by it.
  update_ratio_.assign(net_->num_layers(), 0.0);
  for (int i = 0; i < net_->num_layers(); ++i) {
    Layer& layer = net_->layer(i);
    double update_sq = 0, weight_sq = 0;
    for (Param& p : layer.params()) {
      const UpdateSums u = optimizer_update_measured(opt, p.value.size(), p.value.ptr(), p.grad.ptr(),
                                                     p.m.size() ? p.m.ptr() : nullptr,
                                                     p.v.size() ? p.v.ptr() : nullptr, t);
      if (!u.finite)
        throw Error(at_step + layer.label() + " weights became NaN or infinite after the update" + advice,
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
    for (int64_t i = 0; i < static_cast<int64_t>(bs) * px; ++i)
      x.data[i] = images.pixels[static_cast<size_t>(b0) * px + i] * (1.0f / 255.0f);
    net_->forward(x, false, nullptr);
    float* probs = r.probs.data() + static_cast<size_t>(b0) * C;
    loss_sum += bs * kernels::ref::softmax_cross_entropy(bs, C, net_->logits().ptr(), &labels[b0], probs,
                                                         nullptr, 1.0f);
    for (int b = 0; b < bs; ++b) {
      const float* p = probs + static_cast<int64_t>(b) * C;
      const int pred = static_cast<int>(std::max_element(p, p + C) - p);
      const int truth = labels[b0 + b];
      r.predicted[b0 + b] = static_cast<uint8_t>(pred);
      r.confusion[truth * C + pred]++;
      r.class_count[truth]++;
      if (pred == truth) ++correct;
      else r.misclassified.push_back(b0 + b);
    }
  }
  for (int c = 0; c < C; ++c)
    r.per_class[c] = r.class_count[c] ? static_cast<double>(r.confusion[c * C + c]) / r.class_count[c] : 0.0;
  r.loss = total ? loss_sum / total : 0.0;
  r.accuracy = total ? static_cast<double>(correct) / total : 0.0;
  return r;
}

std::vector<float> Trainer::predict(const float* image, size_t n) {
  require_model();
  const Shape& in = net_->spec().input;
  const size_t want = static_cast<size_t>(shape_size(in));
  if (n != want)
    throw Error("predict needs one " + shape_str(in) + " image (" + std::to_string(want) +
                " values) but got " + std::to_string(n) + " values");
  Tensor x({1, in[0], in[1], in[2]});
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(image[i])) throw Error("predict: the image has a NaN or infinite pixel at index " + std::to_string(i));
    x.data[i] = image[i];
  }
  return net_->forward(x, false, nullptr).data;
}

std::vector<float> Trainer::test_image(int index, int* label) const {
  require_data();
  const auto& images = data_->test.images;
  if (index < 0 || index >= images.count)
    throw Error("test example " + std::to_string(index) + " does not exist (there are " +
                std::to_string(images.count) + ")");
  const int px = images.rows * images.cols;
  std::vector<float> out(px);
  for (int i = 0; i < px; ++i) out[i] = images.pixels[static_cast<size_t>(index) * px + i] * (1.0f / 255.0f);
  if (label) *label = data_->test.labels.labels[index];
  return out;
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

void Trainer::set_hyperparameters(const Hyperparameters& h) {
  require_model();
  ModelSpec s = net_->spec();
  if (h.optimizer) {
    const std::string& t = *h.optimizer;
    if (t != "sgd" && t != "adam" && t != "rmsprop")
      throw Error("unknown optimizer \"" + t + "\" (use sgd, adam or rmsprop)");
    if (t != s.optimizer.type) {
      OptimizerConfig fresh;
      fresh.type = t;
      fresh.lr = s.optimizer.lr;
      s.optimizer = fresh;
    }
  }
  if (h.lr) {
    if (!(*h.lr > 0.0f && *h.lr <= 100.0f)) throw Error("the learning rate must be between 0 and 100");
    s.optimizer.lr = *h.lr;
  }
  if (h.momentum) {
    if (!(*h.momentum >= 0.0f && *h.momentum < 1.0f)) throw Error("momentum must be in [0, 1)");
    s.optimizer.momentum = *h.momentum;
  }
  if (h.batch_size) {
    if (*h.batch_size < 1 || *h.batch_size > 4096) throw Error("the batch size must be between 1 and 4096");
    s.batch_size = *h.batch_size;
  }
  if (h.epochs) {
    if (*h.epochs < 1 || *h.epochs > 10000) throw Error("epochs must be between 1 and 10000");
    s.epochs = *h.epochs;
  }
  if (h.l2 && !(*h.l2 >= 0.0f && *h.l2 <= 100.0f)) throw Error("L2 must be between 0 and 100");
  if (h.dropout && !(*h.dropout >= 0.0f && *h.dropout <= 0.95f)) throw Error("dropout must be between 0 and 0.95");
  for (size_t i = 0; i < s.layers.size(); ++i) {
    LayerSpec& l = s.layers[i];
    if (h.l2 && (l.type == "conv2d" || l.type == "dense")) l.l2 = *h.l2;
    if (h.dropout && l.type == "dropout") l.rate = *h.dropout;
  }
  if (h.augment) s.augment.enabled = *h.augment;
  if (h.batch_size) check_step_memory(s);
  const bool type_changed = s.optimizer.type != net_->spec().optimizer.type;
  // Commit: nothing above threw.
  net_->mutable_spec() = s;
  for (int i = 0; i < net_->num_layers(); ++i) net_->layer(i).mutable_spec() = s.layers[i];
  if (type_changed) {
    for (Param* p : net_->params()) p->m = p->v = Tensor();
    opt_steps_ = 0;
  }
  ensure_slots();
}

std::vector<uint8_t> Trainer::save(bool with_optimizer) const {
  require_model();
  SafetensorsFile f;
  for (const Param* p : net_->params()) f.tensors.push_back({p->name, p->value.shape, p->value.data});
  if (with_optimizer)
    for (const Param* p : net_->params()) {
      if (p->m.size()) f.tensors.push_back({"optimizer/" + p->name + "/m", p->m.shape, p->m.data});
      if (p->v.size()) f.tensors.push_back({"optimizer/" + p->name + "/v", p->v.shape, p->v.data});
    }
  f.metadata["format"] = kFormat;
  f.metadata["spec"] = spec_to_json(net_->spec());
  json training{{"step", step_}, {"epoch", epoch_}, {"examples_seen", examples_seen_}, {"position", epoch_pos_}};
  if (with_optimizer) training["optimizer_steps"] = opt_steps_;
  f.metadata["training"] = training.dump();
  return write_safetensors(f);
}

namespace {
// Copies the file's tensors into the network's parameters after checking all of them, so a
// mismatch changes nothing. Optimizer slots are taken when present and complete.
// Returns whether every parameter got its optimizer slots from the file.
bool assign_tensors(Network& net, const SafetensorsFile& f, const std::string& name, bool with_slots) {
  std::map<std::string, const NamedTensor*> by_name;
  for (const NamedTensor& t : f.tensors) by_name[t.name] = &t;
  std::map<std::string, bool> used;
  for (int i = 0; i < net.num_layers(); ++i)
    for (const Param& p : net.layer(i).params()) {
      auto it = by_name.find(p.name);
      if (it == by_name.end())
        throw Error(name + ": has no tensor \"" + p.name + "\" for " + net.layer(i).label());
      if (it->second->shape != p.value.shape)
        throw Error(name + ": tensor \"" + p.name + "\" has shape " + shape_str(it->second->shape) +
                    " but " + net.layer(i).label() + " needs " + shape_str(p.value.shape));
      used[p.name] = true;
    }
  for (const NamedTensor& t : f.tensors) {
    if (used.count(t.name)) continue;
    if (t.name.rfind("optimizer/", 0) == 0) continue;
    throw Error(name + ": tensor \"" + t.name + "\" does not belong to any layer of the model");
  }
  for (Param* p : net.params()) {
    const NamedTensor* t = by_name[p->name];
    if (!all_finite(t->data.data(), static_cast<int64_t>(t->data.size())))
      throw Error(name + ": tensor \"" + p->name + "\" contains NaN or infinite values");
  }
  bool all_slots = with_slots;
  for (Param* p : net.params()) {
    p->value.data = by_name[p->name]->data;
    p->m = p->v = Tensor();
    if (!with_slots) continue;
    for (const char* slot : {"m", "v"}) {
      auto it = by_name.find("optimizer/" + p->name + "/" + slot);
      if (it == by_name.end() || it->second->shape != p->value.shape) {
        all_slots = false;
        continue;
      }
      Tensor& dst = slot[0] == 'm' ? p->m : p->v;
      dst = Tensor(p->value.shape);
      dst.data = it->second->data;
    }
  }
  return all_slots;
}
}  // namespace

ModelSummary Trainer::load(const std::vector<uint8_t>& bytes, const std::string& name) {
  return with_error_code(ErrorCode::kModelFile, [&] { return load_file(bytes, name); });
}

ModelSummary Trainer::load_file(const std::vector<uint8_t>& bytes, const std::string& name) {
  const SafetensorsFile f = read_safetensors(bytes.data(), bytes.size(), name);
  auto it = f.metadata.find("spec");
  if (it == f.metadata.end())
    throw Error(name + ": has no model spec in its metadata (not a CNN Playground model file); "
                "import it as weights into a matching spec instead",
                ErrorCode::kNoSpec);
  ModelSpec spec = parse_spec(it->second, name + " spec");
  auto net = std::make_unique<Network>(spec);
  const bool moments = assign_tensors(*net, f, name, true);
  int64_t step = 0, seen = 0, pos = 0, opt_steps = -1;
  int epoch = 0;
  auto tr = f.metadata.find("training");
  if (tr != f.metadata.end()) {
    json t = json::parse(tr->second, nullptr, false);
    // A field of the wrong type counts as absent.
    auto num = [&t](const char* key, int64_t absent) {
      auto field = t.find(key);
      return field != t.end() && field->is_number_integer() ? field->get<int64_t>() : absent;
    };
    if (t.is_object()) {
      step = num("step", 0);
      seen = num("examples_seen", 0);
      pos = num("position", 0);
      epoch = static_cast<int>(std::clamp<int64_t>(num("epoch", 0), -1, 1 << 30));
      opt_steps = num("optimizer_steps", -1);
    }
  }
  if (step < 0 || seen < 0 || pos < 0 || epoch < 0) step = seen = pos = epoch = 0;
  net_ = std::move(net);
  update_ratio_.assign(net_->num_layers(), 0.0);
  // Files written before optimizer_steps existed counted Adam's steps with the training steps.
  opt_steps_ = !moments ? 0 : opt_steps >= 0 ? opt_steps : step;
  step_ = step;
  examples_seen_ = seen;
  epoch_ = epoch;
  epoch_pos_ = !data_ || pos <= epoch_size() ? pos : 0;
  pass_ = 0;
  // Past the images present (a set still arriving): the next batch starts a new pass.
  pos_ = data_ ? std::min<int64_t>(epoch_pos_, data_->train.images.count) : epoch_pos_;
  ensure_slots();
  start_epoch();
  return net_->summary();
}

void Trainer::import_weights(const std::vector<uint8_t>& bytes, const std::string& name) {
  require_model();
  with_error_code(ErrorCode::kModelFile, [&] {
    const SafetensorsFile f = read_safetensors(bytes.data(), bytes.size(), name);
    assign_tensors(*net_, f, name, false);
  });
  opt_steps_ = 0;
  update_ratio_.assign(net_->num_layers(), 0.0);
  ensure_slots();
}

}  // namespace cnn
