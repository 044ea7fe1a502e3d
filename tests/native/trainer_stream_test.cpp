// A data set that arrives in shards: appending training and test images to the trainer, the
// bounds and errors of appending, and how epochs are counted while the training set grows
// (Trainer::append_train / append_test / set_full_train_count, data::append_dataset).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/data/idx.h"
#include "core/model/presets.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using Catch::Contains;
using json = nlohmann::json;

namespace {

// The checked-in subset: 1000 training and 500 test images.
const data::IdxSet& small_set() {
  static const data::IdxSet set = data::load_idx_dir(test::mnist_small_dir());
  return set;
}

// Images [start, start + n) of a set as IDX files, as the site's shards are.
std::vector<uint8_t> images_idx(const data::Dataset& d, int start, int n) {
  data::IdxImages im;
  im.count = n;
  im.rows = d.images.rows;
  im.cols = d.images.cols;
  const size_t px = static_cast<size_t>(im.rows) * im.cols;
  im.pixels.assign(d.images.pixels.begin() + start * px,
                   d.images.pixels.begin() + (start + n) * px);
  return data::write_idx_images(im);
}

std::vector<uint8_t> labels_idx(const data::Dataset& d, int start, int n) {
  data::IdxLabels l;
  l.count = n;
  l.labels.assign(d.labels.labels.begin() + start, d.labels.labels.begin() + start + n);
  return data::write_idx_labels(l);
}

// Two linear layers, which a huge learning rate surely makes diverge (as in trainer_test.cpp).
constexpr const char* kLinear = R"({"input": [28, 28, 1], "layers": [{"type": "dense", "units": 32},
    {"type": "dense", "units": 10, "activation": "softmax"}],
    "optimizer": {"type": "sgd", "lr": 0.01, "momentum": 0.9}, "batch_size": 32})";

// tiny (batch 32), or another spec, on the first `train` training and `test` test images of the
// subset.
Trainer tiny_on_first(int train, int test, const std::string& spec = preset_json("tiny")) {
  Trainer t;
  t.configure(spec);
  const data::IdxSet& s = small_set();
  t.set_data(images_idx(s.train, 0, train), labels_idx(s.train, 0, train),
             images_idx(s.test, 0, test), labels_idx(s.test, 0, test));
  return t;
}

std::vector<float> first_kernel(const Trainer& t) { return t.weights(0).at(0).data; }

}  // namespace

TEST_CASE("append_dataset joins shards and refuses what does not fit", "[data][idx][stream]") {
  const data::IdxSet& s = small_set();
  data::Dataset d{s.test.images, s.test.labels};
  data::Dataset more{s.train.images, s.train.labels};
  data::append_dataset(d, more, "shard 2");
  CHECK(d.images.count == 1500);
  CHECK(d.labels.count == 1500);
  CHECK(d.images.pixels.size() == 1500u * 784u);
  CHECK(d.images.pixels[500 * 784 + 300] == s.train.images.pixels[300]);
  CHECK(d.labels.labels[500 + 7] == s.train.labels.labels[7]);

  data::Dataset other_size = more;
  other_size.images.rows = 14;
  other_size.images.cols = 56;
  CHECK_THROWS_WITH(
      data::append_dataset(d, other_size, "shard 3"),
      Contains("shard 3: the images are 14x56 but the set they join has 28x28 images"));
  data::Dataset unpaired = more;
  unpaired.labels.count = 999;
  unpaired.labels.labels.pop_back();
  CHECK_THROWS_WITH(data::append_dataset(d, unpaired, "shard 3"),
                    Contains("shard 3: 1000 images but 999 labels"));
  CHECK(d.images.count == 1500);  // unchanged by the refusals
  CHECK(d.labels.labels.size() == 1500u);

  // The count limit, on 1x1 images so that it costs 10 MB.
  data::Dataset full;
  full.images.count = full.labels.count = data::kIdxMaxCount;
  full.images.rows = full.images.cols = 1;
  full.images.pixels.assign(data::kIdxMaxCount, 0);
  full.labels.labels.assign(data::kIdxMaxCount, 0);
  data::Dataset one;
  one.images.count = one.labels.count = 1;
  one.images.rows = one.images.cols = 1;
  one.images.pixels = {1};
  one.labels.labels = {1};
  CHECK_THROWS_WITH(data::append_dataset(full, one, "shard 9"),
                    Contains("would pass the limit of 10000000"));
  CHECK(full.images.count == data::kIdxMaxCount);
}

TEST_CASE("shards appended to the trainer are the same images as the whole files",
          "[trainer][stream]") {
  const data::IdxSet& s = small_set();
  Trainer t = tiny_on_first(300, 100);
  CHECK(t.data_info().train_count == 300);
  CHECK(t.data_info().test_count == 100);
  CHECK(t.evaluate().count == 100);
  DataInfo d = t.append_test(images_idx(s.test, 100, 400), labels_idx(s.test, 100, 400));
  CHECK(d.test_count == 500);
  CHECK(d.train_count == 300);
  d = t.append_train(images_idx(s.train, 300, 700), labels_idx(s.train, 300, 700));
  CHECK(d.train_count == 1000);
  CHECK(d.epoch_size == 1000);
  CHECK(t.evaluate().count == 500);
  // Test example 450 arrived with the second shard: the same pixels and label as in the whole file.
  int label = -1;
  const std::vector<float> img = t.test_image(450, &label);
  CHECK(label == s.test.labels.labels[450]);
  for (int i = 0; i < 784; ++i)
    REQUIRE(img[i] == s.test.images.pixels[450 * 784 + i] * (1.0f / 255.0f));

  // The same evaluation as a trainer given the whole files at once.
  Trainer whole;
  whole.configure(preset_json("tiny"));
  whole.set_data_dir(test::mnist_small_dir());
  CHECK(whole.evaluate().loss == t.evaluate().loss);
}

TEST_CASE("appending refuses bad shards clearly and changes nothing", "[trainer][stream][errors]") {
  const data::IdxSet& s = small_set();
  Trainer empty;
  empty.configure(preset_json("tiny"));
  CHECK_THROWS_WITH(empty.append_train(images_idx(s.train, 0, 10), labels_idx(s.train, 0, 10)),
                    Contains("no data to add the training images to: load a data set first"));
  CHECK_THROWS_WITH(empty.set_full_train_count(60000), Contains("no data yet"));

  Trainer t = tiny_on_first(300, 100);
  t.train_steps(3);
  const std::vector<float> w = first_kernel(t);
  CHECK_THROWS_WITH(t.append_train(images_idx(s.train, 300, 20), labels_idx(s.train, 300, 19)),
                    Contains("more training data: 20 images but 19 labels"));
  std::vector<uint8_t> cut = images_idx(s.train, 300, 20);
  cut.resize(cut.size() - 5);
  CHECK_THROWS_WITH(t.append_train(cut, labels_idx(s.train, 300, 20)),
                    Contains("more training images"));
  data::IdxImages small_images;
  small_images.count = 2;
  small_images.rows = small_images.cols = 14;
  small_images.pixels.assign(2 * 14 * 14, 9);
  CHECK_THROWS_WITH(
      t.append_test(data::write_idx_images(small_images), labels_idx(s.test, 0, 2)),
      Contains("more test data: the images are 14x14 but the set they join has 28x28 images"));
  CHECK_THROWS_WITH(t.append_test(labels_idx(s.test, 0, 2), labels_idx(s.test, 0, 2)),
                    Contains("more test images"));
  CHECK(t.data_info().train_count == 300);
  CHECK(t.data_info().test_count == 100);
  CHECK(first_kernel(t) == w);

  CHECK_THROWS_WITH(t.set_full_train_count(299),
                    Contains("the full training set must have from 300 (the images present) to "
                             "10000000 images, not 299"));
  CHECK_THROWS_WITH(t.set_full_train_count(data::kIdxMaxCount + 1), Contains("not 10000001"));
  CHECK(t.data_info().epoch_size == 300);
}

TEST_CASE("while the training set grows, an epoch counts the full set's examples",
          "[trainer][stream]") {
  const data::IdxSet& s = small_set();
  Trainer t = tiny_on_first(300, 100);
  t.set_full_train_count(1000);
  CHECK(t.data_info().epoch_size == 1000);
  CHECK(t.steps_per_epoch() == 32);  // ceil(1000 / 32), as for the whole set
  // 320 examples from 300 images: a second pass over them has started, still in epoch 0.
  StepResult r = t.train_steps(10);
  CHECK(r.epoch == 0);
  CHECK(r.examples_seen == 320);
  CHECK(r.epoch_progress == Approx(0.32));
  t.append_train(images_idx(s.train, 300, 700), labels_idx(s.train, 300, 700));
  CHECK(t.steps_per_epoch() == 32);
  r = t.train_steps(22);
  CHECK(r.epoch == 0);
  CHECK(r.epoch_progress == Approx(1.0));  // the last batch is short: 1000 - 31 * 32 = 8
  CHECK(r.examples_seen == 1000);
  r = t.train_steps(1);
  CHECK(r.epoch == 1);
  CHECK(r.examples_seen == 1032);
  CHECK(r.epoch_progress == Approx(0.032));
}

TEST_CASE("without a full size, images that arrive join the epoch in progress",
          "[trainer][stream]") {
  const data::IdxSet& s = small_set();
  Trainer t = tiny_on_first(500, 100);
  CHECK(t.steps_per_epoch() == 16);
  StepResult r = t.train_steps(5);
  CHECK(r.epoch_progress == Approx(160.0 / 500));
  t.append_train(images_idx(s.train, 500, 500), labels_idx(s.train, 500, 500));
  CHECK(t.steps_per_epoch() == 32);
  // The rest of epoch 0 is the 340 images not yet visited plus the 500 new ones.
  r = t.train_steps(27);
  CHECK(r.epoch == 0);
  CHECK(r.examples_seen == 1000);
  CHECK(r.epoch_progress == Approx(1.0));
  CHECK(t.train_steps(1).epoch == 1);
}

TEST_CASE("growing the data is deterministic and a failed step rolls back the data order",
          "[trainer][stream]") {
  const data::IdxSet& s = small_set();
  auto run = [&s](bool diverge) {
    Trainer t = tiny_on_first(200, 100, kLinear);
    t.set_full_train_count(1000);
    t.train_steps(9);  // past the first pass of 200
    t.append_train(images_idx(s.train, 200, 300), labels_idx(s.train, 200, 300));
    if (diverge) {
      // Steps that diverge are undone, the data order included.
      Hyperparameters h;
      h.lr = 100.0f;
      t.set_hyperparameters(h);
      CHECK_THROWS_WITH(t.train_steps(200), Contains("training diverged"));
      h.lr = 0.01f;
      t.set_hyperparameters(h);
    }
    t.train_steps(20);
    t.append_train(images_idx(s.train, 500, 500), labels_idx(s.train, 500, 500));
    t.train_steps(10);
    return first_kernel(t);
  };
  const std::vector<float> a = run(false);
  CHECK(run(false) == a);
  CHECK(run(true) == a);
}

TEST_CASE("a model saved while the set was growing loads and resumes",
          "[trainer][stream][model-file]") {
  Trainer t = tiny_on_first(300, 100);
  t.set_full_train_count(1000);
  t.train_steps(12);  // 384 examples: into the second pass
  const std::vector<uint8_t> file = t.save();
  Trainer u = tiny_on_first(300, 100);
  u.set_full_train_count(1000);
  u.load(file);
  const StepResult r = u.train_steps(1);
  CHECK(r.epoch == 0);
  CHECK(r.examples_seen == 416);
  CHECK(r.epoch_progress == Approx(0.416));
}
