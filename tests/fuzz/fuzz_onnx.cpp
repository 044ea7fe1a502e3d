// libFuzzer target: the ONNX exporter on valid model specs built from the fuzzer's bytes
// (tests/fuzz/spec_from_bytes.h), after a training step so the weights are not the initial ones.
// The file must read back as protobuf with the graph the exporter promises: every length inside
// its message, every node reading names defined before it, the output produced, initializers
// whose bytes match their dims (tests/native/support/onnx_reader.h). tests/onnx runs random
// specs' files in onnxruntime against the core's probabilities.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "core/data/idx.h"
#include "core/model/trainer.h"
#include "core/tensor/error.h"
#include "tests/fuzz/spec_from_bytes.h"
#include "tests/native/support/onnx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cnn::fuzz::Bytes in(data, size);
  const std::string spec = cnn::fuzz::spec_from_bytes(in, true).dump();
  cnn::Trainer::set_threads(1);
  cnn::Trainer t;
  try {
    t.configure(spec);
  } catch (const cnn::Error&) {
    return 0;  // valid fields can still make a shape that does not fit
  }
  const int rows = t.spec().input[0], cols = t.spec().input[1];
  cnn::data::IdxSet set;
  for (cnn::data::Dataset* d : {&set.train, &set.test}) {
    d->images = {4, rows, cols, std::vector<uint8_t>(static_cast<size_t>(4) * rows * cols)};
    for (uint8_t& px : d->images.pixels) px = in.byte();
    d->labels = {4, std::vector<uint8_t>(4, 0)};
  }
  try {
    t.set_data(std::move(set));
    // The exporter reads any weights; training only makes them not the initial ones.
    if (cnn::fuzz::step_within_budget(t.summary().macs, t.spec().batch_size, 4)) t.train_steps(1);
  } catch (const cnn::Error&) {
  }
  std::vector<uint8_t> file;
  try {
    file = t.export_onnx();
  } catch (const cnn::Error&) {
    return 0;  // a layer ONNX runtimes refuse (said in a sentence)
  }
  try {
    const cnn::test::onnx::OnnxModel m = cnn::test::onnx::read_model(file);
    cnn::test::onnx::check_graph(m);
    if (m.input.second.size() != 4 || m.output.second.size() != 2) __builtin_trap();
  } catch (const std::runtime_error&) {
    __builtin_trap();
  }
  return 0;
}
