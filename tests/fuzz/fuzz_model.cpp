// libFuzzer target: loading a model file through the trainer facade (safetensors + embedded spec
// + tensor/shape matching). Any input must load or throw cnn::Error, and a loaded model must
// save and load again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/model/trainer.h"
#include "core/tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  cnn::Trainer t;
  try {
    t.load(bytes, "fuzz.safetensors");
  } catch (const cnn::Error&) {
    return 0;
  }
  const std::vector<uint8_t> saved = t.save();
  cnn::Trainer u;
  u.load(saved, "resaved");
  if (u.save() != saved) __builtin_trap();
  return 0;
}
