// Helpers shared by the native tests: random tensors, the fp32 closeness rule with a report of
// the first mismatches, and paths to the checked-in test data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor/rng.h"

namespace cnn::test {

std::vector<float> random_vector(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// |got - want| <= atol + rtol |want| everywhere. On failure returns a description of the max
// error and the first mismatches (index and values); empty when close.
std::string compare(const std::vector<float>& got, const std::vector<float>& want, float atol = 1e-5f,
                    float rtol = 1e-4f);

// Absolute path of a file below the repository root.
std::string source_path(const std::string& relative);
std::vector<uint8_t> read_bytes(const std::string& path);

}  // namespace cnn::test
