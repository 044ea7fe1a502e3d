// Helpers the cnn commands share (see common.h): reading the model and data options, and
// printing summaries and evaluations. Nothing here does math of its own.
#include "tools/cnn/common.h"

#include <chrono>
#include <cstdio>

#include "core/data/idx.h"
#include "core/model/presets.h"

namespace cnn::cli {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string spec_text(const Args& a) {
  if (a.has("preset") && a.has("spec")) throw Error("give either --preset or --spec, not both");
  if (a.has("preset")) return preset_json(a.get("preset"));
  if (a.has("spec")) {
    const auto bytes = data::read_file(a.get("spec"));
    return std::string(bytes.begin(), bytes.end());
  }
  throw Error(
      "give a model with --preset NAME or --spec FILE (presets: keras-book, tf-tutorial, tflearn, "
      "tiny)");
}

int set_threads(const Args& a) {
  const int n = a.has("threads") ? a.integer("threads", 1, 1, 64) : Trainer::hardware_threads();
  return Trainer::set_threads(n);
}

void configure(Trainer& t, const Args& a) {
  const std::string where = a.has("spec") ? a.get("spec") : "preset " + a.get("preset");
  try {
    t.configure(spec_text(a));
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
}

json summary_json(const ModelSummary& s) {
  json layers = json::array();
  for (const LayerSummary& l : s.layers)
    layers.push_back({{"index", l.index},
                      {"name", l.name},
                      {"type", l.type},
                      {"detail", l.detail},
                      {"output", l.output},
                      {"params", l.params},
                      {"macs", l.macs}});
  return {{"name", s.name},     {"input", s.input}, {"layers", layers},
          {"params", s.params}, {"macs", s.macs},   {"classes", s.classes}};
}

void print_summary(const ModelSummary& s) {
  std::printf("model %s, input %s\n", s.name.c_str(), shape_str(s.input).c_str());
  std::printf("  %-3s %-14s %-28s %-12s %10s %12s\n", "#", "layer", "", "output", "params", "MACs");
  for (const LayerSummary& l : s.layers)
    std::printf("  %-3d %-14s %-28s %-12s %10lld %12lld\n", l.index, l.name.c_str(),
                l.detail.c_str(), shape_str(l.output).c_str(), static_cast<long long>(l.params),
                static_cast<long long>(l.macs));
  std::printf("  total: %lld parameters, %lld MACs per example\n", static_cast<long long>(s.params),
              static_cast<long long>(s.macs));
}

json eval_json(const EvalResult& r, bool probs) {
  json conf = json::array();
  for (int i = 0; i < r.classes; ++i)
    conf.push_back(std::vector<int>(r.confusion.begin() + i * r.classes,
                                    r.confusion.begin() + (i + 1) * r.classes));
  json out = {{"count", r.count},       {"loss", r.loss},
              {"accuracy", r.accuracy}, {"per_class", r.per_class},
              {"confusion", conf},      {"misclassified", r.misclassified.size()}};
  if (probs) {
    json rows = json::array();
    for (int i = 0; i < r.count; ++i)
      rows.push_back(std::vector<float>(r.probs.begin() + static_cast<size_t>(i) * r.classes,
                                        r.probs.begin() + static_cast<size_t>(i + 1) * r.classes));
    out["probabilities"] = rows;
  }
  return out;
}

void print_eval(const EvalResult& r) {
  std::printf("test accuracy %.2f%% (%d of %d), loss %.4f\n", 100 * r.accuracy,
              r.count - static_cast<int>(r.misclassified.size()), r.count, r.loss);
  std::printf("per class:");
  for (int c = 0; c < r.classes; ++c) std::printf(" %d:%.1f%%", c, 100 * r.per_class[c]);
  std::printf("\nconfusion (rows true, columns predicted):\n      ");
  for (int c = 0; c < r.classes; ++c) std::printf("%6d", c);
  std::printf("\n");
  for (int i = 0; i < r.classes; ++i) {
    std::printf("  %3d ", i);
    for (int j = 0; j < r.classes; ++j) std::printf("%6d", r.confusion[i * r.classes + j]);
    std::printf("\n");
  }
}

std::string data_dir(const Args& a) {
  return a.has("data") ? a.get("data") : Trainer::find_data_dir(CNN_SOURCE_DIR);
}

void load_data(Trainer& t, const Args& a) {
  data::IdxSet set = data::load_idx_dir(data_dir(a));
  if (a.has("limit")) {
    const int limit = a.integer("limit", 0, 1, 10000000);
    auto& tr = set.train;
    if (limit < tr.images.count) {
      tr.images.count = tr.labels.count = limit;
      tr.images.pixels.resize(static_cast<size_t>(limit) * tr.images.rows * tr.images.cols);
      tr.labels.labels.resize(limit);
    }
  }
  t.set_data(std::move(set));
}

std::string format_eta(double seconds) {
  char buf[32];
  const int s = static_cast<int>(seconds + 0.5);
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", s / 3600, s / 60 % 60);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  return buf;
}

}  // namespace cnn::cli
