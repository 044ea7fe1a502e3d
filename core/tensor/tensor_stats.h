// Summary statistics of float arrays for the inspection views: count, range, mean, spread, share
// of zeros, NaN/Inf counts and a fixed-bin histogram. Plain reductions over memory the caller
// owns; nothing here knows about layers or training.
#pragma once

#include <cstdint>
#include <vector>

namespace cnn {

constexpr int kStatsBins = 20;

// NaN and +-Inf are counted, then left out of everything else: min, max, mean, std, zero_fraction
// and the histogram describe the finite values only.
struct TensorStats {
  int64_t count = 0;         // all elements, including NaN and Inf
  double min = 0, max = 0;   // of the finite values (0 when there are none)
  double mean = 0, std = 0;  // population standard deviation (divides by the finite count)
  double zero_fraction = 0;  // exact zeros (+0 and -0) / finite values: dead ReLUs, pruned weights
  int64_t nan_count = 0, inf_count = 0;
  // kStatsBins equal bins over [hist_min, hist_max] = [min, max]; a value on a bin edge goes to the
  // bin above, max to the last bin. When all finite values are equal the range is
  // [v - 0.5, v + 0.5] (NumPy's rule), so they land in the middle bin. Bins sum to the finite
  // count.
  std::vector<int> histogram = std::vector<int>(kStatsBins, 0);
  double hist_min = 0, hist_max = 0;
};

// A read-only run of floats; several runs are summarised as one population.
struct FloatSpan {
  const float* data = nullptr;
  int64_t size = 0;
};

TensorStats tensor_stats(const std::vector<FloatSpan>& parts);
inline TensorStats tensor_stats(const float* data, int64_t size) {
  return tensor_stats({FloatSpan{data, size}});
}

}  // namespace cnn
