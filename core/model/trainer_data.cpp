// Trainer's data: IDX bytes in (whole sets, or shards appended while training), the epoch's
// shuffled order and the passes within it, the checks that the data fits the model, and test
// images as floats. Parsing is core/data/idx's; gzip is unpacked before the bytes arrive here.
#include <algorithm>
#include <string>

#include "core/data/preprocess.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"

namespace cnn {

namespace {
// Random streams of the data order (the epoch's own shuffle uses 1000000 + epoch).
constexpr uint64_t kPassStream = uint64_t{5} << 40;    // + (epoch << 20) + pass
constexpr uint64_t kSpliceStream = uint64_t{6} << 40;  // + the training count after the append

// perm = 0 .. n-1, then Fisher-Yates shuffled with rng when given.
void fill_order(std::vector<int>& perm, int n, Rng* rng) {
  perm.resize(n);
  for (int i = 0; i < n; ++i) perm[i] = i;
  if (!rng) return;
  for (int i = n - 1; i > 0; --i)
    std::swap(perm[i], perm[rng->below(static_cast<uint32_t>(i + 1))]);
}
}  // namespace

DataInfo Trainer::set_data(const std::vector<uint8_t>& train_images,
                           const std::vector<uint8_t>& train_labels,
                           const std::vector<uint8_t>& test_images,
                           const std::vector<uint8_t>& test_labels,
                           const std::vector<std::string>& names) {
  static const char* const kRoles[] = {"training images", "training labels", "test images",
                                       "test labels"};
  // "train-images-idx3-ubyte (training images)" when the caller knows the file, else the role.
  auto name = [&](size_t i) {
    return i < names.size() && !names[i].empty() ? names[i] + " (" + kRoles[i] + ")"
                                                 : std::string(kRoles[i]);
  };
  data::IdxSet set;
  with_error_code(ErrorCode::kData, [&] {
    set.train = data::make_dataset(
        data::parse_idx_images(train_images.data(), train_images.size(), name(0)),
        data::parse_idx_labels(train_labels.data(), train_labels.size(), name(1)), "training set");
    set.test = data::make_dataset(
        data::parse_idx_images(test_images.data(), test_images.size(), name(2)),
        data::parse_idx_labels(test_labels.data(), test_labels.size(), name(3)), "test set");
  });
  return set_data(std::move(set));
}

DataInfo Trainer::set_data(data::IdxSet set) {
  const auto& tr = set.train.images;
  const auto& te = set.test.images;
  if (tr.rows != te.rows || tr.cols != te.cols)
    throw Error("the training images are " + std::to_string(tr.rows) + "x" +
                    std::to_string(tr.cols) + " but the test images are " +
                    std::to_string(te.rows) + "x" + std::to_string(te.cols),
                ErrorCode::kData);
  data_ = std::make_unique<data::IdxSet>(std::move(set));
  full_train_count_ = 0;
  if (epoch_pos_ > data_->train.images.count) epoch_pos_ = 0;
  pos_ = epoch_pos_;
  pass_ = 0;
  if (net_) start_epoch();
  return data_info();
}

DataInfo Trainer::append_train(const std::vector<uint8_t>& images,
                               const std::vector<uint8_t>& labels) {
  return with_error_code(ErrorCode::kData, [&] { return append(true, images, labels); });
}

DataInfo Trainer::append_test(const std::vector<uint8_t>& images,
                              const std::vector<uint8_t>& labels) {
  return with_error_code(ErrorCode::kData, [&] { return append(false, images, labels); });
}

DataInfo Trainer::append(bool train, const std::vector<uint8_t>& images,
                         const std::vector<uint8_t>& labels) {
  const std::string set = train ? "training" : "test";
  if (!data_) throw Error("no data to add the " + set + " images to: load a data set first");
  data::Dataset more = data::make_dataset(
      data::parse_idx_images(images.data(), images.size(), "more " + set + " images"),
      data::parse_idx_labels(labels.data(), labels.size(), "more " + set + " labels"),
      "more " + set + " data");
  data::Dataset& to = train ? data_->train : data_->test;
  const int before = to.images.count;
  const bool splice = train && net_ && perm_.size() == static_cast<size_t>(before);
  if (splice) perm_.reserve(static_cast<size_t>(before) + more.images.count);
  data::append_dataset(to, more, "more " + set + " data");
  if (!train || !net_) return data_info();
  if (!splice) {
    start_epoch();
    return data_info();
  }
  // The new images join the part of the current pass not yet visited, in a random order.
  const int after = to.images.count;
  for (int i = before; i < after; ++i) perm_.push_back(i);
  if (net_->spec().shuffle) {
    Rng rng = Rng::stream(net_->spec().seed, kSpliceStream + static_cast<uint64_t>(after));
    for (int64_t i = after - 1; i > pos_; --i)
      std::swap(perm_[i], perm_[pos_ + rng.below(static_cast<uint32_t>(i - pos_ + 1))]);
  }
  return data_info();
}

void Trainer::set_full_train_count(int n) {
  require_data();
  const int have = data_->train.images.count;
  if (n != 0 && (n < have || n > data::kIdxMaxCount))
    throw Error("the full training set must have from " + std::to_string(have) +
                " (the images present) to " + std::to_string(data::kIdxMaxCount) + " images, not " +
                std::to_string(n));
  full_train_count_ = n;
}

int64_t Trainer::epoch_size() const {
  if (!data_) return 0;
  return std::max(data_->train.images.count, full_train_count_);
}

DataInfo Trainer::data_info() const {
  DataInfo d;
  if (!data_) return d;
  d.train_count = data_->train.images.count;
  d.test_count = data_->test.images.count;
  d.rows = data_->train.images.rows;
  d.cols = data_->train.images.cols;
  d.epoch_size = static_cast<int>(epoch_size());
  return d;
}

void Trainer::check_data_fits() const {
  require_model();
  require_data();
  const Shape& in = net_->spec().input;
  const auto& img = data_->train.images;
  if (in[0] != img.rows || in[1] != img.cols || in[2] != 1)
    throw Error("the model expects " + shape_str(in) + " inputs but the data has " +
                std::to_string(img.rows) + "x" + std::to_string(img.cols) +
                "x1 images; set \"input\" to [" + std::to_string(img.rows) + ", " +
                std::to_string(img.cols) + ", 1]");
  const int classes = net_->classes();
  for (const data::Dataset* d : {&data_->train, &data_->test})
    for (int i = 0; i < d->labels.count; ++i)
      if (d->labels.labels[i] >= classes)
        throw Error("label " + std::to_string(d->labels.labels[i]) + " of example " +
                    std::to_string(i) + " does not fit the model's " + std::to_string(classes) +
                    " output classes");
}

void Trainer::start_epoch() {
  if (!data_ || !net_) return;
  const int n = data_->train.images.count;
  Rng rng = Rng::stream(net_->spec().seed, 1000000 + static_cast<uint64_t>(epoch_));
  fill_order(perm_, n, net_->spec().shuffle ? &rng : nullptr);
}

void Trainer::start_pass() {
  ++pass_;
  pos_ = 0;
  const int n = data_->train.images.count;
  Rng rng = Rng::stream(net_->spec().seed, kPassStream + (static_cast<uint64_t>(epoch_) << 20) +
                                               static_cast<uint64_t>(pass_));
  fill_order(perm_, n, net_->spec().shuffle ? &rng : nullptr);
}

std::vector<float> Trainer::test_image(int index, int* label) const {
  require_data();
  const auto& images = data_->test.images;
  if (index < 0 || index >= images.count)
    throw Error("test example " + std::to_string(index) + " does not exist (there are " +
                std::to_string(images.count) + ")");
  const int px = images.rows * images.cols;
  std::vector<float> out(px);
  data::bytes_to_unit_floats(&images.pixels[static_cast<size_t>(index) * px],
                             static_cast<size_t>(px), out.data());
  if (label) *label = data_->test.labels.labels[index];
  return out;
}

}  // namespace cnn
