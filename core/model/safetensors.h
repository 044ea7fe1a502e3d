// Safetensors reading and writing (the weight file format published by Hugging Face), plus an
// atomic file write. Deliberately not zero-copy or mmap-based, and it knows nothing of layers:
// it turns bytes into named float tensors and back; mapping names to layers is the model's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor/tensor.h"

namespace cnn {

struct NamedTensor {
  std::string name;
  Shape shape;
  std::vector<float> data;
};

struct SafetensorsFile {
  std::vector<NamedTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Serialises with dtype F32, tensors laid out in the given order, header JSON keys in any order,
// header padded with spaces to a multiple of 8. Throws Error on duplicate or empty names,
// "__metadata__" as a tensor name, negative dims, names or metadata that are not valid UTF-8, or
// data.size() != shape_size(shape).
std::vector<uint8_t> write_safetensors(const SafetensorsFile& file);

// Parses and validates `n` bytes; `name` (usually the file name) starts every error message.
// Reads dtypes F32, F16, BF16 and F64, converted to float (F16/BF16 exactly, F64 rounded to
// nearest, out-of-range values to +-inf); rejects other dtypes. Rejects anything the published
// format forbids: bad lengths, bad JSON, missing or mistyped fields, offsets that are out of
// bounds, of the wrong size, overlapping, or that leave holes or trailing bytes. Never reads out
// of bounds, and allocates only after checking sizes against `n`. Tensors come back sorted by
// data offset.
SafetensorsFile read_safetensors(const uint8_t* bytes, size_t n, const std::string& name);

// Finds a tensor by name, or nullptr.
const NamedTensor* find_tensor(const SafetensorsFile& file, const std::string& name);

// Writes bytes to `path` via a temporary file in the same directory and an atomic rename, so a
// crash or an error never leaves a partial file at `path`. Throws Error naming the path on
// failure, after removing the temporary file.
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace cnn
