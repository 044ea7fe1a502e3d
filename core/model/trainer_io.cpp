// Trainer's model file: save (weights, optionally the optimizer's moments, the spec and the
// training position as safetensors metadata), load a whole model, import weights into the current
// spec. A file is checked completely before anything changes.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/model/safetensors.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"

namespace cnn {

using json = nlohmann::json;

namespace {
constexpr const char* kFormat = "cnn-playground/1";
}  // namespace

std::vector<uint8_t> Trainer::save(bool with_optimizer) const {
  require_model();
  SafetensorsFile f;
  for (const Param* p : net_->params())
    f.tensors.push_back({p->name, p->value.shape, p->value.data});
  if (with_optimizer)
    for (const Param* p : net_->params()) {
      if (p->m.size()) f.tensors.push_back({"optimizer/" + p->name + "/m", p->m.shape, p->m.data});
      if (p->v.size()) f.tensors.push_back({"optimizer/" + p->name + "/v", p->v.shape, p->v.data});
    }
  f.metadata["format"] = kFormat;
  f.metadata["spec"] = spec_to_json(net_->spec());
  json training{{"step", step_},
                {"epoch", epoch_},
                {"examples_seen", examples_seen_},
                {"position", epoch_pos_}};
  if (with_optimizer) training["optimizer_steps"] = opt_steps_;
  f.metadata["training"] = training.dump();
  return write_safetensors(f);
}

namespace {
// Copies the file's tensors into the network's parameters after checking all of them, so a
// mismatch changes nothing. Optimizer slots are taken when present and complete.
// Returns whether every parameter got its optimizer slots from the file.
bool assign_tensors(Network& net, const SafetensorsFile& f, const std::string& name,
                    bool with_slots) {
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
    throw Error(name +
                    ": has no model spec in its metadata (not a CNN Playground model file); "
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
