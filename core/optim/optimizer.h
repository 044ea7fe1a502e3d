// Optimizers as update rules over flat arrays (SGD with momentum/Nesterov, Adam, RMSprop). The
// rules follow PyTorch's formulas, which the golden test reproduces:
//   sgd:     v = mu v + g;  p -= lr (nesterov ? g + mu v : v)
//   adam:    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr m^ / (sqrt(v^) + eps)
//   rmsprop: v = rho v + (1-rho) g^2;  p -= lr g / (sqrt(v) + eps)
// Hyper-parameters may change between steps; state lives in the caller's slot arrays.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

// One parameter of a training step's update (update_parameters).
struct ParamUpdate {
  int64_t n = 0;
  float* p = nullptr;  // the values
  float* g = nullptr;  // the gradient, which the step completes in place
  float* m = nullptr;  // the optimizer's slots (null when unused)
  float* v = nullptr;
  float l2 = 0.0f;  // weight decay: g += l2 p (0: none)
  // Gradients of other shards to add into the gradient first, in this order: dst[i] += src[i].
  std::vector<std::pair<float*, const float*>> adds;
};

struct ParamUpdateSums {
  double decay_sq = 0;      // ||p_old||^2 when l2 > 0, for the loss's decay term
  bool grad_finite = true;  // whether every completed gradient value is finite
  UpdateSums update;        // of the optimizer's update
};

// A training step's whole update in one parallel loop over fixed chunks of every parameter: each
// chunk adds the other shards' gradients, adds the weight decay, checks the gradient, updates the
// values and measures the update (one pass over memory instead of one loop per parameter and
// per part). The chunks, and the order their sums are added in, do not depend on the thread
// count, so neither do the weights or the sums. The update runs even where a gradient is not
// finite: the caller checks the sums and rolls the step back.
std::vector<ParamUpdateSums> update_parameters(const OptimizerConfig& c, int64_t t,
                                               const std::vector<ParamUpdate>& params);

}  // namespace cnn
