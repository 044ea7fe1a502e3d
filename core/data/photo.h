// MNIST-style preprocessing of a photographed or scanned digit: flatten uneven light, find which
// way round the ink is, threshold it, keep the digit's ink blob and frame it as preprocess_digit
// does. It is not OCR: one digit per photo, no deskewing, no perspective correction, no colour.
#pragma once

#include <string>
#include <vector>

namespace cnn::data {

// What preprocess_photo found, for reports and tests.
struct PhotoInfo {
  bool dark_ink = true;    // ink darker than the background (pen on paper); false: chalk on a board
  float noise = 0.0f;      // robust standard deviation of the background after flattening
  float threshold = 0.0f;  // ink strength above which a pixel is ink (same units as the levels)
  float ink_level = 0.0f;  // mean strength of the ink pixels (mapped to 1)
  int blobs = 0;           // connected ink blobs found
  int kept = 0;            // blobs kept as the digit
};

// gray: h x w grey levels in [0,1] (1 = white; clamped; NaN/inf is an Error), 1 <= h, w <= 4096.
// Steps:
//  1. background: the image in 8 x 8 tiles, each tile's median level (at most ~65k pixels looked
//     at), and a quadratic surface a + b x + c y + d x^2 + e xy + f y^2 fitted to those by least
//     squares: three passes keeping the 70% of tiles nearest the fit, then three keeping those
//     within max(3 robust deviations, 0.02) (tiles mostly covered by ink drop out). Images under
//     16 px on a side use their median. The relative residual (level - background) / background
//     (background at least 0.05) is what the rest sees, since light multiplies paper and ink
//     alike; sigma = 1.4826 x its median absolute value (the noise: ink is a minority).
//  2. polarity: with k = max(0.08, 4 sigma), the ink is on the side (darker or lighter) whose
//     residuals beyond k weigh more; the ink strength s is the residual with that sign.
//  3. threshold: Otsu's on the histogram of s, raised to at least k.
//  4. blobs: 8-connected components of s > threshold. Blobs with more than half their longer
//     side on the image border (page edges, table, shadows) are dropped unless nothing else is
//     left; the heaviest blob (sum of s) is the digit, with the blobs of at least 10% of its
//     weight that reach into its box grown by a quarter of its longer side (a broken stroke).
//  5. ink = clamp(s / mean ink strength, 0, 1) on the kept blobs, 0 elsewhere, then frame_digit:
//     crop, longer side to 20 px by area averaging, centre of mass to (14, 14) in 28x28.
// Throws Error("<name>: the photo looks blank (...)") when nothing stands out from the
// background or only specks do (the digit's blob must have 8 pixels and a 3 px side, or in an
// image smaller than that as many pixels as its longer side).
std::vector<float> preprocess_photo(const float* gray, int h, int w,
                                    const std::string& name = "photo", PhotoInfo* info = nullptr);

}  // namespace cnn::data
