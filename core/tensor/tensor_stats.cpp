// Two passes over the values: counts, range and sum first, then the spread around the mean and
// the histogram (both need the first pass's results). Accumulation in double, so the numbers do
// not depend on the order of a million float additions.
#include "core/tensor/tensor_stats.h"

#include <algorithm>
#include <cmath>

namespace cnn {

TensorStats tensor_stats(const std::vector<FloatSpan>& parts) {
  TensorStats s;
  int64_t finite = 0, zeros = 0;
  double sum = 0, lo = 0, hi = 0;
  for (const FloatSpan& part : parts)
    for (int64_t i = 0; i < part.size; ++i) {
      const float x = part.data[i];
      ++s.count;
      if (std::isnan(x)) {
        ++s.nan_count;
        continue;
      }
      if (std::isinf(x)) {
        ++s.inf_count;
        continue;
      }
      lo = finite == 0 ? x : std::min<double>(lo, x);
      hi = finite == 0 ? x : std::max<double>(hi, x);
      ++finite;
      zeros += x == 0.0f;
      sum += x;
    }
  if (finite == 0) return s;
  s.min = lo;
  s.max = hi;
  s.mean = sum / static_cast<double>(finite);
  s.zero_fraction = static_cast<double>(zeros) / static_cast<double>(finite);
  s.hist_min = lo < hi ? lo : lo - 0.5;
  s.hist_max = lo < hi ? hi : hi + 0.5;
  const double width = s.hist_max - s.hist_min;
  double squares = 0;
  for (const FloatSpan& part : parts)
    for (int64_t i = 0; i < part.size; ++i) {
      const float x = part.data[i];
      if (!std::isfinite(x)) continue;
      const double d = x - s.mean;
      squares += d * d;
      // width is 0 only when v +- 0.5 rounds back to v (|v| > 2^53): one value, the middle bin.
      const double pos = width > 0 ? (x - s.hist_min) / width * kStatsBins : kStatsBins / 2;
      const int bin = std::clamp(static_cast<int>(pos), 0, kStatsBins - 1);
      ++s.histogram[bin];
    }
  s.std = std::sqrt(squares / static_cast<double>(finite));
  return s;
}

}  // namespace cnn
