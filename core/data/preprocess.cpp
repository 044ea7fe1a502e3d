// MNIST-style digit preprocessing (invert, crop, area-average to 20 px, centre of mass to 14,14).
// Resampling is separable area averaging with exact fractional coverage, so downscaling a block
// pattern by an integer factor gives exact block means. It does not deskew or threshold the ink.
#include "core/data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/tensor/error.h"

namespace cnn::data {
namespace {

// Area-averaging weights along one axis: output i covers input interval [i*in/out, (i+1)*in/out)
// and takes each input pixel with weight (overlap / interval length); the weights sum to 1.
struct AxisWeights {
  std::vector<int> first;                   // first input index used by output i
  std::vector<std::vector<double>> weight;  // weights for inputs first[i], first[i]+1, ...
};

AxisWeights area_weights(int in, int out) {
  AxisWeights aw;
  aw.first.resize(out);
  aw.weight.resize(out);
  for (int i = 0; i < out; ++i) {
    // Integer products keep the interval ends exact when in/out is an integer or simple ratio.
    const double a = static_cast<double>(int64_t(i) * in) / out;
    const double b = static_cast<double>(int64_t(i + 1) * in) / out;
    const int k0 = std::clamp(static_cast<int>(std::floor(a)), 0, in - 1);
    const int k1 = std::clamp(static_cast<int>(std::ceil(b)) - 1, k0, in - 1);
    aw.first[i] = k0;
    for (int k = k0; k <= k1; ++k) {
      const double overlap = std::min<double>(k + 1, b) - std::max<double>(k, a);
      aw.weight[i].push_back(overlap > 0.0 ? overlap / (b - a) : 0.0);
    }
  }
  return aw;
}

// Resizes the ch x cw image `src` to oh x ow by separable area averaging.
std::vector<float> area_resize(const std::vector<float>& src, int ch, int cw, int oh, int ow) {
  const AxisWeights wx = area_weights(cw, ow);
  const AxisWeights wy = area_weights(ch, oh);
  std::vector<double> tmp(static_cast<size_t>(ch) * ow, 0.0);  // rows resized horizontally
  for (int r = 0; r < ch; ++r) {
    const float* row = &src[static_cast<size_t>(r) * cw];
    for (int j = 0; j < ow; ++j) {
      double s = 0.0;
      for (size_t t = 0; t < wx.weight[j].size(); ++t) s += wx.weight[j][t] * row[wx.first[j] + t];
      tmp[static_cast<size_t>(r) * ow + j] = s;
    }
  }
  std::vector<float> out(static_cast<size_t>(oh) * ow, 0.0f);
  for (int i = 0; i < oh; ++i) {
    for (int j = 0; j < ow; ++j) {
      double s = 0.0;
      for (size_t t = 0; t < wy.weight[i].size(); ++t) {
        s += wy.weight[i][t] * tmp[(wy.first[i] + t) * ow + j];
      }
      out[static_cast<size_t>(i) * ow + j] = static_cast<float>(s);
    }
  }
  return out;
}

}  // namespace

std::pair<double, double> center_of_mass(const float* img, int h, int w) {
  double total = 0.0, sr = 0.0, sc = 0.0;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const double v = img[static_cast<size_t>(r) * w + c];
      total += v;
      sr += v * (r + 0.5);
      sc += v * (c + 0.5);
    }
  }
  if (!(total > 0.0)) return {0.5 * h, 0.5 * w};
  return {sr / total, sc / total};
}

std::vector<float> checked_gray(const float* gray, int h, int w, const std::string& name) {
  check(h >= 1 && w >= 1 && h <= kMaxInputSide && w <= kMaxInputSide,
        name + ": the image is " + std::to_string(w) + "x" + std::to_string(h) +
            " (width x height); it must be between 1x1 and " + std::to_string(kMaxInputSide) + "x" +
            std::to_string(kMaxInputSide));
  check(gray != nullptr, name + ": no pixel data");
  const size_t n = static_cast<size_t>(h) * w;
  std::vector<float> img(gray, gray + n);
  for (size_t i = 0; i < n; ++i) {
    // The message is built only on failure: building it per pixel made a 280x280 drawing cost
    // tens of milliseconds.
    if (!std::isfinite(img[i]))
      check(false, name + ": pixel " + std::to_string(i) +
                       " is not a finite number (values must be in [0,1])");
    img[i] = std::clamp(img[i], 0.0f, 1.0f);
  }
  return img;
}

std::vector<float> preprocess_digit(const float* gray, int h, int w, const std::string& name) {
  std::vector<float> img = checked_gray(gray, h, w, name);

  // Paper scans and phone photos are dark ink on a light page; MNIST is the opposite. A thin
  // image has no background to judge by, so it is taken as already bright-on-black.
  if (h >= 3 && w >= 3) {
    double border = 0.0;
    for (int c = 0; c < w; ++c) border += img[c] + img[static_cast<size_t>(h - 1) * w + c];
    for (int r = 1; r < h - 1; ++r)
      border += img[static_cast<size_t>(r) * w] + img[r * size_t(w) + w - 1];
    const double count = 2.0 * w + 2.0 * (h - 2);
    if (border / count > 0.5) {
      for (float& v : img) v = 1.0f - v;
    }
  }
  return frame_digit(img.data(), h, w, name);
}

std::vector<float> frame_digit(const float* img, int h, int w, const std::string& name) {
  int top = h, bottom = -1, left = w, right = -1;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      if (img[static_cast<size_t>(r) * w + c] > kInkThreshold) {
        top = std::min(top, r);
        bottom = std::max(bottom, r);
        left = std::min(left, c);
        right = std::max(right, c);
      }
    }
  }
  check(bottom >= 0, name + ": the image is blank (no ink found)");

  const int ch = bottom - top + 1;
  const int cw = right - left + 1;
  std::vector<float> crop(static_cast<size_t>(ch) * cw);
  for (int r = 0; r < ch; ++r) {
    const float* src = &img[static_cast<size_t>(top + r) * w + left];
    std::copy(src, src + cw, &crop[static_cast<size_t>(r) * cw]);
  }

  // Longer side exactly kDigitBox; the shorter keeps the aspect ratio, rounded, at least 1 px.
  int oh = kDigitBox, ow = kDigitBox;
  if (ch > cw) {
    ow = std::clamp(static_cast<int>(std::lround(double(cw) * kDigitBox / ch)), 1, kDigitBox);
  } else if (cw > ch) {
    oh = std::clamp(static_cast<int>(std::lround(double(ch) * kDigitBox / cw)), 1, kDigitBox);
  }
  const std::vector<float> small = area_resize(crop, ch, cw, oh, ow);

  // Integer shift that brings the centre of mass nearest to the frame centre (14, 14).
  const std::pair<double, double> com = center_of_mass(small.data(), oh, ow);
  const double mid = 0.5 * kDigitSide;
  const int oy = static_cast<int>(std::lround(mid - com.first));
  const int ox = static_cast<int>(std::lround(mid - com.second));
  std::vector<float> out(static_cast<size_t>(kDigitSide) * kDigitSide, 0.0f);
  for (int r = 0; r < oh; ++r) {
    const int y = r + oy;
    if (y < 0 || y >= kDigitSide) continue;
    for (int c = 0; c < ow; ++c) {
      const int x = c + ox;
      if (x < 0 || x >= kDigitSide) continue;
      out[static_cast<size_t>(y) * kDigitSide + x] =
          std::clamp(small[static_cast<size_t>(r) * ow + c], 0.0f, 1.0f);
    }
  }
  return out;
}

void bytes_to_unit_floats(const uint8_t* src, size_t n, float* dst) {
  for (size_t i = 0; i < n; ++i) dst[i] = src[i] * (1.0f / 255.0f);
}

}  // namespace cnn::data
