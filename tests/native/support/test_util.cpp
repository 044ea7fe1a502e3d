// Shared test helpers (see test_util.h).
#include "tests/native/support/test_util.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "core/data/idx.h"

namespace cnn::test {

std::vector<float> random_vector(size_t n, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.uniform(lo, hi);
  return v;
}

std::string compare(const std::vector<float>& got, const std::vector<float>& want, float atol,
                    float rtol) {
  if (got.size() != want.size())
    return "size " + std::to_string(got.size()) + " != expected " + std::to_string(want.size());
  std::string first;
  int bad = 0;
  double max_err = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    const bool ok = err <= atol + rtol * std::fabs(want[i]);
    if (err > max_err || std::isnan(err)) max_err = std::isnan(err) ? INFINITY : err;
    if (!ok && bad++ < 5) {
      char buf[128];
      std::snprintf(buf, sizeof buf, " [%zu] got %.8g want %.8g;", i, got[i], want[i]);
      first += buf;
    }
  }
  if (!bad) return "";
  char head[96];
  std::snprintf(head, sizeof head, "%d of %zu mismatches, max error %.3g:", bad, got.size(),
                max_err);
  return head + first;
}

std::string source_path(const std::string& relative) {
  return std::string(CNN_SOURCE_DIR) + "/" + relative;
}

std::string mnist_small_dir() { return CNN_MNIST_SMALL_DIR; }

std::vector<uint8_t> mnist_small_file(const std::string& base) {
  const std::string plain = mnist_small_dir() + "/" + base;
  return data::read_idx_file(std::ifstream(plain).good() ? plain : plain + ".gz");
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

TempDir::TempDir(const std::string& prefix) {
  static int counter = 0;
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  path_ = std::filesystem::temp_directory_path() /
          (prefix + "_" + std::to_string(ticks) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace cnn::test
