// cnn::Error: the one exception type the core throws for bad input (files, specs, shapes, divergence).
// Its message is one sentence for the user, naming the file, layer or field. It is not used for
// programming errors: those are asserts.
#pragma once

#include <stdexcept>
#include <string>

namespace cnn {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Throws cnn::Error(message) when cond is false.
inline void check(bool cond, const std::string& message) {
  if (!cond) throw Error(message);
}

}  // namespace cnn
