// PNG and PGM decoding to grey for `cnn predict`, and the PGM writer for --save-preprocessed.
// Files are read into memory first and every header field is range-checked before allocation;
// it does not do colour management beyond what libpng's simplified API applies.
#include "tools/cnn/image_io.h"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/data/idx.h"
#include "core/tensor/error.h"

namespace cnn::cli {
namespace {

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

std::string size_str(uint64_t w, uint64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

void check_size(uint64_t w, uint64_t h, const std::string& name, const char* kind) {
  check(w >= 1 && h >= 1,
        name + ": corrupt " + kind + ": the header says the image is " + size_str(w, h));
  check(w <= kMaxImageSide && h <= kMaxImageSide,
        name + ": the image is " + size_str(w, h) + ", larger than the " +
            size_str(kMaxImageSide, kMaxImageSide) + " limit");
}

GrayImage decode_png(const uint8_t* bytes, size_t n, const std::string& name) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  struct Guard {
    png_image* image;
    ~Guard() { png_image_free(image); }
  } guard{&image};
  if (!png_image_begin_read_from_memory(&image, bytes, n)) {
    throw Error(name + ": corrupt PNG (libpng: " + image.message + ")");
  }
  check_size(image.width, image.height, name, "PNG");
  // Most tools write 16-bit PNGs sRGB-encoded without saying so; libpng would assume linear.
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  image.format = PNG_FORMAT_RGBA;  // 8-bit sRGB, alpha not premultiplied
  std::vector<uint8_t> rgba(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, rgba.data(), 0, nullptr)) {
    const std::string msg = image.message;
    // The memory reader reports running out of bytes as "read beyond end of data".
    const bool truncated = msg.find("end of data") != std::string::npos ||
                           msg.find("Not enough image data") != std::string::npos;
    throw Error(name +
                (truncated ? ": the PNG is truncated (libpng: " : ": corrupt PNG (libpng: ") + msg +
                ")");
  }
  GrayImage out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.pixels.resize(static_cast<size_t>(out.width) * out.height);
  for (size_t i = 0; i < out.pixels.size(); ++i) {
    const uint8_t* p = &rgba[4 * i];
    const float lum = (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
    const float alpha = p[3] / 255.0f;
    // Transparent parts show the page, which is white.
    out.pixels[i] = std::clamp(lum * alpha + (1.0f - alpha), 0.0f, 1.0f);
  }
  return out;
}

bool is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// A cursor over PGM text: whitespace, '#' comments to end of line, and decimal numbers.
class PgmReader {
 public:
  PgmReader(const uint8_t* bytes, size_t n, const std::string& name)
      : bytes_(bytes), n_(n), name_(name) {}

  void skip_space_and_comments() {
    while (pos_ < n_) {
      if (is_space(bytes_[pos_])) {
        ++pos_;
      } else if (bytes_[pos_] == '#') {
        while (pos_ < n_ && bytes_[pos_] != '\n' && bytes_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  // A decimal number after optional whitespace/comments; `what` names it in errors.
  uint32_t number(const std::string& what) {
    skip_space_and_comments();
    check(pos_ < n_, name_ + ": the PGM file is truncated (it ends before the " + what + ")");
    check(bytes_[pos_] >= '0' && bytes_[pos_] <= '9',
          name_ + ": corrupt PGM: expected a number for the " + what + " at byte " +
              std::to_string(pos_));
    uint64_t v = 0;
    while (pos_ < n_ && bytes_[pos_] >= '0' && bytes_[pos_] <= '9') {
      v = v * 10 + (bytes_[pos_] - '0');
      check(v <= 0xffffffffu,
            name_ + ": corrupt PGM: the " + what + " is an absurdly large number");
      ++pos_;
    }
    check(pos_ == n_ || is_space(bytes_[pos_]) || bytes_[pos_] == '#',
          name_ + ": corrupt PGM: unexpected character after the " + what + " at byte " +
              std::to_string(pos_));
    return static_cast<uint32_t>(v);
  }

  size_t pos() const { return pos_; }
  void advance(size_t k) { pos_ += k; }

 private:
  const uint8_t* bytes_;
  size_t n_;
  const std::string& name_;
  size_t pos_ = 2;  // after the magic
};

GrayImage decode_pgm(const uint8_t* bytes, size_t n, const std::string& name) {
  const bool binary = bytes[1] == '5';
  PgmReader in(bytes, n, name);
  const uint32_t w = in.number("width");
  const uint32_t h = in.number("height");
  check_size(w, h, name, "PGM");
  const uint32_t maxval = in.number("maxval");
  check(maxval >= 1 && maxval <= 65535,
        name + ": corrupt PGM: maxval is " + std::to_string(maxval) + " (it must be 1..65535)");

  GrayImage out;
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  const size_t count = static_cast<size_t>(w) * h;
  out.pixels.resize(count);
  const float scale = 1.0f / static_cast<float>(maxval);
  const std::string too_big =
      name + ": corrupt PGM: a sample is larger than maxval " + std::to_string(maxval);
  if (binary) {
    // Exactly one whitespace byte separates maxval from the raster.
    check(in.pos() < n, name + ": the PGM file is truncated (no pixel data)");
    check(is_space(bytes[in.pos()]),
          name + ": corrupt PGM: maxval must be followed by one whitespace byte");
    in.advance(1);
    const size_t bps = maxval < 256 ? 1 : 2;
    const size_t need = count * bps;
    const size_t have = n - in.pos();
    check(have >= need, name + ": the PGM file is truncated (" + std::to_string(have) +
                            " bytes of pixel data for " + size_str(w, h) + " pixels, need " +
                            std::to_string(need) + ")");
    const uint8_t* p = bytes + in.pos();
    for (size_t i = 0; i < count; ++i) {
      const uint32_t v = bps == 1 ? p[i] : (uint32_t(p[2 * i]) << 8) | p[2 * i + 1];
      check(v <= maxval, too_big);
      out.pixels[i] = static_cast<float>(v) * scale;
    }
  } else {
    for (size_t i = 0; i < count; ++i) {
      const uint32_t v = in.number("sample " + std::to_string(i));
      check(v <= maxval, too_big);
      out.pixels[i] = static_cast<float>(v) * scale;
    }
  }
  return out;
}

}  // namespace

GrayImage decode_gray_image(const uint8_t* bytes, size_t n, const std::string& name) {
  check(bytes != nullptr && n > 0, name + ": the file is empty (expected a PNG or PGM image)");
  if (n >= sizeof kPngSignature && std::memcmp(bytes, kPngSignature, sizeof kPngSignature) == 0) {
    return decode_png(bytes, n, name);
  }
  if (n >= 2 && bytes[0] == 'P') {
    if (bytes[1] == '2' || bytes[1] == '5') {
      check(n > 2 && (is_space(bytes[2]) || bytes[2] == '#'),
            name + ": the PGM file is truncated or corrupt (nothing valid after the magic P" +
                std::string(1, char(bytes[1])) + ")");
      return decode_pgm(bytes, n, name);
    }
    if (bytes[1] == '1' || bytes[1] == '3' || bytes[1] == '4' || bytes[1] == '6') {
      throw Error(name + ": a PBM/PPM (Netpbm P" + std::string(1, char(bytes[1])) +
                  ") file is not supported; use PNG or PGM (P2/P5)");
    }
  }
  throw Error(name + ": not a PNG or PGM image (unrecognised content)");
}

GrayImage load_gray_image(const std::string& path) {
  const std::vector<uint8_t> bytes = data::read_file(path);
  return decode_gray_image(bytes.data(), bytes.size(), path);
}

void save_pgm(const std::string& path, const float* pixels, int w, int h) {
  check(w >= 1 && h >= 1 && pixels != nullptr,
        path + ": cannot save a " + std::to_string(w) + "x" + std::to_string(h) + " image as PGM");
  std::vector<uint8_t> bytes;
  const std::string header = "P5\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  bytes.assign(header.begin(), header.end());
  const size_t count = static_cast<size_t>(w) * h;
  for (size_t i = 0; i < count; ++i) {
    const float v = std::isnan(pixels[i]) ? 0.0f : std::clamp(pixels[i], 0.0f, 1.0f);
    bytes.push_back(static_cast<uint8_t>(std::lround(v * 255.0f)));
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw Error(path + ": cannot create the file (" + std::strerror(errno) + ")");
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    throw Error(path + ": cannot write the file (" + std::strerror(wrote ? errno : err) + ")");
  }
}

}  // namespace cnn::cli
