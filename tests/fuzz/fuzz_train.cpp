// libFuzzer target: a model spec from the fuzzer's bytes (tests/fuzz/spec_from_bytes.h) through the
// whole trainer: configure, a small data set also drawn from the bytes, training steps, evaluation,
// a prediction, the statistics, a save and a reload. Every step must succeed or throw cnn::Error;
// a reloaded model must predict the same bits. Sanitizers (ASan, UBSan) catch the rest.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/data/idx.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/fuzz/spec_from_bytes.h"

namespace {

cnn::data::Dataset dataset(cnn::fuzz::Bytes& in, int rows, int cols, int count, int classes) {
  cnn::data::Dataset d;
  d.images.count = d.labels.count = count;
  d.images.rows = rows;
  d.images.cols = cols;
  d.images.pixels.resize(static_cast<size_t>(count) * rows * cols);
  const uint8_t shade = in.byte();
  for (uint8_t& px : d.images.pixels)
    px = in.left() ? in.byte() : static_cast<uint8_t>(shade + (&px - d.images.pixels.data()));
  for (int i = 0; i < count; ++i)
    d.labels.labels.push_back(static_cast<uint8_t>(in.byte() % classes));
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cnn::fuzz::Bytes in(data, size);
  nlohmann::json j = cnn::fuzz::spec_from_bytes(in, false);
  // About one input in ten trains a batch of 32 or more, which a step splits into shards that run
  // in replicas of the network (core/model/network.h, train_shards). (When the bytes have run
  // out, byte() is 0 and this stays false: those inputs keep the small, quick batches.)
  const bool shards = !in.chance(90);
  if (shards && j.contains("batch_size") && j["batch_size"].is_number() && j["batch_size"] != 0)
    j["batch_size"] = in.range(32, 40);
  const std::string spec = j.dump();
  cnn::Trainer::set_threads(1);  // thread-count independence has its own tests (threads_test.cpp)
  cnn::Trainer t;
  try {
    t.configure(spec);
  } catch (const cnn::Error&) {
    return 0;
  }
  const cnn::ModelSpec& s = t.spec();
  const int rows = s.input[0], cols = s.input[1];
  const int classes = t.network().classes();
  if (classes < 1) __builtin_trap();  // configure accepted a model without outputs
  cnn::data::IdxSet set;
  set.train = dataset(in, rows, cols, shards ? in.range(32, 44) : in.range(1, 12), classes);
  set.test = dataset(in, rows, cols, in.range(1, 6), classes);
  const bool affordable =
      cnn::fuzz::step_within_budget(t.summary().macs, s.batch_size, set.train.images.count);
  try {
    t.set_data(std::move(set));
    if (affordable) t.train_steps(in.range(1, 3));
    t.evaluate();
    for (int i = 0; i < t.network().num_layers(); ++i) (void)t.layer_stats(i);
  } catch (const cnn::Error&) {
    // A diverged step (NaN) or a refused size: the model must still predict and save.
  }
  std::vector<float> image(static_cast<size_t>(rows) * cols);
  for (float& v : image) v = in.byte() / 255.0f;
  try {
    const std::vector<float> probs = t.predict(image.data(), image.size());
    const std::vector<uint8_t> bytes = t.save();
    cnn::Trainer u;
    u.load(bytes, "resaved");
    // (probs == probs is false when a diverged model predicts NaN, which never compares equal.)
    if (u.predict(image.data(), image.size()) != probs && probs == probs) __builtin_trap();
  } catch (const cnn::Error&) {
  }
  return 0;
}
