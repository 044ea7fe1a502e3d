// Image loading for the cnn command-line tool: PNG (via libpng's simplified API) and PGM (P2/P5)
// decoded to one grey channel in [0,1], plus an 8-bit PGM writer.
// It is CLI-only (the core and the wasm build never see libpng) and not a general image library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn::cli {

struct GrayImage {
  int width = 0, height = 0;
  std::vector<float> pixels;  // width * height values in [0,1], row-major, 1 = white
};

constexpr int kMaxImageSide = 4096;

// PNG (8/16-bit, gray, gray+alpha, RGB, RGBA, palette; alpha composited over white; luminance
// 0.299R + 0.587G + 0.114B of the sRGB-encoded values) or PGM (P2 ascii and P5 binary, maxval
// 1..65535, comments), chosen by content (magic), not extension. 16-bit PNGs without gamma
// information are taken as sRGB-encoded, and PNG samples are reduced to 8 bits. Errors name the
// path: unreadable, not a PNG/PGM, truncated, corrupt, larger than 4096x4096.
GrayImage load_gray_image(const std::string& path);

// The same decoding from memory; `name` is used in error messages.
GrayImage decode_gray_image(const uint8_t* bytes, size_t n, const std::string& name);

// Writes 8-bit PGM P5 (values clamped to [0,1], NaN as 0); Error naming the path on failure.
void save_pgm(const std::string& path, const float* pixels, int w, int h);

}  // namespace cnn::cli
