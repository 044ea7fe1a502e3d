// libFuzzer target for read_safetensors: any input must either parse or throw cnn::Error, with no
// crash, sanitizer report or other exception. Whatever parses is also written and read back, which
// must give the same tensors; it is not a check of values against another implementation.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/model/safetensors.h"
#include "core/tensor/error.h"

namespace {

bool same(const cnn::SafetensorsFile& a, const cnn::SafetensorsFile& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const cnn::NamedTensor& x = a.tensors[i];
    const cnn::NamedTensor& y = b.tensors[i];
    if (x.name != y.name || x.shape != y.shape || x.data.size() != y.data.size()) return false;
    // Bitwise, so NaNs compare equal to themselves.
    if (!x.data.empty() && std::memcmp(x.data.data(), y.data.data(), x.data.size() * 4) != 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cnn::SafetensorsFile file;
  try {
    file = cnn::read_safetensors(data, size, "fuzz.safetensors");
  } catch (const cnn::Error&) {
    return 0;  // rejecting bad input with a message is the expected outcome for most inputs
  }
  for (const cnn::NamedTensor& t : file.tensors) {
    if (static_cast<int64_t>(t.data.size()) != cnn::shape_size(t.shape)) __builtin_trap();
  }
  std::vector<uint8_t> written;
  try {
    written = cnn::write_safetensors(file);
  } catch (const cnn::Error&) {
    return 0;  // the reader accepts some names the writer refuses, e.g. the empty name
  }
  // A file this library wrote must read back (a throw here escapes and is reported as a crash).
  const cnn::SafetensorsFile again =
      cnn::read_safetensors(written.data(), written.size(), "rewrite");
  if (!same(file, again)) __builtin_trap();
  return 0;
}
