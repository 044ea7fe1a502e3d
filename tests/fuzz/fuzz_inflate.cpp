// libFuzzer target for the gzip and raw DEFLATE decoder: any input must either decode or throw
// cnn::Error; anything else (a crash, a sanitizer report, another exception) is a bug. It also
// checks the decoder's own promises: the output limit and the consumed-bytes count.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/data/inflate.h"
#include "core/tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxOut = size_t(1) << 24;
  try {
    const std::vector<uint8_t> out = cnn::data::gunzip_bytes(data, size, "fuzz", kMaxOut);
    if (out.size() > kMaxOut) std::abort();
  } catch (const cnn::Error&) {
  }
  try {
    size_t consumed = 0;
    const std::vector<uint8_t> out = cnn::data::inflate_raw(data, size, "fuzz", kMaxOut, &consumed);
    if (out.size() > kMaxOut || consumed > size) std::abort();
  } catch (const cnn::Error&) {
  }
  return 0;
}
