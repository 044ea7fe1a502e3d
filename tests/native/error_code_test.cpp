// Error codes: every refusal of the trainer facade carries the ErrorCode that says what kind of
// input was wrong (the page decides by it and never by the sentence), and the file names a caller
// gives to set_data appear in its sentences. Not a test of the sentences themselves (trainer_test).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/data/idx.h"
#include "core/model/presets.h"
#include "core/model/safetensors.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using json = nlohmann::json;

namespace {

// The code of the Error that f throws (fails when it throws nothing or something else).
template <class F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    INFO(e.what());
    return e.code();
  }
  FAIL("no cnn::Error was thrown");
  return ErrorCode::kInvalid;
}

std::vector<uint8_t> file(const char* name) { return test::mnist_small_file(name); }

}  // namespace

TEST_CASE("every refusal of the trainer carries its error code", "[errors][codes]") {
  Trainer t;
  CHECK(code_of([&] { t.train_steps(1); }) == ErrorCode::kState);
  CHECK(code_of([&] { t.configure("{\"layers\": []}"); }) == ErrorCode::kSpec);
  CHECK(code_of([&] { t.configure("not json"); }) == ErrorCode::kSpec);
  // A spec error names its layer by index too (the editor marks that row): a shape error...
  try {
    t.configure(
        R"({"input": [28, 28, 1], "layers": [{"type": "flatten"}, {"type": "conv2d", "filters": 4, "kernel": 3},
                    {"type": "dense", "units": 10, "activation": "softmax"}]})");
    FAIL("conv2d after flatten was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kSpec);
    CHECK(e.layer() == 1);
  }
  // ...a field error, and the output layer's.
  try {
    t.configure(
        R"({"input": [28, 28, 1], "layers": [{"type": "flatten"}, {"type": "dense", "units": 8},
                    {"type": "dense", "units": 0, "activation": "softmax"}]})");
    FAIL("units 0 was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kSpec);
    CHECK(e.layer() == 2);
  }
  try {
    t.configure(
        R"({"input": [28, 28, 1], "layers": [{"type": "flatten"}, {"type": "dense", "units": 10}]})");
    FAIL("an output without softmax was accepted");
  } catch (const Error& e) {
    CHECK(e.layer() == 1);
  }
  try {
    t.configure(R"({"input": [28, 28], "layers": [{"type": "flatten"}]})");
    FAIL("a 2-d input was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kSpec);
    CHECK(e.layer() == -1);
  }
  t.configure(preset_json("tiny"));
  CHECK(code_of([&] { t.train_steps(1); }) == ErrorCode::kState);

  // Data: the names given are in the sentence, the code is kData.
  const auto ti = file("train-images-idx3-ubyte"), tl = file("train-labels-idx1-ubyte");
  const auto vi = file("t10k-images-idx3-ubyte"), vl = file("t10k-labels-idx1-ubyte");
  // An IDX header that claims 10^9 images of 28x28 in a 20-byte file: refused by its header.
  const std::vector<uint8_t> claims = {0, 0,  8, 3, 0x3b, 0x9a, 0xca, 0x00, 0, 0,
                                       0, 28, 0, 0, 0,    28,   1,    2,    3, 4};
  try {
    t.set_data(claims, tl, vi, vl, {"a.idx", "b.idx", "c.idx", "d.idx"});
    FAIL("a header claiming 10^9 images was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kData);
    CHECK_THAT(e.what(), Catch::StartsWith("a.idx (training images): "));
  }
  CHECK(code_of([&] { t.set_data(ti, tl, vi, std::vector<uint8_t>(vl.begin(), vl.end() - 3)); }) ==
        ErrorCode::kData);
  CHECK_FALSE(t.has_data());
  t.set_data(ti, tl, vi, vl);
  CHECK(code_of([&] { t.append_train(vi, tl); }) == ErrorCode::kData);

  // Model files: a broken one, and one without a spec (the page imports those as weights).
  t.train_steps(2);
  const std::vector<uint8_t> good = t.save();
  CHECK(code_of([&] { t.load({1, 2, 3}, "broken.safetensors"); }) == ErrorCode::kModelFile);
  SafetensorsFile f = read_safetensors(good.data(), good.size(), "good");
  f.metadata.erase("spec");
  CHECK(code_of([&] { t.load(write_safetensors(f), "weights.safetensors"); }) ==
        ErrorCode::kNoSpec);
  f.metadata["spec"] = "{\"layers\": 3}";
  CHECK(code_of([&] { t.load(write_safetensors(f), "m.safetensors"); }) == ErrorCode::kModelFile);
  CHECK(code_of([&] { t.import_weights({1, 2, 3}, "w.safetensors"); }) == ErrorCode::kModelFile);
  CHECK(t.step() == 2);

  // Memory: a step of about 100 GB (trainer_test has its numbers).
  t.configure(R"({"input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 2048, "kernel": 1, "padding": "same"},
    {"type": "conv2d", "filters": 2048, "kernel": 1},
    {"type": "maxpool2d", "size": 28},
    {"type": "dense", "units": 10, "activation": "softmax"}], "batch_size": 4096})");
  CHECK(code_of([&] { t.train_steps(1); }) == ErrorCode::kMemory);
  Hyperparameters h;
  h.batch_size = 3000;
  CHECK(code_of([&] { t.set_hyperparameters(h); }) == ErrorCode::kMemory);

  // Divergence: a huge learning rate on a linear network.
  json spec = json::parse(R"({"input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 8, "kernel": 5, "padding": "same", "activation": "linear"},
    {"type": "dense", "units": 10, "activation": "softmax"}],
    "optimizer": {"type": "sgd", "lr": 100}, "batch_size": 32, "seed": 1})");
  t.configure(spec.dump());
  CHECK(code_of([&] { t.train_steps(50); }) == ErrorCode::kDiverged);
}

TEST_CASE("error codes have stable names for the worker protocol", "[errors][codes]") {
  CHECK(std::string(error_code_name(ErrorCode::kInvalid)) == "invalid");
  CHECK(std::string(error_code_name(ErrorCode::kSpec)) == "spec");
  CHECK(std::string(error_code_name(ErrorCode::kData)) == "data");
  CHECK(std::string(error_code_name(ErrorCode::kModelFile)) == "model-file");
  CHECK(std::string(error_code_name(ErrorCode::kNoSpec)) == "no-spec");
  CHECK(std::string(error_code_name(ErrorCode::kMemory)) == "memory");
  CHECK(std::string(error_code_name(ErrorCode::kDiverged)) == "diverged");
  CHECK(std::string(error_code_name(ErrorCode::kState)) == "state");
  // A narrower code survives with_error_code; the generic one is replaced.
  try {
    with_error_code(ErrorCode::kSpec, [] { throw Error("x", ErrorCode::kMemory); });
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kMemory);
  }
  try {
    with_error_code(ErrorCode::kSpec, [] { throw Error("x"); });
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kSpec);
  }
}
