// Trainer implementation, the model's lifecycle: configure and reset, hyper-parameters between
// steps, the learning-rate schedule and the memory check of a training step. The step itself is in
// trainer_step.cpp, the data in trainer_data.cpp, evaluation and inspection in trainer_eval.cpp,
// the model file in trainer_io.cpp.
#include "core/model/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>

#if defined(__unix__) && !defined(__EMSCRIPTEN__)
#include <unistd.h>
#endif

#include "core/tensor/error.h"

namespace cnn {

Trainer::Trainer() = default;
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

void Trainer::require_model() const {
  if (!net_)
    throw Error("no model yet: configure a spec or load a model file first", ErrorCode::kState);
}

void Trainer::require_data() const {
  if (!data_)
    throw Error("no data yet: load the MNIST (or other IDX) files first", ErrorCode::kState);
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
      throw Error(
          "this model's weights do not fit in the memory the engine can have; use fewer filters or "
          "units",
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

namespace {
// The memory a training step may take: WebAssembly's 32-bit heap is capped at 2 GiB (the link
// flags' MAXIMUM_MEMORY), of which the data and the page's copies need a share; natively three
// quarters of the machine's memory, at most 48 GiB.
int64_t step_memory_limit() {
  if (sizeof(void*) == 4) return int64_t{1536} << 20;
  int64_t limit = int64_t{48} << 30;
#if defined(__unix__) && !defined(__EMSCRIPTEN__)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0)
    limit = std::min<int64_t>(limit, static_cast<int64_t>(pages) * page / 4 * 3);
#endif
  return limit;
}

std::string bytes_text(int64_t bytes) {
  char buf[32];
  if (bytes >= (int64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1073741824.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f MB", std::max(1.0, bytes / 1048576.0));
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
  std::string advice = fits >= 1 ? "lower the batch size to " +
                                       std::to_string(std::min<int64_t>(fits, batch - 1)) +
                                       " or less, or use fewer or smaller layers"
                                 : "use fewer filters or units, or pool earlier";
  throw Error("a training step of this model with batch " + std::to_string(batch) +
                  " needs about " + bytes_text(need) + " of memory, more than the " +
                  bytes_text(limit) + " this engine can use; " + advice,
              ErrorCode::kMemory);
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
  return static_cast<float>(spec.optimizer.lr *
                            (0.05 + 0.95 * 0.5 * (1.0 + std::cos(3.141592653589793 * t))));
}

void Trainer::ensure_slots() {
  const int slots = optimizer_slots(net_->spec().optimizer);
  for (Param* p : net_->params()) {
    if (slots >= 1 && p->m.size() != p->value.size()) p->m = Tensor(p->value.shape);
    if (slots >= 2 && p->v.size() != p->value.size()) p->v = Tensor(p->value.shape);
  }
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
    if (!(*h.lr > 0.0f && *h.lr <= 100.0f))
      throw Error("the learning rate must be between 0 and 100");
    s.optimizer.lr = *h.lr;
  }
  if (h.momentum) {
    if (!(*h.momentum >= 0.0f && *h.momentum < 1.0f)) throw Error("momentum must be in [0, 1)");
    s.optimizer.momentum = *h.momentum;
  }
  if (h.batch_size) {
    if (*h.batch_size < 1 || *h.batch_size > 4096)
      throw Error("the batch size must be between 1 and 4096");
    s.batch_size = *h.batch_size;
  }
  if (h.epochs) {
    if (*h.epochs < 1 || *h.epochs > 10000) throw Error("epochs must be between 1 and 10000");
    s.epochs = *h.epochs;
  }
  if (h.l2 && !(*h.l2 >= 0.0f && *h.l2 <= 100.0f)) throw Error("L2 must be between 0 and 100");
  if (h.dropout && !(*h.dropout >= 0.0f && *h.dropout <= 0.95f))
    throw Error("dropout must be between 0 and 0.95");
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

}  // namespace cnn
