// Training-time data augmentation: a small random affine warp (rotation about the image centre,
// scale, shift) of one single-channel float image, sampled bilinearly.
// It is not an image library: no flips, no colour jitter, no elastic distortion.
#pragma once

#include "core/tensor/rng.h"

namespace cnn::data {

struct AugmentParams {
  float max_shift = 2.0f;        // pixels, each axis drawn in [-max_shift, max_shift]
  float max_rotate_deg = 12.0f;  // degrees, drawn in [-max_rotate_deg, max_rotate_deg]
  float max_scale = 0.12f;       // scale drawn in [1 - max_scale, 1 + max_scale]; must be < 1
};

// Writes a random affine transform (rotation about the image centre, scale, shift) of the h x w
// float image `in` to `out` (same size, must not overlap `in`), bilinear sampling, zero outside.
// Always draws exactly four numbers from rng, so it is deterministic for a given Rng state and
// keeps later draws aligned whatever the params. With all params 0 out is an exact copy of in.
// Throws Error for non-positive sizes or params that are negative, non-finite or max_scale >= 1.
void augment_image(const float* in, int h, int w, float* out, Rng& rng, const AugmentParams& p);

}  // namespace cnn::data
