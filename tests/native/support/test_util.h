// Helpers shared by the native tests: random tensors, the fp32 closeness rule with a report of
// the first mismatches, and paths to the checked-in test data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/parallel/thread_pool.h"
#include "core/tensor/rng.h"

namespace cnn::test {

std::vector<float> random_vector(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

// |got - want| <= atol + rtol |want| everywhere. On failure returns a description of the max
// error and the first mismatches (index and values); empty when close.
std::string compare(const std::vector<float>& got, const std::vector<float>& want,
                    float atol = 1e-5f, float rtol = 1e-4f);

// Absolute path of a file below the repository root.
std::string source_path(const std::string& relative);
std::vector<uint8_t> read_bytes(const std::string& path);

// The small MNIST subset (1000 training, 500 test images): the checked-in .gz files natively (zlib
// unpacks them), an unpacked copy made by Node at build time in WebAssembly (no decompressor
// there). mnist_small_file("train-images-idx3-ubyte") gives one file's unpacked IDX bytes.
std::string mnist_small_dir();
std::vector<uint8_t> mnist_small_file(const std::string& base);

// Restores one thread (the pool's count when the tests start) when a test ends, whatever it set,
// a failed REQUIRE included.
struct ThreadsGuard {
  ~ThreadsGuard() { parallel::set_threads(1); }
};

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace cnn::test
