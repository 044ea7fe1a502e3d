// cnn::Error: the one exception type the core throws for bad input (files, specs, shapes,
// divergence). Its message is one sentence for the user, naming the file, layer or field; its code
// says what kind of input was wrong, so callers decide by code and never by matching the message.
// It is not used for programming errors: those are asserts.
#pragma once

#include <stdexcept>
#include <string>

namespace cnn {

// What an Error is about. Callers branch on this (the page chooses where to show a sentence, the
// worker falls back from a model file to a weights import); the message is only shown.
enum class ErrorCode {
  kInvalid,    // bad input that fits no narrower code
  kSpec,       // a model spec that cannot be built (the message names the layer or field)
  kData,       // a data file (IDX) that cannot be used
  kModelFile,  // a model file that cannot be read or does not fit
  kNoSpec,     // a model file that holds weights but no spec (import it into a spec instead)
  kMemory,     // more memory than the engine can have
  kDiverged,   // training produced NaN or infinite values (rolled back)
  kState,      // a request in the wrong order (no model, no data yet)
};

// The code as a short stable name ("spec", "no-spec", ...), as the worker protocol carries it.
inline const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::kSpec:
      return "spec";
    case ErrorCode::kData:
      return "data";
    case ErrorCode::kModelFile:
      return "model-file";
    case ErrorCode::kNoSpec:
      return "no-spec";
    case ErrorCode::kMemory:
      return "memory";
    case ErrorCode::kDiverged:
      return "diverged";
    case ErrorCode::kState:
      return "state";
    case ErrorCode::kInvalid:
      break;
  }
  return "invalid";
}

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorCode code = ErrorCode::kInvalid, int layer = -1)
      : std::runtime_error(message), code_(code), layer_(layer) {}
  ErrorCode code() const { return code_; }
  // The index of the spec's layer the error is about (the editor marks it), -1 for none.
  int layer() const { return layer_; }

 private:
  ErrorCode code_;
  int layer_;
};

// Throws cnn::Error(message) when cond is false.
inline void check(bool cond, const std::string& message) {
  if (!cond) throw Error(message);
}

// Runs f; an Error of the generic code that leaves it gets `code` instead (narrower codes stay).
template <class F>
auto with_error_code(ErrorCode code, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalid) throw;
    throw Error(e.what(), code, e.layer());
  }
}

// Runs f; an Error that leaves it without a layer gets `layer` (the one being built or parsed).
template <class F>
auto at_layer(int layer, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    if (e.layer() >= 0) throw;
    throw Error(e.what(), e.code(), layer);
  }
}

}  // namespace cnn
