// Optimizers as update rules over flat arrays (SGD with momentum/Nesterov, Adam, RMSprop). The
// rules follow PyTorch's formulas, which the golden test reproduces:
//   sgd:     v = mu v + g;  p -= lr (nesterov ? g + mu v : v)
//   adam:    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr m^ / (sqrt(v^) + eps)
//   rmsprop: v = rho v + (1-rho) g^2;  p -= lr g / (sqrt(v) + eps)
// Hyper-parameters may change between steps; state lives in the caller's slot arrays.
#pragma once

#include <cstdint>
#include <string>

namespace cnn {

struct OptimizerConfig {
  std::string type = "sgd";  // "sgd" | "adam" | "rmsprop"
  float lr = 0.01f;
  float momentum = 0.0f;  // sgd
  bool nesterov = false;  // sgd
  float beta1 = 0.9f, beta2 = 0.999f;  // adam
  float rho = 0.9f;                    // rmsprop
  float epsilon = 1e-7f;               // adam, rmsprop
};

// How many state slots (each the size of the parameter) the optimizer needs: 0, 1 or 2.
int optimizer_slots(const OptimizerConfig& c);

// One update of n parameters p with gradient g. m and v are the slots (unused ones may be null).
// t is the 1-based step number (Adam's bias correction).
void optimizer_update(const OptimizerConfig& c, int64_t n, float* p, const float* g, float* m,
                      float* v, int64_t t);

}  // namespace cnn
