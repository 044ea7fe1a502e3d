// libFuzzer target for the IDX parsers (unpacked bytes; gzip is refused with a sentence, since
// zlib or the platform unpacks it first): any input must either parse or throw cnn::Error; anything
// else (a crash, a sanitizer report, another exception) is a bug. It also checks that a
// successfully parsed file is written back byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/data/idx.h"
#include "core/tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const cnn::data::IdxImages images = cnn::data::parse_idx_images(data, size, "fuzz");
    const std::vector<uint8_t> again = cnn::data::write_idx_images(images);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
      std::abort();
    }
  } catch (const cnn::Error&) {
  }
  try {
    const cnn::data::IdxLabels labels = cnn::data::parse_idx_labels(data, size, "fuzz");
    const std::vector<uint8_t> again = cnn::data::write_idx_labels(labels);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) {
      std::abort();
    }
  } catch (const cnn::Error&) {
  }
  return 0;
}
