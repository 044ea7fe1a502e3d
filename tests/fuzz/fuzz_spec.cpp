// libFuzzer target: the model spec parser and network construction (shape checks). Any input
// must either build a network or throw cnn::Error; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/model/network.h"
#include "core/model/spec.h"
#include "core/tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const cnn::ModelSpec spec = cnn::parse_spec(text);
    // Normalised JSON must parse back to the same normalised JSON.
    const std::string once = cnn::spec_to_json(spec);
    if (cnn::spec_to_json(cnn::parse_spec(once)) != once) __builtin_trap();
    // Keep huge but valid networks out of the fuzzer's memory budget.
    int64_t budget = 1;
    for (int d : spec.input) budget *= d;
    if (budget > (1 << 16)) return 0;
    for (const auto& l : spec.layers)
      if (l.filters > 256 || l.units > 4096) return 0;
    cnn::Network net(spec);
    (void)net.summary();
  } catch (const cnn::Error&) {
  }
  return 0;
}
