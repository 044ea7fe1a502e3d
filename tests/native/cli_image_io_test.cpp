// Tests for tools/cnn/image_io (PNG/PGM loading, PGM saving). They need the CLI's image_io.cpp and
// libpng, which the core-only test binary does not link, so they compile only when the build
// defines CNN_WITH_CLI_IMAGE_IO. They do not test the predict command itself.
#ifdef CNN_WITH_CLI_IMAGE_IO

#include <png.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/tensor/error.h"
#include "tests/native/support/test_util.h"
#include "tools/cnn/image_io.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using Catch::Contains;
using cnn::cli::GrayImage;

// A fresh temporary directory for this file's tests.
struct TempDir : cnn::test::TempDir {
  TempDir() : cnn::test::TempDir("cnn_image_io_test") {}
};

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

void write_text(const std::string& path, const std::string& text) {
  write_bytes(path, Bytes(text.begin(), text.end()));
}

Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Writes a PNG with libpng's simplified API; `format` is a PNG_FORMAT_* value.
void write_png(const std::string& path, int w, int h, uint32_t format, const void* pixels,
               const void* colormap = nullptr, int colormap_entries = 0) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = format;
  image.colormap_entries = static_cast<png_uint_32>(colormap_entries);
  REQUIRE(png_image_write_to_file(&image, path.c_str(), 0, pixels, 0, colormap) != 0);
}

void put32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}

void put_chunk(Bytes& png, const char* type, const Bytes& data) {
  put32(png, static_cast<uint32_t>(data.size()));
  Bytes body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put32(png, static_cast<uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
}

// A minimal hand-built PNG (no gAMA/sRGB chunk, which the simplified writer always adds).
// `rows` holds the raw scanlines without filter bytes.
Bytes handmade_png(uint32_t w, uint32_t h, uint8_t depth, uint8_t color_type, const Bytes& rows) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put32(ihdr, w);
  put32(ihdr, h);
  ihdr.insert(ihdr.end(), {depth, color_type, 0, 0, 0});
  put_chunk(png, "IHDR", ihdr);
  const size_t stride = rows.size() / h;
  Bytes raw;
  for (uint32_t r = 0; r < h; ++r) {
    raw.push_back(0);  // filter: none
    raw.insert(raw.end(), rows.begin() + r * stride, rows.begin() + (r + 1) * stride);
  }
  uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
  Bytes z(zlen);
  REQUIRE(compress(z.data(), &zlen, raw.data(), static_cast<uLong>(raw.size())) == Z_OK);
  z.resize(zlen);
  put_chunk(png, "IDAT", z);
  put_chunk(png, "IEND", {});
  return png;
}

}  // namespace

TEST_CASE("image_io: 8-bit gray, RGB, RGBA, gray+alpha and palette PNGs", "[data][cli]") {
  TempDir dir;
  SECTION("gray") {
    const uint8_t px[6] = {0, 51, 102, 153, 204, 255};
    write_png(dir.file("g.png"), 3, 2, PNG_FORMAT_GRAY, px);
    const GrayImage im = cnn::cli::load_gray_image(dir.file("g.png"));
    REQUIRE(im.width == 3);
    REQUIRE(im.height == 2);
    REQUIRE(im.pixels.size() == 6);
    for (int i = 0; i < 6; ++i) CHECK(im.pixels[i] == Approx(px[i] / 255.0).margin(1e-5));
  }
  SECTION("RGB uses 0.299 R + 0.587 G + 0.114 B") {
    const uint8_t px[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
    write_png(dir.file("rgb.png"), 4, 1, PNG_FORMAT_RGB, px);
    const GrayImage im = cnn::cli::load_gray_image(dir.file("rgb.png"));
    REQUIRE(im.width == 4);
    REQUIRE(im.height == 1);
    CHECK(im.pixels[0] == Approx(0.299).margin(1e-5));
    CHECK(im.pixels[1] == Approx(0.587).margin(1e-5));
    CHECK(im.pixels[2] == Approx(0.114).margin(1e-5));
    CHECK(im.pixels[3] == Approx(1.0).margin(1e-5));
  }
  SECTION("RGBA: transparency is composited over white") {
    const uint8_t px[] = {
        0,   0, 0,   0,    // fully transparent black -> white
        0,   0, 0,   255,  // opaque black
        0,   0, 0,   102,  // 40% black over white -> 0.6
        255, 0, 0,   255,  // opaque red
        0,   0, 255, 51,   // 20% blue over white: 0.2 * 0.114 + 0.8
        9,   9, 9,   0,    // transparent anything -> white
    };
    write_png(dir.file("rgba.png"), 3, 2, PNG_FORMAT_RGBA, px);
    const GrayImage im = cnn::cli::load_gray_image(dir.file("rgba.png"));
    REQUIRE(im.width == 3);
    REQUIRE(im.height == 2);
    CHECK(im.pixels[0] == Approx(1.0).margin(1e-5));
    CHECK(im.pixels[1] == Approx(0.0).margin(1e-5));
    CHECK(im.pixels[2] == Approx(0.6).margin(1e-5));
    CHECK(im.pixels[3] == Approx(0.299).margin(1e-5));
    CHECK(im.pixels[4] == Approx(0.2 * 0.114 + 0.8).margin(1e-5));
    CHECK(im.pixels[5] == Approx(1.0).margin(1e-5));
  }
  SECTION("gray + alpha") {
    const uint8_t px[] = {0, 255, 0, 0, 100, 255, 0, 153};  // gray, alpha pairs
    write_png(dir.file("ga.png"), 2, 2, PNG_FORMAT_GA, px);
    const GrayImage im = cnn::cli::load_gray_image(dir.file("ga.png"));
    CHECK(im.pixels[0] == Approx(0.0).margin(1e-5));
    CHECK(im.pixels[1] == Approx(1.0).margin(1e-5));
    CHECK(im.pixels[2] == Approx(100 / 255.0).margin(1e-5));
    CHECK(im.pixels[3] == Approx(0.4).margin(1e-5));
  }
  SECTION("palette with a transparent entry") {
    const uint8_t colormap[] = {255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 255, 0};  // RGBA entries
    const uint8_t index[] = {0, 1, 2, 1, 1, 0};
    write_png(dir.file("pal.png"), 3, 2, PNG_FORMAT_RGBA_COLORMAP, index, colormap, 3);
    const Bytes file = read_bytes(dir.file("pal.png"));
    REQUIRE(file.size() > 26);
    REQUIRE(file[25] == 3);  // IHDR colour type 3: the file really is palette-based
    const GrayImage im = cnn::cli::load_gray_image(dir.file("pal.png"));
    const float want[] = {1, 0, 1, 0, 0, 1};
    for (int i = 0; i < 6; ++i) CHECK(im.pixels[i] == Approx(want[i]).margin(1e-5));
  }
}

TEST_CASE("image_io: 16-bit PNGs", "[data][cli]") {
  TempDir dir;
  SECTION("16-bit linear gray from libpng's writer (gAMA 1.0) is converted to sRGB") {
    // Linear 0.2140 is sRGB 0.5 (the sRGB curve); 0 and 1 are fixed points.
    const uint16_t px[3] = {0, 14025, 65535};
    write_png(dir.file("g16.png"), 3, 1, PNG_FORMAT_LINEAR_Y, px);
    const Bytes file = read_bytes(dir.file("g16.png"));
    REQUIRE(file[24] == 16);  // IHDR bit depth
    const GrayImage im = cnn::cli::load_gray_image(dir.file("g16.png"));
    CHECK(im.pixels[0] == Approx(0.0).margin(1e-5));
    CHECK(im.pixels[1] == Approx(0.5).margin(2.0 / 255));
    CHECK(im.pixels[2] == Approx(1.0).margin(1e-5));
  }
  SECTION("16-bit gray without gamma information is read as sRGB values") {
    const Bytes rows = {0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0x33, 0x33};  // big-endian samples
    write_bytes(dir.file("raw16.png"), handmade_png(4, 1, 16, 0, rows));
    const GrayImage im = cnn::cli::load_gray_image(dir.file("raw16.png"));
    REQUIRE(im.width == 4);
    CHECK(im.pixels[0] == Approx(0.0).margin(1e-5));
    CHECK(im.pixels[1] == Approx(0x8000 / 65535.0).margin(1.0 / 255));
    CHECK(im.pixels[2] == Approx(1.0).margin(1e-5));
    CHECK(im.pixels[3] == Approx(0.2).margin(1.0 / 255));
  }
  SECTION("16-bit RGBA without gamma information") {
    // Opaque black, then half-transparent black: 0.5 over white.
    const Bytes rows = {0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x80, 0x00};
    write_bytes(dir.file("rgba16.png"), handmade_png(2, 1, 16, 6, rows));
    const GrayImage im = cnn::cli::load_gray_image(dir.file("rgba16.png"));
    CHECK(im.pixels[0] == Approx(0.0).margin(1e-5));
    CHECK(im.pixels[1] == Approx(0.5).margin(1.0 / 255));
  }
}

TEST_CASE("image_io: PGM P2 and P5", "[data][cli]") {
  TempDir dir;
  SECTION("P2 with comments everywhere") {
    write_text(dir.file("a.pgm"),
               "P2\n# made by hand\n3 # width\n2\n# maxval next\n10\n0 5 10\n# row two\n10 0 5\n");
    const GrayImage im = cnn::cli::load_gray_image(dir.file("a.pgm"));
    REQUIRE(im.width == 3);
    REQUIRE(im.height == 2);
    const std::vector<float> want = {0.0f, 0.5f, 1.0f, 1.0f, 0.0f, 0.5f};
    for (int i = 0; i < 6; ++i) CHECK(im.pixels[i] == Approx(want[i]));
  }
  SECTION("P5 8-bit and 16-bit") {
    std::string p5 = "P5\n# c\n2 2\n200\n";
    p5 += std::string{char(0), char(100), char(200), char(50)};
    write_text(dir.file("b.pgm"), p5);
    GrayImage im = cnn::cli::load_gray_image(dir.file("b.pgm"));
    REQUIRE(im.width == 2);
    CHECK(im.pixels[1] == Approx(0.5));
    CHECK(im.pixels[2] == Approx(1.0));
    CHECK(im.pixels[3] == Approx(0.25));

    std::string p16 = "P5 3 1 1000\n";
    p16 += std::string{char(0), char(0), char(0x01), char(0xf4), char(0x03), char(0xe8)};
    write_text(dir.file("c.pgm"), p16);
    im = cnn::cli::load_gray_image(dir.file("c.pgm"));
    REQUIRE(im.width == 3);
    CHECK(im.pixels[0] == 0.0f);
    CHECK(im.pixels[1] == Approx(0.5));
    CHECK(im.pixels[2] == Approx(1.0));
  }
  SECTION("save_pgm round-trips through load_gray_image with 8-bit precision") {
    const float px[6] = {0.0f, 0.25f, 1.0f, -1.0f, 2.0f, 0.5f};
    cnn::cli::save_pgm(dir.file("s.pgm"), px, 3, 2);
    const Bytes file = read_bytes(dir.file("s.pgm"));
    const std::string header = "P5\n3 2\n255\n";
    REQUIRE(file.size() == header.size() + 6);
    CHECK(std::string(file.begin(), file.begin() + header.size()) == header);
    const GrayImage im = cnn::cli::load_gray_image(dir.file("s.pgm"));
    const float want[6] = {0.0f, 64 / 255.0f, 1.0f, 0.0f, 1.0f, 128 / 255.0f};
    for (int i = 0; i < 6; ++i) CHECK(im.pixels[i] == Approx(want[i]));
    REQUIRE_THROWS_WITH(cnn::cli::save_pgm(dir.file("no/such/dir.pgm"), px, 3, 2),
                        Contains("no/such/dir.pgm: cannot create"));
  }
}

TEST_CASE("image_io: bad files are errors naming the path", "[data][cli]") {
  TempDir dir;
  const std::string missing = dir.file("missing.png");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(missing),
                      Contains(missing) && Contains("cannot open"));

  write_text(dir.file("empty.png"), "");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("empty.png")),
                      Contains("empty.png: the file is empty"));

  write_text(dir.file("notes.png"), "just some text, whatever the extension says");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("notes.png")),
                      Contains("notes.png: not a PNG or PGM image"));

  write_text(dir.file("p.ppm"), "P6\n1 1\n255\nabc");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("p.ppm")), Contains("not supported"));

  // A noisy RGB image so the IDAT is large, then cut in half.
  std::vector<uint8_t> noise(64 * 64 * 3);
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = uint8_t((i * 2654435761u) >> 13);
  write_png(dir.file("full.png"), 64, 64, PNG_FORMAT_RGB, noise.data());
  const Bytes full = read_bytes(dir.file("full.png"));
  write_bytes(dir.file("cut.png"), Bytes(full.begin(), full.begin() + full.size() / 2));
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("cut.png")),
                      Contains("cut.png: the PNG is truncated"));
  write_bytes(dir.file("head.png"), Bytes(full.begin(), full.begin() + 20));
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("head.png")), Contains("head.png"));

  Bytes corrupt = full;
  corrupt[17] ^= 0x40;  // inside IHDR: the CRC no longer matches
  write_bytes(dir.file("crc.png"), corrupt);
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("crc.png")),
                      Contains("crc.png: corrupt PNG"));
  Bytes bad_idat = full;
  for (size_t i = 60; i < 200; ++i) bad_idat[i] ^= 0xa5;  // deflate data damaged
  write_bytes(dir.file("idat.png"), bad_idat);
  REQUIRE_THROWS_AS(cnn::cli::load_gray_image(dir.file("idat.png")), cnn::Error);

  std::vector<uint8_t> wide(5000, 0);
  write_png(dir.file("wide.png"), 5000, 1, PNG_FORMAT_GRAY, wide.data());
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("wide.png")),
                      Contains("wide.png: the image is 5000x1, larger than the 4096x4096 limit"));

  write_text(dir.file("big.pgm"), "P5\n5000 10\n255\n");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("big.pgm")),
                      Contains("larger than the 4096x4096 limit"));
  write_text(dir.file("cut.pgm"), "P5\n4 4\n255\nabc");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("cut.pgm")),
                      Contains("cut.pgm: the PGM file is truncated"));
  write_text(dir.file("cut2.pgm"), "P2\n2 2\n255\n1 2 3");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("cut2.pgm")), Contains("truncated"));
  write_text(dir.file("hdr.pgm"), "P2\n2");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("hdr.pgm")),
                      Contains("truncated") && Contains("height"));
  write_text(dir.file("over.pgm"), "P2 2 1 10 5 11");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("over.pgm")),
                      Contains("larger than maxval 10"));
  write_text(dir.file("max0.pgm"), "P2 1 1 0 0");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("max0.pgm")), Contains("maxval is 0"));
  write_text(dir.file("max70k.pgm"), "P2 1 1 70000 0");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("max70k.pgm")),
                      Contains("maxval is 70000"));
  write_text(dir.file("zero.pgm"), "P2 0 3 255\n");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("zero.pgm")), Contains("0x3"));
  write_text(dir.file("junk.pgm"), "P2 2 x 255\n");
  REQUIRE_THROWS_WITH(cnn::cli::load_gray_image(dir.file("junk.pgm")),
                      Contains("expected a number for the height"));
}

#endif  // CNN_WITH_CLI_IMAGE_IO
