// Rng: a small deterministic random generator (SplitMix64) with portable float, normal and integer
// draws, so a seed gives the same numbers on every compiler and in wasm. std::*_distribution is not
// used because its output is implementation-defined.
#pragma once

#include <cmath>
#include <cstdint>

namespace cnn {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) : state_(seed) {}

  // Seeds derived from (seed, stream) give independent sequences, e.g. one per epoch or layer.
  static Rng stream(uint64_t seed, uint64_t stream) {
    Rng r(seed ^ (0x9E3779B97F4A7C15ull * (stream + 1)));
    r.next_u64();
    return r;
  }

  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t next_u32() { return static_cast<uint32_t>(next_u64() >> 32); }

  // Uniform in [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform in (0, 1] as double, for logs.
  double uniform_open() {
    return (static_cast<double>(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  }

  // Standard normal by Box-Muller (one value per call, no cached state).
  double normal() {
    const double u1 = uniform_open();
    const double u2 = uniform_open();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Uniform integer in [0, n), unbiased (rejection).
  uint32_t below(uint32_t n) {
    const uint32_t limit = static_cast<uint32_t>(-n) % n;  // 2^32 mod n
    for (;;) {
      const uint32_t r = next_u32();
      if (r >= limit) return r % n;
    }
  }

 private:
  uint64_t state_;
};

}  // namespace cnn
