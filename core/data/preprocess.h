// MNIST-style preprocessing of a drawn or photographed digit: invert if needed, crop to the ink,
// scale the longer side to 20 px by area averaging and centre the mass in a 28x28 frame.
// Also the one conversion of IDX pixel bytes to the floats the network reads.
// It is not a general image pipeline: no deskewing, denoising, thresholding or colour handling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cnn::data {

constexpr int kDigitSide = 28;  // output image side
constexpr int kDigitBox = 20;   // longer side of the scaled ink box
constexpr float kInkThreshold = 0.1f;
constexpr int kMaxInputSide = 4096;

// gray: h x w values in [0,1] (values outside are clamped; NaN/inf is an Error), 1 <= h, w <= 4096.
// Returns 28*28 floats in [0,1] like MNIST: ink bright on black. If the mean of the border pixels
// is > 0.5 the image is inverted first (images of at most 2 rows or columns are all border, so
// they are never inverted: their pixels are taken as ink). Crops to the bounding box of pixels
// with ink > 0.1, scales the crop so its longer side is 20 px (shorter side rounded, at least 1)
// by area averaging with exact fractional coverage, then places it in a black 28x28 image shifted
// by round(14 - centre of mass) per axis (integer shift as in the MNIST paper), clipping what falls
// outside. Throws Error("<name>: the image is blank (no ink found)") when no pixel passes the
// threshold, and an Error for bad sizes.
std::vector<float> preprocess_digit(const float* gray, int h, int w,
                                    const std::string& name = "image");

// Pixel bytes 0..255 to floats in [0, 1]: dst[i] = src[i] * (1 / 255), the rounding training,
// evaluation and the test images have always used. n values; dst must not overlap src.
void bytes_to_unit_floats(const uint8_t* src, size_t n, float* dst);

// The last steps of preprocess_digit on an image already bright-on-black in [0,1] (h x w, checked
// by the caller): crop to the pixels with ink > 0.1, scale the longer side to 20 px by area
// averaging, centre the mass in 28x28. The one home of that framing; preprocess_photo ends with it
// too.
std::vector<float> frame_digit(const float* img, int h, int w, const std::string& name);

// Copies h x w grey levels, clamped to [0,1]; an Error naming `name` for a size outside
// 1..4096, a null pointer or a value that is not finite.
std::vector<float> checked_gray(const float* gray, int h, int w, const std::string& name);

// Intensity-weighted centre of mass (row, col) of an h x w image in pixel-centre coordinates (pixel
// (r, c) has centre (r + 0.5, c + 0.5)); the image centre (h/2, w/2) when the image is all zero.
std::pair<double, double> center_of_mass(const float* img, int h, int w);

}  // namespace cnn::data
