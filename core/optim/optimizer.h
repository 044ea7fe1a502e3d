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
  float momentum = 0.0f;               // sgd
  bool nesterov = false;               // sgd
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

// The sums the training statistics need from one update: ||p_new - p_old||^2 and ||p_old||^2,
// and whether every new value is finite.
struct UpdateSums {
  double update_sq = 0, weight_sq = 0;
  bool finite = true;
};

// optimizer_update split over the threads in fixed chunks of the parameter, measuring as it goes
// (one pass over memory instead of four). The chunks, and the order their sums are added in, do
// not depend on the thread count, so neither do the weights or the sums.
UpdateSums optimizer_update_measured(const OptimizerConfig& c, int64_t n, float* p, const float* g,
                                     float* m, float* v, int64_t t);

// Adds l2 * p to the gradient g (weight decay) the same way, returning ||p||^2 and whether every
// resulting gradient is finite.
UpdateSums add_weight_decay(float l2, int64_t n, const float* p, float* g);

// Whether every value is finite, checked on the threads.
bool all_finite_threaded(int64_t n, const float* a);

}  // namespace cnn
