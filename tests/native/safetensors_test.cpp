// Tests for the safetensors reader/writer and write_file_atomic: bit-exact round trips, the byte
// layout of the published format, every rejection path, truncation and random mutation. Not an
// interop test against Hugging Face's library (not installed here); tools/check_safetensors.py
// is the independent cross-check.
#include "core/model/safetensors.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/tensor/error.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using Catch::Contains;

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

float float_of(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}

void put_le(uint64_t v, int n, Bytes* out) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes f32_bytes(const std::vector<float>& v) {
  Bytes b;
  for (float f : v) put_le(bits_of(f), 4, &b);
  return b;
}

Bytes u16_bytes(const std::vector<uint16_t>& v) {
  Bytes b;
  for (uint16_t h : v) put_le(h, 2, &b);
  return b;
}

Bytes f64_bytes(const std::vector<double>& v) {
  Bytes b;
  for (double d : v) {
    uint64_t u;
    std::memcpy(&u, &d, sizeof(u));
    put_le(u, 8, &b);
  }
  return b;
}

// A file by hand: length field, header exactly as given (no padding), then `data`.
Bytes make_file(const std::string& header, const Bytes& data = {}) {
  Bytes out;
  put_le(header.size(), 8, &out);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

cnn::SafetensorsFile rd(const Bytes& b) {
  return cnn::read_safetensors(b.data(), b.size(), "bad.safetensors");
}

// A small but varied valid file: metadata, a scalar, an empty tensor, a matrix.
cnn::SafetensorsFile sample_file() {
  cnn::SafetensorsFile f;
  f.metadata = {{"format", "cnn-playground"}, {"note", "\"quoted\"\n\\ and \xC3\xA9"}};
  f.tensors.push_back({"dense_1/kernel", {2, 3}, {1.5f, -2.25f, 0.0f, -0.0f, 3e-39f, 1e30f}});
  f.tensors.push_back({"scalar", {}, {42.0f}});
  f.tensors.push_back({"empty", {0, 4}, {}});
  f.tensors.push_back({"dense_1/bias", {3}, {0.125f, -1.0f, 7.0f}});
  return f;
}

std::string read_whole_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A fresh directory under the system temp dir, removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd_dev;
    path = fs::temp_directory_path() /
           ("safetensors_test_" + std::to_string(getpid()) + "_" + std::to_string(rd_dev()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("safetensors round trip is bit exact", "[safetensors]") {
  cnn::SafetensorsFile f;
  f.metadata = {{"epochs", "3"}, {"", "empty key is fine"}};
  const std::vector<uint32_t> special = {
      0x00000000u,  // +0
      0x80000000u,  // -0
      0x00000001u,  // smallest denormal
      0x807FFFFFu,  // largest negative denormal
      0x7F800000u,  // +inf
      0xFF800000u,  // -inf
      0x7FC00000u,  // quiet NaN
      0x7FC12345u,  // quiet NaN with payload
      0xFFA00001u,  // negative signalling NaN with payload
      0x7F7FFFFFu,  // FLT_MAX
      0x3F800001u,  // 1 + ulp
  };
  std::vector<float> values;
  for (uint32_t b : special) values.push_back(float_of(b));
  // Writer order is deliberately not alphabetical: the reader must return it by offset.
  f.tensors.push_back({"zeta", {11}, values});
  f.tensors.push_back({"alpha \"quoted\" \\ \xE2\x9C\x93", {1, 1, 1}, {-1.0f}});
  f.tensors.push_back({"scalar", {}, {0.5f}});
  f.tensors.push_back({"nothing", {3, 0, 2}, {}});
  f.tensors.push_back({"last", {2, 2}, {1, 2, 3, 4}});

  const Bytes bytes = cnn::write_safetensors(f);
  const cnn::SafetensorsFile g = cnn::read_safetensors(bytes.data(), bytes.size(), "rt");
  REQUIRE(g.metadata == f.metadata);
  REQUIRE(g.tensors.size() == f.tensors.size());
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    INFO("tensor " << f.tensors[i].name);
    CHECK(g.tensors[i].name == f.tensors[i].name);
    CHECK(g.tensors[i].shape == f.tensors[i].shape);
    REQUIRE(g.tensors[i].data.size() == f.tensors[i].data.size());
    for (size_t j = 0; j < f.tensors[i].data.size(); ++j) {
      CHECK(bits_of(g.tensors[i].data[j]) == bits_of(f.tensors[i].data[j]));
    }
  }
  // Writing what was read gives the same bytes: nothing is lost or reordered.
  CHECK(cnn::write_safetensors(g) == bytes);

  const cnn::NamedTensor* last = cnn::find_tensor(g, "last");
  REQUIRE(last != nullptr);
  CHECK(last->shape == cnn::Shape{2, 2});
  CHECK(cnn::find_tensor(g, "missing") == nullptr);
}

TEST_CASE("safetensors writer produces the published byte layout", "[safetensors]") {
  cnn::SafetensorsFile f;
  f.metadata = {{"k", "v"}};
  f.tensors.push_back({"a", {2}, {1.0f, -2.0f}});
  const std::string json =
      R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  REQUIRE(json.size() == 79);
  Bytes expected = {0x50, 0, 0, 0, 0, 0, 0, 0};  // 80: the 79-byte JSON plus one space
  expected.insert(expected.end(), json.begin(), json.end());
  expected.push_back(' ');
  for (uint8_t b : {0x00, 0x00, 0x80, 0x3F}) expected.push_back(b);  // 1.0f, little-endian
  for (uint8_t b : {0x00, 0x00, 0x00, 0xC0}) expected.push_back(b);  // -2.0f
  CHECK(cnn::write_safetensors(f) == expected);

  // No metadata: the key is omitted, and the data buffer still starts 8-byte aligned.
  cnn::SafetensorsFile s;
  s.tensors.push_back({"w", {}, {0.5f}});
  const std::string json2 = R"({"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
  Bytes expected2 = {56, 0, 0, 0, 0, 0, 0, 0};  // 53 bytes of JSON + 3 spaces
  expected2.insert(expected2.end(), json2.begin(), json2.end());
  expected2.insert(expected2.end(), {' ', ' ', ' ', 0x00, 0x00, 0x00, 0x3F});
  CHECK(cnn::write_safetensors(s) == expected2);

  // An empty file is a valid file: "{}" padded to 8, no data.
  const Bytes empty = cnn::write_safetensors({});
  const Bytes expected3 = {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
  CHECK(empty == expected3);
  CHECK(rd(empty).tensors.empty());
}

TEST_CASE("safetensors writer alignment holds for every header length", "[safetensors]") {
  for (int len = 1; len <= 16; ++len) {
    cnn::SafetensorsFile f;
    f.tensors.push_back({std::string(static_cast<size_t>(len), 'x'), {1}, {1.0f}});
    const Bytes b = cnn::write_safetensors(f);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | b[static_cast<size_t>(i)];
    CHECK(n % 8 == 0);
    CHECK(b.size() == 8 + n + 4);
    CHECK(b[8 + n - 1] != 0);  // padding is spaces or the closing brace, never NUL
  }
}

TEST_CASE("safetensors reader accepts hand-made files per the published format", "[safetensors]") {
  SECTION("any key order, whitespace, no padding, unknown fields, null metadata") {
    const std::string h =
        "{ \"b\" : {\"data_offsets\":[4,12], \"shape\":[2], \"dtype\":\"F32\", \"extra\":1},\n"
        "  \"a\": {\"shape\":[], \"dtype\":\"F32\", \"data_offsets\":[0,4]},\n"
        "  \"__metadata__\": null }";
    const cnn::SafetensorsFile f = rd(make_file(h, f32_bytes({7.0f, 1.0f, -1.0f})));
    REQUIRE(f.tensors.size() == 2);
    CHECK(f.tensors[0].name == "a");  // sorted by offset, not by header order
    CHECK(f.tensors[0].shape.empty());
    CHECK(f.tensors[0].data == std::vector<float>{7.0f});
    CHECK(f.tensors[1].name == "b");
    CHECK(f.tensors[1].data == std::vector<float>{1.0f, -1.0f});
    CHECK(f.metadata.empty());
  }
  SECTION("zero-element tensors may share an offset") {
    const std::string h = R"({"e1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                          R"("e2":{"dtype":"F16","shape":[5,0],"data_offsets":[0,0]},)"
                          R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    const cnn::SafetensorsFile f = rd(make_file(h, f32_bytes({3.0f})));
    REQUIRE(f.tensors.size() == 3);
    CHECK(f.tensors[2].name == "x");
    CHECK(cnn::find_tensor(f, "e2")->shape == cnn::Shape{5, 0});
    CHECK(cnn::find_tensor(f, "e2")->data.empty());
  }
  SECTION("metadata strings are returned") {
    const std::string h = R"({"__metadata__":{"format":"pt","b":"\u00e9\n"}})";
    const cnn::SafetensorsFile f = rd(make_file(h));
    CHECK(f.metadata.at("format") == "pt");
    CHECK(f.metadata.at("b") == "\xC3\xA9\n");
  }
}

TEST_CASE("safetensors reader converts F16, BF16 and F64 to float", "[safetensors]") {
  SECTION("F16 exactly, including subnormals, infinities and NaN payloads") {
    const std::vector<uint16_t> halves = {0x3C00, 0xC000, 0x0001, 0x03FF, 0x7BFF,
                                          0x7C00, 0xFC00, 0x8000, 0x7E01, 0x3555};
    const std::vector<uint32_t> expected = {
        0x3F800000u,  // 1
        0xC0000000u,  // -2
        0x33800000u,  // 2^-24, the smallest subnormal half
        0x387FC000u,  // 1023 * 2^-24, the largest subnormal half
        0x477FE000u,  // 65504
        0x7F800000u,  // inf
        0xFF800000u,  // -inf
        0x80000000u,  // -0
        0x7FC02000u,  // NaN, payload shifted into place
        0x3EAAA000u,  // 0.333251953125
    };
    const std::string h = R"({"h":{"dtype":"F16","shape":[10],"data_offsets":[0,20]}})";
    const cnn::SafetensorsFile f = rd(make_file(h, u16_bytes(halves)));
    REQUIRE(f.tensors.at(0).data.size() == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      INFO("half 0x" << std::hex << halves[i]);
      CHECK(bits_of(f.tensors[0].data[i]) == expected[i]);
    }
  }
  SECTION("BF16 is the top half of a float") {
    const std::vector<uint16_t> b = {0x3F80, 0xC049, 0x0001, 0x7F80, 0xFF81, 0x8000};
    const std::string h = R"({"b":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}})";
    const cnn::SafetensorsFile f = rd(make_file(h, u16_bytes(b)));
    REQUIRE(f.tensors.at(0).data.size() == b.size());
    for (size_t i = 0; i < b.size(); ++i) {
      CHECK(bits_of(f.tensors[0].data[i]) == static_cast<uint32_t>(b[i]) << 16);
    }
    CHECK(f.tensors[0].data[1] == -3.140625f);
  }
  SECTION("F64 rounds to nearest and saturates to infinity") {
    const double flt_max = std::numeric_limits<float>::max();
    const std::vector<double> d = {
        0.5, 0.1, -1e300, 1e300, 1e-50, flt_max, -0.0, std::numeric_limits<double>::quiet_NaN()};
    const std::string h = R"({"d":{"dtype":"F64","shape":[8],"data_offsets":[0,64]}})";
    const cnn::SafetensorsFile f = rd(make_file(h, f64_bytes(d)));
    const std::vector<float>& v = f.tensors.at(0).data;
    REQUIRE(v.size() == 8);
    CHECK(v[0] == 0.5f);
    CHECK(v[1] == 0.1f);
    CHECK(v[2] == -std::numeric_limits<float>::infinity());
    CHECK(v[3] == std::numeric_limits<float>::infinity());
    CHECK(bits_of(v[4]) == 0u);
    CHECK(v[5] == std::numeric_limits<float>::max());
    CHECK(bits_of(v[6]) == 0x80000000u);
    CHECK(std::isnan(v[7]));
  }
  SECTION("mixed dtypes in one file") {
    const std::string h = R"({"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
                          R"("h":{"dtype":"F16","shape":[1],"data_offsets":[8,10]},)"
                          R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[10,12]},)"
                          R"("f":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})";
    Bytes data = concat(concat(f64_bytes({2.0}), u16_bytes({0x4200, 0x4040})), f32_bytes({4.0f}));
    const cnn::SafetensorsFile f = rd(make_file(h, data));
    REQUIRE(f.tensors.size() == 4);
    CHECK(f.tensors[0].data[0] == 2.0f);
    CHECK(f.tensors[1].data[0] == 3.0f);
    CHECK(f.tensors[2].data[0] == 3.0f);
    CHECK(f.tensors[3].data[0] == 4.0f);
  }
}

TEST_CASE("safetensors reader rejects corrupt files with a clear message", "[safetensors]") {
  const Bytes f4 = f32_bytes({1.0f});
  const Bytes f8 = f32_bytes({1.0f, 2.0f});
  const Bytes f12 = f32_bytes({1.0f, 2.0f, 3.0f});
  auto one = [](const std::string& fields) { return "{\"a\":{" + fields + "}}"; };

  SECTION("too short") {
    REQUIRE_THROWS_WITH(rd({}), Contains("bad.safetensors: file is 0 bytes long, too short"));
    REQUIRE_THROWS_WITH(rd(Bytes(7, 0)), Contains("file is 7 bytes long, too short"));
  }
  SECTION("header length") {
    Bytes huge = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, '{', '}'};
    REQUIRE_THROWS_WITH(rd(huge), Contains("more than the 100 MB limit"));
    Bytes just_over = make_file("{}");
    just_over[0] = 0x01, just_over[1] = 0xE1, just_over[2] = 0xF5, just_over[3] = 0x05;  // 1e8+1
    REQUIRE_THROWS_WITH(rd(just_over), Contains("100000001 bytes, more than the 100 MB limit"));
    Bytes longer = make_file("{}");
    longer[0] = 3;
    REQUIRE_THROWS_WITH(rd(longer), Contains("says 3 bytes but only 2 bytes follow it"));
  }
  SECTION("header is not JSON or not an object") {
    REQUIRE_THROWS_WITH(rd(make_file("{not json}")), Contains("header is not valid JSON"));
    REQUIRE_THROWS_WITH(rd(make_file("")), Contains("header is not valid JSON"));
    REQUIRE_THROWS_WITH(rd(make_file("{\"a\":1} x")), Contains("header is not valid JSON"));
    REQUIRE_THROWS_WITH(rd(make_file("{\"\xFF\":1}")), Contains("header is not valid JSON"));
    REQUIRE_THROWS_WITH(rd(make_file(std::string("{}\0   ", 6))),
                        Contains("header is not valid JSON (it contains a NUL byte at header "
                                 "offset 2)"));
    REQUIRE_THROWS_WITH(rd(make_file(R"({"a":1e400})")), Contains("header is not valid JSON"));
    REQUIRE_THROWS_WITH(rd(make_file("[1,2]")), Contains("header is an array, not a JSON object"));
    REQUIRE_THROWS_WITH(rd(make_file("\"x\"")), Contains("not a JSON object"));
    REQUIRE_THROWS_WITH(rd(make_file(" {}")), Contains("header must start with '{'"));
  }
  SECTION("entries") {
    REQUIRE_THROWS_WITH(rd(make_file(R"({"a":5})")),
                        Contains("tensor 'a' is described by a number, not an object"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("shape":[1],"data_offsets":[0,4])"), f4)),
                        Contains("bad.safetensors: tensor 'a' has no \"dtype\" field"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","data_offsets":[0,4])"), f4)),
                        Contains("tensor 'a' has no \"shape\" field"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":[1])"), f4)),
                        Contains("tensor 'a' has no \"data_offsets\" field"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":32,"shape":[1],"data_offsets":[0,4])"), f4)),
                        Contains("\"dtype\" that is a number, not a string"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":1,"data_offsets":[0,4])"), f4)),
                        Contains("\"shape\" that is a number, not an array"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":{},"data_offsets":[0,4])"), f4)),
                        Contains("\"shape\" that is an object, not an array"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":4)"), f4)),
                        Contains("not an array of two integers"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":[0,4,8])"), f4)),
        Contains("not an array of two integers"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":[0,4.0])"), f4)),
        Contains("not non-negative integers"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":[-4,0])"), f4)),
        Contains("not non-negative integers"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":[4,0])"), f4)),
                        Contains("data_offsets [4, 0] that end before they begin"));
  }
  SECTION("duplicate tensor names") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
    REQUIRE_THROWS_WITH(rd(make_file(h, f8)), Contains("header names 'a' more than once"));
  }
  SECTION("shape dimensions") {
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[-1],"data_offsets":[0,4])"), f4)),
        Contains("tensor 'a' shape dimension 0 is negative (-1)"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[1,1.5],"data_offsets":[0,4])"), f4)),
        Contains("shape dimension 1 is a non-integer number, not an integer"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":["1"],"data_offsets":[0,4])"), f4)),
        Contains("shape dimension 0 is a string, not an integer"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[3000000000],"data_offsets":[0,4])"), f4)),
        Contains("is 3000000000, more than the supported 2147483647"));
    // The overflow comes before the 0, so it is an error even though the true count is 0.
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32",)"
                                         R"("shape":[2147483647,2147483647,2147483647,0],)"
                                         R"("data_offsets":[0,0])"))),
                        Contains("tensor 'a' has so many elements that the count overflows"));
  }
  SECTION("unsupported dtype") {
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"I64","shape":[1],"data_offsets":[0,8])"), f8)),
        Contains("bad.safetensors: tensor 'a' has dtype 'I64', but only F32, F16, BF16 and F64"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"f32","shape":[1],"data_offsets":[0,4])"), f4)),
                        Contains("has dtype 'f32'"));
  }
  SECTION("offsets out of range, wrong size, overlapping, holes, trailing bytes") {
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[3],"data_offsets":[0,12])"), f8)),
        Contains("bad.safetensors: tensor 'a' data ends at byte 12 but the file has only 8 bytes "
                 "of tensor data"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F32","shape":[3],"data_offsets":[0,8])"), f8)),
        Contains("tensor 'a' has shape [3] and dtype F32, which needs 12 bytes, but its "
                 "data_offsets [0, 8] span 8"));
    REQUIRE_THROWS_WITH(
        rd(make_file(one(R"("dtype":"F16","shape":[2,2],"data_offsets":[0,4])"), f4)),
        Contains("needs 8 bytes"));
    const std::string overlap = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    REQUIRE_THROWS_WITH(rd(make_file(overlap, f12)),
                        Contains("tensor 'b' data (bytes 4-12) overlaps tensor 'a' (bytes 0-8)"));
    const std::string same = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    REQUIRE_THROWS_WITH(rd(make_file(same, f4)), Contains("overlaps"));
    const std::string inside = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})";
    REQUIRE_THROWS_WITH(rd(make_file(inside, f8)), Contains("overlaps"));
    const std::string hole = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
    REQUIRE_THROWS_WITH(rd(make_file(hole, f12)),
                        Contains("no tensor covers bytes 4-8 of the data buffer"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":[4,8])"), f8)),
                        Contains("no tensor covers bytes 0-4"));
    REQUIRE_THROWS_WITH(rd(make_file(one(R"("dtype":"F32","shape":[1],"data_offsets":[0,4])"), f8)),
                        Contains("the data buffer has 4 trailing bytes after the last tensor"));
    REQUIRE_THROWS_WITH(rd(make_file("{}", f4)), Contains("4 trailing bytes"));
  }
  SECTION("metadata") {
    REQUIRE_THROWS_WITH(rd(make_file(R"({"__metadata__":{"k":1}})")),
                        Contains("metadata value for key 'k' is a number, not a string"));
    REQUIRE_THROWS_WITH(rd(make_file(R"({"__metadata__":{"ok":"x","k":["v"]}})")),
                        Contains("metadata value for key 'k' is an array, not a string"));
    REQUIRE_THROWS_WITH(rd(make_file(R"({"__metadata__":"v"})")),
                        Contains("\"__metadata__\" is a string, not an object of strings"));
  }
  SECTION("names from the file are made safe for a one-line message") {
    REQUIRE_THROWS_WITH(rd(make_file(R"({"a\nb":5})")), Contains("tensor 'a\\x0Ab' is"));
    const std::string long_name(300, 'n');
    REQUIRE_THROWS_WITH(rd(make_file("{\"" + long_name + "\":5}")),
                        Contains("tensor '" + std::string(80, 'n') + "...' is"));
  }
}

TEST_CASE("safetensors writer rejects invalid input", "[safetensors]") {
  auto with = [](std::vector<cnn::NamedTensor> t) {
    cnn::SafetensorsFile f;
    f.tensors = std::move(t);
    return f;
  };
  REQUIRE_THROWS_WITH(cnn::write_safetensors(with({{"", {1}, {1.0f}}})),
                      Contains("a tensor has an empty name"));
  REQUIRE_THROWS_WITH(cnn::write_safetensors(with({{"a", {1}, {1.0f}}, {"a", {1}, {2.0f}}})),
                      Contains("tensor 'a' appears more than once"));
  REQUIRE_THROWS_WITH(cnn::write_safetensors(with({{"__metadata__", {1}, {1.0f}}})),
                      Contains("reserved for the metadata block"));
  REQUIRE_THROWS_WITH(cnn::write_safetensors(with({{"a", {2, 2}, {1.0f}}})),
                      Contains("tensor 'a' has shape [2x2] (4 elements) but 1 values"));
  REQUIRE_THROWS_WITH(cnn::write_safetensors(with({{"a", {-1, -1}, {1.0f}}})),
                      Contains("tensor 'a' has a negative dimension"));
  REQUIRE_THROWS_WITH(cnn::write_safetensors(with({{"bad\xFF", {1}, {1.0f}}})),
                      Contains("is not valid UTF-8"));
  cnn::SafetensorsFile m;
  m.metadata["k"] = "\xC3";
  REQUIRE_THROWS_WITH(cnn::write_safetensors(m),
                      Contains("metadata value for key 'k' is not valid UTF-8"));
  REQUIRE_THROWS_AS(cnn::write_safetensors(m), cnn::Error);
}

TEST_CASE("safetensors reader survives every truncation", "[safetensors]") {
  const Bytes full = cnn::write_safetensors(sample_file());
  REQUIRE_NOTHROW(rd(full));
  for (size_t len = 0; len < full.size(); ++len) {
    INFO("truncated to " << len << " of " << full.size() << " bytes");
    // An exactly-sized copy, so AddressSanitizer sees any read past the end.
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    REQUIRE_THROWS_AS(rd(cut), cnn::Error);
  }
}

TEST_CASE("safetensors reader survives random byte mutations", "[safetensors]") {
  const Bytes full = cnn::write_safetensors(sample_file());
  uint64_t header_end = 8;
  for (size_t i = 0; i < 8; ++i) header_end += static_cast<uint64_t>(full[i]) << (8 * i);
  // mt19937 is specified exactly by the standard, so this sequence is the same everywhere.
  std::mt19937 rng(20240611u);
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 500; ++iter) {
    Bytes b = full;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      // Mostly the length field and header: mutations in float data always parse.
      const size_t span = (rng() % 4 != 0) ? static_cast<size_t>(header_end) : b.size();
      const size_t pos = rng() % span;
      b[pos] = static_cast<uint8_t>(rng() % 3 == 0 ? rng() : (b[pos] ^ (1u << (rng() % 8))));
    }
    INFO("mutation " << iter);
    try {
      rd(b);
      ++parsed;
    } catch (const cnn::Error&) {
      ++rejected;
    }
  }
  CHECK(parsed + rejected == 500);
  CHECK(rejected > 100);  // the mutations do reach the validation paths
}

TEST_CASE("write_file_atomic writes, overwrites and cleans up on failure", "[safetensors]") {
  TempDir dir;
  const fs::path target = dir.path / "model.safetensors";

  cnn::write_file_atomic(target.string(), {1, 2, 3, 4, 5});
  CHECK(read_whole_file(target) == std::string("\x01\x02\x03\x04\x05"));
  cnn::write_file_atomic(target.string(), {9, 8});
  CHECK(read_whole_file(target) == std::string("\x09\x08"));
  cnn::write_file_atomic(target.string(), {});
  CHECK(fs::file_size(target) == 0);
  CHECK(list_dir(dir.path) == std::vector<std::string>{"model.safetensors"});

  SECTION("a missing directory") {
    const std::string missing = (dir.path / "no_such_dir" / "m.safetensors").string();
    REQUIRE_THROWS_WITH(cnn::write_file_atomic(missing, {1}),
                        Contains(missing + ": cannot create temporary file"));
    CHECK(list_dir(dir.path) == std::vector<std::string>{"model.safetensors"});
  }
  SECTION("the target is a directory, so the rename fails after the temp file is written") {
    const fs::path sub = dir.path / "sub";
    fs::create_directories(sub / "child");
    REQUIRE_THROWS_WITH(cnn::write_file_atomic(sub.string(), {1, 2, 3}),
                        Contains(sub.string() + ": cannot rename the temporary file into place"));
    CHECK(list_dir(dir.path) == std::vector<std::string>{"model.safetensors", "sub"});
    CHECK(read_whole_file(target).empty());
  }
  SECTION("a read-only directory") {
    // Root ignores directory permissions, so there the write would simply succeed.
    if (geteuid() != 0) {
      fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
      REQUIRE_THROWS_WITH(cnn::write_file_atomic(target.string(), {1}),
                          Contains(target.string() + ": cannot create temporary file"));
      fs::permissions(dir.path, fs::perms::owner_all);
      CHECK(list_dir(dir.path) == std::vector<std::string>{"model.safetensors"});
      CHECK(fs::file_size(target) == 0);
    }
  }
}
