// Photo preprocessing: flatten the light with a robust quadratic fit, pick the ink's polarity,
// Otsu-threshold, keep the digit's blob, then the same framing as the digit pad (frame_digit).
// Plain loops over the pixels; nothing here is fast-pathed, since a photo is read once.
#include "core/data/photo.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/data/preprocess.h"
#include "core/tensor/error.h"

namespace cnn::data {
namespace {

constexpr int kMaxSamples = 65536;       // pixels looked at for the background (a grid)
constexpr int kTiles = 8;                // the background fit's tiles per side
constexpr double kMinBackground = 0.05;  // contrast is relative to the background, at least this
constexpr float kMinContrast = 0.08f;
constexpr int kHistBins = 512;  // Otsu's histogram
constexpr int kMinBlobPixels = 8;
constexpr int kMinBlobSide = 3;

using Basis = std::array<double, 6>;

// Quadratic basis at image position (y, x) in pixels, scaled to [-1, 1] so the system stays well
// posed.
Basis basis(double y, double x, int h, int w) {
  const double v = 2.0 * y / h - 1.0, u = 2.0 * x / w - 1.0;
  return {1.0, u, v, u * u, u * v, v * v};
}

// Solves the 6x6 system a z = b (augmented as m) by Gauss-Jordan elimination with partial
// pivoting; false if it is singular.
bool solve6(std::array<std::array<double, 7>, 6> m, Basis* z) {
  for (int col = 0; col < 6; ++col) {
    int piv = col;
    for (int r = col + 1; r < 6; ++r)
      if (std::abs(m[r][col]) > std::abs(m[piv][col])) piv = r;
    if (std::abs(m[piv][col]) < 1e-9) return false;
    std::swap(m[col], m[piv]);
    for (int r = 0; r < 6; ++r) {
      if (r == col) continue;
      const double f = m[r][col] / m[col][col];
      for (int k = col; k < 7; ++k) m[r][k] -= f * m[col][k];
    }
  }
  for (int i = 0; i < 6; ++i) (*z)[i] = m[i][6] / m[i][i];
  return true;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0.0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  return v[mid];
}

// A tile's median level at its centre (y, x).
struct TileLevel {
  double y, x, v;
};

// Fits the background; returns the relative residual image (level - background) / background and
// sets *sigma, the robust deviation of the pixels' residuals.
std::vector<float> flatten(const std::vector<float>& img, int h, int w, double* sigma) {
  const size_t n = static_cast<size_t>(h) * w;
  const int step = std::max(1, static_cast<int>(std::ceil(std::sqrt(double(n) / kMaxSamples))));
  const bool quadratic = h >= 2 * kTiles && w >= 2 * kTiles;

  Basis z{};  // background coefficients; only z[0] when the background is a constant
  auto background = [&](double y, double x) {
    if (!quadratic) return z[0];
    const Basis b = basis(y, x, h, w);
    double v = 0.0;
    for (int i = 0; i < 6; ++i) v += z[i] * b[i];
    return v;
  };

  if (!quadratic) {
    std::vector<double> all;
    for (int r = step / 2; r < h; r += step)
      for (int c = step / 2; c < w; c += step) all.push_back(img[size_t(r) * w + c]);
    z[0] = median_of(all);
  } else {
    // The median of each tile is the paper's level there unless ink covers most of the tile;
    // those tiles are outliers to the fit and are left out.
    std::vector<TileLevel> tiles;
    for (int ti = 0; ti < kTiles; ++ti) {
      for (int tj = 0; tj < kTiles; ++tj) {
        const int r0 = ti * h / kTiles, r1 = (ti + 1) * h / kTiles;
        const int c0 = tj * w / kTiles, c1 = (tj + 1) * w / kTiles;
        std::vector<double> v;
        for (int r = r0; r < r1; r += step)
          for (int c = c0; c < c1; c += step) v.push_back(img[size_t(r) * w + c]);
        if (!v.empty()) tiles.push_back({0.5 * (r0 + r1), 0.5 * (c0 + c1), median_of(v)});
      }
    }
    std::vector<char> use(tiles.size(), 1);
    for (int iter = 0; iter < 6; ++iter) {
      std::array<std::array<double, 7>, 6> m{};
      int used = 0;
      for (size_t t = 0; t < tiles.size(); ++t) {
        if (!use[t]) continue;
        const Basis b = basis(tiles[t].y, tiles[t].x, h, w);
        for (int i = 0; i < 6; ++i) {
          for (int j = 0; j < 6; ++j) m[i][j] += b[i] * b[j];
          m[i][6] += b[i] * tiles[t].v;
        }
        ++used;
      }
      Basis next{};
      if (used < 12 || !solve6(m, &next)) break;  // too few clean tiles: keep the last fit
      z = next;
      std::vector<double> dev;
      for (const TileLevel& t : tiles) dev.push_back(std::abs(t.v - background(t.y, t.x)));
      // Least squares is pulled by the ink tiles, so the first passes keep the 70% of tiles
      // nearest to the fit (trimmed); the last ones keep those within 3 robust deviations.
      double cut;
      if (iter < 3) {
        std::vector<double> sorted = dev;
        const size_t k = std::max<size_t>(12, sorted.size() * 7 / 10) - 1;
        std::nth_element(sorted.begin(), sorted.begin() + std::min(k, sorted.size() - 1),
                         sorted.end());
        cut = sorted[std::min(k, sorted.size() - 1)];
      } else {
        cut = std::max(3.0 * 1.4826 * median_of(dev), 0.02);
      }
      for (size_t t = 0; t < tiles.size(); ++t) use[t] = dev[t] <= cut;
    }
  }

  std::vector<float> res(n);
  std::vector<double> dev;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const size_t i = size_t(r) * w + c;
      // Light multiplies paper and ink alike: contrast relative to the local paper level is what
      // stays the same from the bright side of a photo to its dark side.
      const double bg = std::max(background(r + 0.5, c + 0.5), kMinBackground);
      res[i] = static_cast<float>((img[i] - bg) / bg);
      if (r % step == 0 && c % step == 0) dev.push_back(std::abs(res[i]));
    }
  }
  // Ink is a minority, so the median absolute residual is the background's noise.
  *sigma = std::max(1.4826 * median_of(dev), 1.0 / 255.0);
  return res;
}

// Otsu's threshold of the values, from a histogram of kHistBins bins over [min, max].
float otsu(const std::vector<float>& s) {
  const auto [lo_it, hi_it] = std::minmax_element(s.begin(), s.end());
  const float lo = *lo_it, hi = *hi_it;
  if (!(hi > lo)) return hi;
  const float scale = kHistBins / (hi - lo);
  std::vector<double> hist(kHistBins, 0.0);
  for (float v : s) hist[std::clamp(static_cast<int>((v - lo) * scale), 0, kHistBins - 1)] += 1.0;
  double total = 0.0, sum = 0.0;
  for (int b = 0; b < kHistBins; ++b) {
    total += hist[b];
    sum += b * hist[b];
  }
  double w0 = 0.0, sum0 = 0.0, best = -1.0;
  int best_bin = 0;
  for (int b = 0; b < kHistBins - 1; ++b) {
    w0 += hist[b];
    sum0 += b * hist[b];
    const double w1 = total - w0;
    if (w0 <= 0.0 || w1 <= 0.0) continue;
    const double m0 = sum0 / w0, m1 = (sum - sum0) / w1;
    const double between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      best_bin = b;
    }
  }
  return lo + (best_bin + 1) / scale;  // the upper edge of the last background bin
}

struct Blob {
  int pixels = 0;
  double mass = 0.0;
  int top, bottom, left, right;
  int on_border = 0;
  int side() const { return std::max(bottom - top + 1, right - left + 1); }
};

// 8-connected components of s > t: label per pixel (-1 background) and the blobs' statistics.
std::vector<Blob> label_blobs(const std::vector<float>& s, float t, int h, int w,
                              std::vector<int>* label) {
  const size_t n = static_cast<size_t>(h) * w;
  label->assign(n, -1);
  std::vector<Blob> blobs;
  std::vector<size_t> stack;
  for (size_t start = 0; start < n; ++start) {
    if (s[start] <= t || (*label)[start] >= 0) continue;
    const int id = static_cast<int>(blobs.size());
    Blob b;
    b.top = h;
    b.bottom = -1;
    b.left = w;
    b.right = -1;
    (*label)[start] = id;
    stack.push_back(start);
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      const int r = static_cast<int>(i / w), c = static_cast<int>(i % w);
      ++b.pixels;
      b.mass += s[i];
      b.top = std::min(b.top, r);
      b.bottom = std::max(b.bottom, r);
      b.left = std::min(b.left, c);
      b.right = std::max(b.right, c);
      if (r == 0 || c == 0 || r == h - 1 || c == w - 1) ++b.on_border;
      for (int dr = -1; dr <= 1; ++dr) {
        for (int dc = -1; dc <= 1; ++dc) {
          const int rr = r + dr, cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= h || cc >= w) continue;
          const size_t j = size_t(rr) * w + cc;
          if (s[j] > t && (*label)[j] < 0) {
            (*label)[j] = id;
            stack.push_back(j);
          }
        }
      }
    }
    blobs.push_back(b);
  }
  return blobs;
}

}  // namespace

std::vector<float> preprocess_photo(const float* gray, int h, int w, const std::string& name,
                                    PhotoInfo* info) {
  const std::vector<float> img = checked_gray(gray, h, w, name);
  const size_t n = img.size();
  const std::string blank = name + ": the photo looks blank";

  double sigma = 0.0;
  std::vector<float> s = flatten(img, h, w, &sigma);

  // Polarity: which side of the background has more weight beyond the noise.
  const float k = std::max(kMinContrast, static_cast<float>(4.0 * sigma));
  double dark = 0.0, light = 0.0;
  for (float v : s) {
    if (v < -k) dark += -v - k;
    if (v > k) light += v - k;
  }
  check(dark > 0.0 || light > 0.0, blank + " (nothing stands out from the background)");
  const bool dark_ink = dark >= light;
  if (dark_ink)
    for (float& v : s) v = -v;

  const float t = std::max(otsu(s), k);
  double ink_sum = 0.0;
  size_t ink_count = 0;
  for (float v : s)
    if (v > t) {
      ink_sum += v;
      ++ink_count;
    }
  check(ink_count > 0, blank + " (nothing stands out from the background)");
  const float ink_level = static_cast<float>(ink_sum / ink_count);

  std::vector<int> label;
  const std::vector<Blob> blobs = label_blobs(s, t, h, w, &label);
  // Page edges, the table and shadows lie along the border; a digit at most touches it.
  auto is_edge = [](const Blob& b) { return b.on_border * 2 > b.side(); };
  bool any_inner = false;
  for (const Blob& b : blobs) any_inner = any_inner || !is_edge(b);
  int digit = -1;
  for (int i = 0; i < static_cast<int>(blobs.size()); ++i) {
    if (any_inner && is_edge(blobs[i])) continue;
    if (digit < 0 || blobs[i].mass > blobs[digit].mass) digit = i;
  }
  const Blob& m = blobs[digit];
  const int grow = m.side() / 4;
  std::vector<char> keep(blobs.size(), 0);
  keep[digit] = 1;
  int top = m.top, bottom = m.bottom, left = m.left, right = m.right;
  for (size_t i = 0; i < blobs.size(); ++i) {
    const Blob& b = blobs[i];
    if (keep[i] || (any_inner && is_edge(b)) || b.mass < 0.1 * m.mass) continue;
    if (b.bottom < m.top - grow || b.top > m.bottom + grow || b.right < m.left - grow ||
        b.left > m.right + grow)
      continue;
    keep[i] = 1;
    top = std::min(top, b.top);
    bottom = std::max(bottom, b.bottom);
    left = std::min(left, b.left);
    right = std::max(right, b.right);
  }
  // A tiny image's digit may be a few pixels: the minimums never ask for more than its longer side.
  const int longer = std::max(h, w);
  check(m.pixels >= std::min(kMinBlobPixels, longer) &&
            std::max(bottom - top + 1, right - left + 1) >= std::min(kMinBlobSide, longer),
        blank + " (only specks stand out from the background)");

  std::vector<float> ink(n, 0.0f);
  for (size_t i = 0; i < n; ++i)
    if (label[i] >= 0 && keep[label[i]]) ink[i] = std::clamp(s[i] / ink_level, 0.0f, 1.0f);

  if (info) {
    info->dark_ink = dark_ink;
    info->noise = static_cast<float>(sigma);
    info->threshold = t;
    info->ink_level = ink_level;
    info->blobs = static_cast<int>(blobs.size());
    info->kept = static_cast<int>(std::count(keep.begin(), keep.end(), 1));
  }
  return frame_digit(ink.data(), h, w, name);
}

}  // namespace cnn::data
