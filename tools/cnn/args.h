// A small command-line parser for `cnn`: `--key value` options and `--flag` switches, each
// declared by the command that reads it, so an unknown or misspelt option is an error.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/tensor/error.h"

namespace cnn::cli {

class Args {
 public:
  // argv after the command name. `options` take a value, `flags` do not.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& options,
       const std::set<std::string>& flags) {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.rfind("--", 0) != 0) throw Error("unexpected argument \"" + a + "\"");
      const std::string key = a.substr(2);
      if (flags.count(key)) {
        flags_.insert(key);
      } else if (options.count(key)) {
        if (i + 1 >= argv.size()) throw Error("option --" + key + " needs a value");
        values_[key] = argv[++i];
      } else {
        std::string known;
        for (const auto& o : options) known += " --" + o;
        for (const auto& f : flags) known += " --" + f;
        throw Error("unknown option --" + key + " (this command takes:" + known + ")");
      }
    }
  }
  bool has(const std::string& key) const { return values_.count(key) || flags_.count(key); }
  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }
  double number(const std::string& key, double fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    try {
      size_t used = 0;
      const double v = std::stod(it->second, &used);
      if (used == it->second.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error("option --" + key + " needs a number, not \"" + it->second + "\"");
  }
  int integer(const std::string& key, int fallback, int lo, int hi) const {
    const double v = number(key, fallback);
    if (v != static_cast<int>(v) || v < lo || v > hi)
      throw Error("option --" + key + " needs a whole number from " + std::to_string(lo) + " to " +
                  std::to_string(hi));
    return static_cast<int>(v);
  }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

}  // namespace cnn::cli
