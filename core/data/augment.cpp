// Random affine augmentation by inverse mapping: every output pixel looks up where it came from in
// the input and samples it bilinearly, so no output pixel is left unwritten and nothing is read or
// written outside the two buffers. It does not keep aspect-changing or shearing transforms.
#include "core/data/augment.h"

#include <cmath>
#include <string>

#include "core/tensor/error.h"

namespace cnn::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

void check_param(float v, float limit, const char* what) {
  check(std::isfinite(v) && v >= 0.0f && v < limit,
        std::string("augment: ") + what + " must be a finite number >= 0 and below " +
            std::to_string(limit) + ", not " + std::to_string(v));
}

}  // namespace

void augment_image(const float* in, int h, int w, float* out, Rng& rng, const AugmentParams& p) {
  check(h >= 1 && w >= 1, "augment: the image must be at least 1x1, not " + std::to_string(h) +
                              "x" + std::to_string(w));
  check_param(p.max_shift, 1e6f, "max_shift");
  check_param(p.max_rotate_deg, 360.0f, "max_rotate_deg");
  check_param(p.max_scale, 1.0f, "max_scale");

  // Four draws, always, in a fixed order, so a seed gives the same sequence for any params.
  const double angle = rng.uniform(-p.max_rotate_deg, p.max_rotate_deg) * (kPi / 180.0);
  const double scale = rng.uniform(1.0f - p.max_scale, 1.0f + p.max_scale);
  const double dx = rng.uniform(-p.max_shift, p.max_shift);
  const double dy = rng.uniform(-p.max_shift, p.max_shift);

  // Forward: dst = c + shift + scale * R(angle) * (src - c). Inverted per output pixel below.
  // The centre is in pixel-index coordinates so that the identity maps each pixel onto itself.
  const double cx = 0.5 * (w - 1);
  const double cy = 0.5 * (h - 1);
  const double cs = std::cos(angle) / scale;
  const double sn = std::sin(angle) / scale;

  auto at = [&](int y, int x) -> double {
    return (y >= 0 && y < h && x >= 0 && x < w) ? in[static_cast<size_t>(y) * w + x] : 0.0;
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double u = x - cx - dx;
      const double v = y - cy - dy;
      const double sx = cx + (cs * u + sn * v);
      const double sy = cy + (cs * v - sn * u);
      double value = 0.0;
      // The negated form also rejects NaN before any float-to-int conversion.
      if (sx > -1.0 && sx < w && sy > -1.0 && sy < h) {
        const int x0 = static_cast<int>(std::floor(sx));
        const int y0 = static_cast<int>(std::floor(sy));
        const double fx = sx - x0;
        const double fy = sy - y0;
        const double top = (1.0 - fx) * at(y0, x0) + fx * at(y0, x0 + 1);
        const double bottom = (1.0 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1);
        value = (1.0 - fy) * top + fy * bottom;
      }
      out[static_cast<size_t>(y) * w + x] = static_cast<float>(value);
    }
  }
}

}  // namespace cnn::data
