// Tests for core/data/inflate: hand-made streams with known output, the checked-in .gz files,
// CRC-32, every kind of corrupt input (each checked by its message), random mutations, and (when
// zlib is available, natively) a differential comparison against zlib on many inputs, levels and
// strategies. It does not test the IDX parsing that consumes the output.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/data/idx.h"
#include "core/data/inflate.h"
#include "core/tensor/error.h"

#ifdef CNN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace {

using Bytes = std::vector<uint8_t>;
using Catch::Contains;
constexpr size_t kLimit = size_t(1) << 30;

Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(uint8_t(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes gunzip(const Bytes& b, size_t max_out = kLimit, const std::string& name = "t.gz") {
  return cnn::data::gunzip_bytes(b.data(), b.size(), name, max_out);
}

Bytes inflate(const Bytes& b, size_t* consumed = nullptr, size_t max_out = kLimit) {
  return cnn::data::inflate_raw(b.data(), b.size(), "r.deflate", max_out, consumed);
}

uint32_t crc(const Bytes& b) { return cnn::data::crc32(b.data(), b.size()); }

void put_le32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// One gzip member around a raw DEFLATE stream; `optional` holds the fields `flags` announces.
Bytes wrap_gzip(const Bytes& deflated, const Bytes& plain, uint8_t flags = 0,
                const Bytes& optional = {}) {
  Bytes out = {0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 0xff};
  out = cat(cat(out, optional), deflated);
  put_le32(out, crc(plain));
  put_le32(out, uint32_t(plain.size()));
  return out;
}

// Stored blocks (at most 65535 bytes each), written without any compressor.
Bytes stored_deflate(const Bytes& plain) {
  Bytes out;
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(plain.size() - pos, 65535);
    const bool last = pos + len == plain.size();
    out.insert(out.end(), {uint8_t(last ? 1 : 0), uint8_t(len), uint8_t(len >> 8), uint8_t(~len),
                           uint8_t(~len >> 8)});
    out.insert(out.end(), plain.begin() + long(pos), plain.begin() + long(pos + len));
    pos += len;
  } while (pos < plain.size());
  return out;
}

// Builds a DEFLATE stream: header fields go least significant bit first, Huffman codes most
// significant bit first (RFC 1951 3.1.1).
class BitWriter {
 public:
  void bits(uint32_t value, int count) {
    for (int i = 0; i < count; ++i) put((value >> i) & 1);
  }
  void code(uint32_t code, int len) {
    for (int i = len - 1; i >= 0; --i) put((code >> i) & 1);
  }
  // Fixed Huffman code of a literal/length symbol (RFC 1951 3.2.6); distances are 5-bit codes.
  void fixed_lit(int s) {
    if (s < 144) {
      code(0x30 + s, 8);
    } else if (s < 256) {
      code(0x190 + s - 144, 9);
    } else if (s < 280) {
      code(s - 256, 7);
    } else {
      code(0xc0 + s - 280, 8);
    }
  }
  Bytes bytes() const { return bytes_; }

 private:
  void put(uint32_t bit) {
    if (nbits_ % 8 == 0) bytes_.push_back(0);
    bytes_.back() = uint8_t(bytes_.back() | bit << (nbits_ % 8));
    ++nbits_;
  }
  Bytes bytes_;
  size_t nbits_ = 0;
};

// Canonical codes for the given lengths (RFC 1951 3.2.2); 0 for unused symbols.
std::vector<uint32_t> canonical(const std::vector<int>& lengths) {
  int count[16] = {};
  for (int l : lengths) {
    if (l != 0) ++count[l];
  }
  uint32_t next[16] = {};
  uint32_t code = 0;
  for (int bits = 1; bits < 16; ++bits) {
    code = (code + uint32_t(count[bits - 1])) << 1;
    next[bits] = code;
  }
  std::vector<uint32_t> codes(lengths.size(), 0);
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] != 0) codes[i] = next[lengths[i]]++;
  }
  return codes;
}

// A dynamic block header whose code-length code gives each length 0..15 a 4-bit code (and none
// to the repeat codes), followed by every literal/length and distance code length.
void dynamic_header(BitWriter& w, const std::vector<int>& lit, const std::vector<int>& dist) {
  static const int order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  w.bits(1, 1);  // final
  w.bits(2, 2);  // dynamic
  w.bits(uint32_t(lit.size() - 257), 5);
  w.bits(uint32_t(dist.size() - 1), 5);
  w.bits(19 - 4, 4);
  for (int sym : order) w.bits(sym >= 16 ? 0 : 4, 3);
  for (int l : lit) w.code(uint32_t(l), 4);
  for (int l : dist) w.code(uint32_t(l), 4);
}

Bytes read_source_file(const std::string& relative) {
  return cnn::data::read_file(CNN_SOURCE_DIR "/" + relative);
}

// "hello" as one stored block, written by hand.
const char* const kHelloStored = "010500faff68656c6c6f";
// The same wrapped in gzip: CRC-32 0x3610a686, ISIZE 5.
const char* const kHelloGzip = "1f8b08000000000000ff010500faff68656c6c6f86a6103605000000";

}  // namespace

TEST_CASE("inflate: crc32 matches the standard check values", "[inflate]") {
  const Bytes digits = text("123456789");
  CHECK(crc(digits) == 0xcbf43926u);
  CHECK(cnn::data::crc32(nullptr, 0) == 0);
  CHECK(crc(text("hello")) == 0x3610a686u);
  // Incremental use equals one pass, at every split (the 8-byte fast path included).
  const Bytes longer = text("The quick brown fox jumps over the lazy dog, twice: the quick brown");
  for (size_t k = 0; k <= longer.size(); ++k) {
    const uint32_t head = cnn::data::crc32(longer.data(), k);
    CHECK(cnn::data::crc32(longer.data() + k, longer.size() - k, head) == crc(longer));
  }
  CHECK(crc(text("The quick brown fox jumps over the lazy dog")) == 0x414fa339u);
}

TEST_CASE("inflate: hand-made streams decode to their known output", "[inflate]") {
  SECTION("stored blocks") {
    size_t used = 0;
    CHECK(inflate(from_hex(kHelloStored), &used) == text("hello"));
    CHECK(used == 10);
    CHECK(gunzip(from_hex(kHelloGzip)) == text("hello"));
    // A non-final stored block, an empty stored block, then the final one.
    CHECK(inflate(from_hex("000300fcff68656c"
                           "000000ffff"
                           "010200fdff6c6f")) == text("hello"));
    // Bits after the 3-bit block header up to the byte boundary are skipped.
    CHECK(inflate(from_hex("f90500faff68656c6c6f")) == text("hello"));
    const Bytes big(150000, 'z');  // three stored blocks
    CHECK(gunzip(wrap_gzip(stored_deflate(big), big)) == big);
  }
  SECTION("fixed Huffman blocks (bytes from zlib 1.2.13, Z_FIXED)") {
    size_t used = 0;
    CHECK(inflate(from_hex("4b4cc40400"), &used) == Bytes(20, 'a'));
    CHECK(used == 5);
    CHECK(inflate(from_hex("cb48cdc9c957c8402701")) == text("hello hello hello hello"));
    // gzip -9 of three copies of the pangram (zlib chose a fixed block).
    const Bytes gz = from_hex(
        "1f8b08000000000002030bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae7"
        "2456552aa4e4a7eb2984d04c310058001e0087000000");
    std::string three;
    for (int i = 0; i < 3; ++i) three += "The quick brown fox jumps over the lazy dog. ";
    CHECK(gunzip(gz) == text(three));
    // Written with the bit writer: literals, a match of length 3 at distance 1, end of block.
    BitWriter w;
    w.bits(1, 1);
    w.bits(1, 2);
    w.fixed_lit('x');
    w.fixed_lit('y');
    w.fixed_lit(257);
    w.code(0, 5);  // distance 1
    w.fixed_lit(256);
    CHECK(inflate(w.bytes()) == text("xyyyy"));
  }
  SECTION("dynamic Huffman blocks") {
    // a:1 bit, b:2 bits, end of block and length 3: 3 bits; a single 1-bit distance code.
    std::vector<int> lit(258, 0);
    lit['a'] = 1;
    lit['b'] = 2;
    lit[256] = 3;
    lit[257] = 3;
    const std::vector<uint32_t> code = canonical(lit);
    BitWriter w;
    dynamic_header(w, lit, {1});
    w.code(code['a'], 1);
    w.code(code['b'], 2);
    w.code(code[257], 3);
    w.code(0, 1);  // distance 1
    w.code(code[256], 3);
    CHECK(inflate(w.bytes()) == text("abbbb"));

    // Only an end-of-block code (1 bit) and no distance codes: an empty block.
    std::vector<int> only_end(257, 0);
    only_end[256] = 1;
    BitWriter e;
    dynamic_header(e, only_end, {0});
    e.code(0, 1);
    CHECK(inflate(e.bytes()).empty());
  }
  SECTION("gzip header fields are skipped") {
    const Bytes deflated = from_hex(kHelloStored);
    const Bytes optional = cat(cat(Bytes{3, 0, 'x', 'y', 'z'}, text("name.idx")),
                               cat(Bytes{0}, cat(text("a comment"), Bytes{0, 0xaa, 0xbb})));
    CHECK(gunzip(wrap_gzip(deflated, text("hello"), 0x04 | 0x08 | 0x10 | 0x02, optional)) ==
          text("hello"));
    CHECK(gunzip(wrap_gzip(deflated, text("hello"), 0x01)) == text("hello"));  // FTEXT
  }
  SECTION("concatenated members, including an empty one") {
    const Bytes two = cat(cat(from_hex(kHelloGzip), wrap_gzip(from_hex("0300"), {})),
                          wrap_gzip(stored_deflate(text(" world")), text(" world")));
    CHECK(gunzip(two) == text("hello world"));
    CHECK(gunzip(wrap_gzip(from_hex("0300"), {}), 0).empty());
  }
}

TEST_CASE("inflate: the checked-in MNIST .gz files decode", "[inflate]") {
  const Bytes gz = read_source_file("tests/data/mnist-small/train-labels-idx1-ubyte.gz");
  const Bytes labels = gunzip(gz, kLimit, "train-labels-idx1-ubyte.gz");
  REQUIRE(labels.size() == 1008);
  CHECK(Bytes(labels.begin(), labels.begin() + 8) == Bytes{0, 0, 8, 1, 0, 0, 0x03, 0xe8});
  // The decoder checked the trailer; check it here too.
  CHECK(crc(labels) == (uint32_t(gz[gz.size() - 8]) | uint32_t(gz[gz.size() - 7]) << 8 |
                        uint32_t(gz[gz.size() - 6]) << 16 | uint32_t(gz[gz.size() - 5]) << 24));
  CHECK(crc(labels) == 0xaa9e8bb9u);

  const Bytes images =
      gunzip(read_source_file("tests/data/mnist-small/train-images-idx3-ubyte.gz"));
  REQUIRE(images.size() == 16 + 1000 * 784);
  CHECK(crc(images) == 0xef6f3e53u);
  CHECK(Bytes(images.begin(), images.begin() + 4) == Bytes{0, 0, 8, 3});
  CHECK(gunzip(read_source_file("tests/data/mnist-small/t10k-images-idx3-ubyte.gz")).size() ==
        16 + 500 * 784);
  CHECK(crc(gunzip(read_source_file("tests/data/mnist-small/t10k-labels-idx1-ubyte.gz"))) ==
        0x2783170fu);
}

TEST_CASE("inflate: corrupt input is rejected with a clear message", "[inflate]") {
  const Bytes hello = from_hex(kHelloGzip);
  const Bytes labels_gz = read_source_file("tests/data/mnist-small/train-labels-idx1-ubyte.gz");

  SECTION("truncated at every length") {
    for (const Bytes* file : {&hello, &labels_gz}) {
      for (size_t k = 0; k < file->size(); ++k) {
        const Bytes cut(file->begin(), file->begin() + long(k));
        INFO("cut to " << k << " of " << file->size() << " bytes");
        if (k < 2) {
          REQUIRE_THROWS_WITH(gunzip(cut), Contains("t.gz: not gzip data"));
        } else {
          REQUIRE_THROWS_WITH(gunzip(cut), Contains("t.gz: gzip data is truncated"));
        }
      }
    }
    // The raw stream of the labels file (after its 10-byte header, before its 8-byte trailer).
    const Bytes raw(labels_gz.begin() + 10, labels_gz.end() - 8);
    size_t used = 0;
    CHECK(inflate(raw, &used).size() == 1008);
    CHECK(used == raw.size());
    for (size_t k = 0; k < raw.size(); ++k) {
      INFO("cut to " << k);
      REQUIRE_THROWS_WITH(inflate(Bytes(raw.begin(), raw.begin() + long(k))),
                          Contains("r.deflate: deflate data is truncated"));
    }
    REQUIRE_THROWS_WITH(cnn::data::inflate_raw(nullptr, 0, "n", 10, nullptr),
                        Contains("truncated"));
    REQUIRE_THROWS_WITH(gunzip(Bytes{0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 'a', 'b'}),
                        Contains("truncated (the header ends early)"));
    REQUIRE_THROWS_WITH(gunzip(Bytes{0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 9, 0, 1}),
                        Contains("truncated (the header ends early)"));
    REQUIRE_THROWS_WITH(gunzip(Bytes(hello.begin(), hello.end() - 3)),
                        Contains("trailer is missing"));
  }
  SECTION("bad magic, method and flags") {
    Bytes b = hello;
    b[1] = 0x8c;
    REQUIRE_THROWS_WITH(gunzip(b), Contains("t.gz: not gzip data (it does not start with 1f 8b)"));
    REQUIRE_THROWS_WITH(cnn::data::gunzip_bytes(nullptr, 0, "e.gz", 10), Contains("not gzip"));
    b = hello;
    b[2] = 7;
    REQUIRE_THROWS_WITH(gunzip(b), Contains("t.gz: corrupt gzip data (unsupported compression "
                                            "method 7"));
    b = hello;
    b[3] = 0x20;
    REQUIRE_THROWS_WITH(gunzip(b), Contains("reserved header flag bits are set: flags 0x20"));
  }
  SECTION("bad CRC-32 and ISIZE") {
    Bytes b = hello;
    b[b.size() - 8] ^= 1;
    REQUIRE_THROWS_WITH(
        gunzip(b), Contains("t.gz: corrupt gzip data (CRC-32 mismatch") && Contains("0x3610a686"));
    b = hello;
    b[b.size() - 4] = 6;
    REQUIRE_THROWS_WITH(gunzip(b), Contains("length mismatch: the trailer says 6 bytes but the "
                                            "data is 5"));
    // A huge ISIZE is only a size hint: it must not be trusted for an allocation.
    b = hello;
    b[b.size() - 1] = 0x7f;
    REQUIRE_THROWS_WITH(gunzip(b), Contains("length mismatch"));
  }
  SECTION("bad blocks") {
    REQUIRE_THROWS_WITH(inflate(Bytes{0x07}), Contains("r.deflate: corrupt deflate data (invalid "
                                                       "block type 3)"));
    REQUIRE_THROWS_WITH(gunzip(wrap_gzip(Bytes{0x06, 0}, {})),
                        Contains("corrupt gzip data (invalid block type 3)"));
    REQUIRE_THROWS_WITH(inflate(from_hex("010500fbff68656c6c6f")),
                        Contains("stored block length 5 does not match its complement"));
    BitWriter sym286;
    sym286.bits(1, 1);
    sym286.bits(1, 2);
    sym286.fixed_lit(286);
    REQUIRE_THROWS_WITH(inflate(sym286.bytes()), Contains("invalid literal/length symbol 286"));
    BitWriter dist30;
    dist30.bits(1, 1);
    dist30.bits(1, 2);
    dist30.fixed_lit('a');
    dist30.fixed_lit(257);
    dist30.code(30, 5);
    REQUIRE_THROWS_WITH(inflate(dist30.bytes()), Contains("invalid distance symbol 30"));
  }
  SECTION("distance too far back") {
    BitWriter w;
    w.bits(1, 1);
    w.bits(1, 2);
    w.fixed_lit('a');
    w.fixed_lit(257);
    w.code(1, 5);  // distance 2
    w.fixed_lit(256);
    REQUIRE_THROWS_WITH(inflate(w.bytes()),
                        Contains("distance 2 is too far back; only 1 byte has been written"));
    // Distances do not reach into the previous gzip member.
    BitWriter m;
    m.bits(1, 1);
    m.bits(1, 2);
    m.fixed_lit(257);
    m.code(0, 5);  // distance 1, before anything was written in this member
    m.fixed_lit(256);
    REQUIRE_THROWS_WITH(gunzip(cat(hello, wrap_gzip(m.bytes(), text("ooo")))),
                        Contains("distance 1 is too far back; only 0 bytes have been written"));
  }
  SECTION("invalid Huffman codes") {
    // Code-length code: four 1-bit codes.
    BitWriter cl;
    cl.bits(1, 1);
    cl.bits(2, 2);
    cl.bits(0, 5);
    cl.bits(0, 5);
    cl.bits(0, 4);
    for (int i = 0; i < 4; ++i) cl.bits(1, 3);
    REQUIRE_THROWS_WITH(inflate(cl.bytes()),
                        Contains("over-subscribed or incomplete code-length code"));

    std::vector<int> lit(257, 0);
    lit[256] = 1;
    lit['a'] = 1;
    lit['b'] = 1;
    BitWriter over;
    dynamic_header(over, lit, {1});
    REQUIRE_THROWS_WITH(inflate(over.bytes()),
                        Contains("corrupt deflate data (over-subscribed literal/length code)"));
    lit['b'] = 0;
    lit[256] = 2;  // a: 1 bit, end of block: 2 bits, nothing for the other 2-bit pattern
    BitWriter incomplete;
    dynamic_header(incomplete, lit, {1});
    REQUIRE_THROWS_WITH(inflate(incomplete.bytes()), Contains("incomplete literal/length code"));
    lit[256] = 1;  // a and end of block: complete
    BitWriter dist_over;
    dynamic_header(dist_over, lit, {1, 1, 1});
    REQUIRE_THROWS_WITH(inflate(dist_over.bytes()), Contains("over-subscribed distance code"));
    BitWriter dist_incomplete;
    dynamic_header(dist_incomplete, lit, {2});
    REQUIRE_THROWS_WITH(inflate(dist_incomplete.bytes()), Contains("incomplete distance code"));

    // The unused half of a single 1-bit code is an invalid code.
    std::vector<int> only_end(257, 0);
    only_end[256] = 1;
    BitWriter unused;
    dynamic_header(unused, only_end, {0});
    unused.code(1, 1);
    REQUIRE_THROWS_WITH(inflate(unused.bytes()), Contains("invalid literal/length code"));
    lit.resize(258, 0);
    lit['a'] = 0;
    lit[256] = 2;
    lit[257] = 2;
    lit['c'] = 1;
    BitWriter unused_dist;
    dynamic_header(unused_dist, lit, {1});
    const std::vector<uint32_t> code = canonical(lit);
    unused_dist.code(code['c'], 1);
    unused_dist.code(code[257], 2);
    unused_dist.code(1, 1);
    REQUIRE_THROWS_WITH(inflate(unused_dist.bytes()), Contains("invalid distance code"));

    std::vector<int> no_end(257, 0);
    no_end['a'] = 1;
    no_end['b'] = 1;
    BitWriter missing;
    dynamic_header(missing, no_end, {1});
    REQUIRE_THROWS_WITH(inflate(missing.bytes()), Contains("no end-of-block code"));
  }
  SECTION("bad code-length sequences") {
    // HLIT 31 (288 codes) is more than the 286 allowed.
    BitWriter many;
    many.bits(1, 1);
    many.bits(2, 2);
    many.bits(31, 5);
    many.bits(0, 5);
    many.bits(0, 4);
    REQUIRE_THROWS_WITH(inflate(many.bytes()), Contains("288 literal/length and 1 distance codes"));
    // A code-length code with 16 (repeat previous) and 1, used first.
    BitWriter repeat;
    repeat.bits(1, 1);
    repeat.bits(2, 2);
    repeat.bits(0, 5);
    repeat.bits(0, 5);
    repeat.bits(15, 4);  // all 19
    for (int sym : {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}) {
      repeat.bits(sym == 16 || sym == 1 ? 1 : 0, 3);
    }
    repeat.code(1, 1);  // canonical: symbol 1 -> 0, symbol 16 -> 1
    repeat.bits(0, 2);
    REQUIRE_THROWS_WITH(inflate(repeat.bytes()), Contains("repeat with no previous length"));
    // 18 (zeros) running past the end: 138 zeros, twice, then more than the 258 codes left.
    BitWriter past;
    past.bits(1, 1);
    past.bits(2, 2);
    past.bits(0, 5);
    past.bits(0, 5);
    past.bits(0, 4);  // lengths for 16, 17, 18, 0
    past.bits(0, 3);
    past.bits(0, 3);
    past.bits(1, 3);
    past.bits(1, 3);  // 0 -> code 0, 18 -> code 1
    past.code(1, 1);
    past.bits(127, 7);
    past.code(1, 1);
    past.bits(127, 7);
    REQUIRE_THROWS_WITH(inflate(past.bytes()), Contains("code-length repeats run past"));
  }
  SECTION("output over the limit") {
    CHECK(gunzip(hello, 5) == text("hello"));
    REQUIRE_THROWS_WITH(gunzip(hello, 4, "h.gz"),
                        Contains("h.gz: decompressed data is larger than the limit of 4 bytes"));
    REQUIRE_THROWS_WITH(inflate(from_hex("4b4cc40400"), nullptr, 19),
                        Contains("larger than the limit of 19 bytes"));
    CHECK(inflate(from_hex("4b4cc40400"), nullptr, 20).size() == 20);
    REQUIRE_THROWS_WITH(gunzip(cat(hello, hello), 9), Contains("limit of 9 bytes"));
  }
  SECTION("trailing garbage") {
    REQUIRE_THROWS_WITH(gunzip(cat(hello, Bytes{'x', 'y'})),
                        Contains("t.gz: corrupt gzip data: 2 unexpected bytes after the end of "
                                 "the compressed stream"));
    REQUIRE_THROWS_WITH(gunzip(cat(hello, Bytes{0})), Contains("1 unexpected bytes"));
    REQUIRE_THROWS_WITH(gunzip(cat(hello, Bytes{0x1f})), Contains("1 unexpected bytes"));
    REQUIRE_THROWS_WITH(gunzip(cat(hello, Bytes{0x1f, 0x8b})), Contains("truncated"));
    // inflate_raw stops at the final block and reports how much it used.
    size_t used = 0;
    CHECK(inflate(cat(from_hex("4b4cc40400"), text("rest")), &used) == Bytes(20, 'a'));
    CHECK(used == 5);
  }
}

TEST_CASE("inflate: random mutations of a valid file decode or throw cnn::Error", "[inflate]") {
  const Bytes good = read_source_file("tests/data/mnist-small/train-labels-idx1-ubyte.gz");
  const Bytes raw(good.begin() + 10, good.end() - 8);
  std::mt19937 rng(20240611);
  int decoded = 0, rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes b = (i % 2 == 0) ? good : raw;
    switch (rng() % 4) {
      case 0:  // a few random bytes replaced
        for (uint32_t k = 0, m = 1 + rng() % 4; k < m; ++k) b[rng() % b.size()] = uint8_t(rng());
        break;
      case 1:  // one bit flipped
        b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
        break;
      case 2:  // a random byte inserted or removed
        if (rng() % 2) {
          b.insert(b.begin() + long(rng() % b.size()), uint8_t(rng()));
        } else {
          b.erase(b.begin() + long(rng() % b.size()));
        }
        break;
      default:  // a run of the stream overwritten with noise
        for (size_t k = rng() % b.size(), e = std::min(b.size(), k + 1 + rng() % 16); k < e; ++k) {
          b[k] = uint8_t(rng());
        }
        break;
    }
    try {
      if (i % 2 == 0) {
        gunzip(b, 1 << 20);
      } else {
        size_t used = 0;
        inflate(b, &used, 1 << 20);
        REQUIRE(used <= b.size());
      }
      ++decoded;
    } catch (const cnn::Error&) {
      ++rejected;
    }
  }
  CHECK(decoded + rejected == 2000);
  CHECK(rejected > 1000);
}

#ifdef CNN_HAVE_ZLIB

namespace {

// zlib's deflate with the given parameters (window_bits 31: gzip, -15: raw). With flush_every > 0
// the input is fed in pieces, each ended by Z_SYNC_FLUSH (empty stored blocks, many blocks).
Bytes zlib_deflate(const Bytes& in, int level, int strategy, int window_bits, int mem_level = 8,
                   size_t flush_every = 0) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, level, Z_DEFLATED, window_bits, mem_level, strategy) == Z_OK);
  Bytes out;
  size_t fed = 0;
  for (;;) {
    const size_t piece = flush_every > 0 ? std::min(flush_every, in.size() - fed) : in.size() - fed;
    zs.next_in = const_cast<Bytef*>(in.data() + fed);
    zs.avail_in = static_cast<uInt>(piece);
    fed += piece;
    const int flush = fed == in.size() ? Z_FINISH : Z_SYNC_FLUSH;
    int ret;
    do {
      unsigned char buf[16384];
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      ret = deflate(&zs, flush);
      REQUIRE(ret != Z_STREAM_ERROR);
      out.insert(out.end(), buf, buf + (sizeof buf - zs.avail_out));
    } while (zs.avail_out == 0);
    if (flush == Z_FINISH) {
      REQUIRE(ret == Z_STREAM_END);
      break;
    }
  }
  deflateEnd(&zs);
  return out;
}

// zlib's raw inflate as the oracle: true with the output and bytes used when the stream is valid.
bool zlib_inflate_raw(const Bytes& in, Bytes* out, size_t* used) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, -15) == Z_OK);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  int ret;
  do {
    unsigned char buf[16384];
    zs.next_out = buf;
    zs.avail_out = sizeof buf;
    ret = inflate(&zs, Z_FINISH);
    out->insert(out->end(), buf, buf + (sizeof buf - zs.avail_out));
  } while (ret == Z_OK || (ret == Z_BUF_ERROR && zs.avail_out == 0));
  *used = zs.total_in;
  inflateEnd(&zs);
  return ret == Z_STREAM_END;
}

std::vector<std::pair<std::string, Bytes>> test_inputs() {
  std::mt19937 rng(7);
  std::vector<std::pair<std::string, Bytes>> inputs;
  inputs.push_back({"empty", {}});
  inputs.push_back({"one byte", {0x42}});
  inputs.push_back({"run of zeros", Bytes(100000, 0)});
  Bytes runs;
  while (runs.size() < 50000) runs.insert(runs.end(), 1 + rng() % 300, uint8_t(rng() % 4));
  inputs.push_back({"short runs", runs});
  static const char* const words[] = {"the ",  "quick ", "brown ",    "fox ",   "jumps ", "over ",
                                      "lazy ", "dog ",   "network ",  "conv ",  "relu ",  "\n",
                                      "pool ", "dense ", "softmax. ", "MNIST ", "0123 ",  "loss "};
  std::string prose;
  while (prose.size() < 80000) prose += words[rng() % (sizeof words / sizeof words[0])];
  inputs.push_back({"text", text(prose)});
  Bytes noise(50000);
  for (uint8_t& v : noise) v = uint8_t(rng());
  inputs.push_back({"random", noise});
  // 70 KB whose pieces repeat from close to the 32 KB window edge.
  Bytes far(70000);
  for (uint8_t& v : far) v = uint8_t(rng());
  for (size_t pos = 32768; pos + 2000 < far.size(); pos += 5000) {
    const size_t back = 32768 - rng() % 8;
    std::copy(far.begin() + long(pos - back), far.begin() + long(pos - back + 2000),
              far.begin() + long(pos));
  }
  inputs.push_back({"long-distance matches", far});
  for (size_t size : {32767, 32768, 32769, 65535, 65536, 65537}) {
    Bytes b(prose.begin(), prose.begin() + long(size));
    for (size_t k = 0; k < size; k += 97) b[k] = uint8_t(rng());
    inputs.push_back({"text of " + std::to_string(size) + " bytes", b});
  }
  inputs.push_back({"mnist labels",
                    gunzip(read_source_file("tests/data/mnist-small/train-labels-idx1-ubyte.gz"))});
  return inputs;
}

}  // namespace

TEST_CASE("inflate: output equals zlib's input for every level and strategy", "[inflate]") {
  struct Setting {
    int level, strategy, mem_level;
    size_t flush_every;
  };
  const Setting settings[] = {{0, Z_DEFAULT_STRATEGY, 8, 0},
                              {1, Z_DEFAULT_STRATEGY, 8, 0},
                              {6, Z_DEFAULT_STRATEGY, 8, 0},
                              {9, Z_DEFAULT_STRATEGY, 9, 0},
                              {6, Z_FIXED, 8, 0},
                              {6, Z_HUFFMAN_ONLY, 8, 0},
                              {6, Z_RLE, 8, 0},
                              {6, Z_FILTERED, 8, 0},
                              {9, Z_DEFAULT_STRATEGY, 1, 0},
                              {6, Z_DEFAULT_STRATEGY, 8, 1000},
                              {0, Z_DEFAULT_STRATEGY, 8, 7000}};
  for (const auto& [what, in] : test_inputs()) {
    for (const Setting& s : settings) {
      INFO(what << ", level " << s.level << ", strategy " << s.strategy << ", memLevel "
                << s.mem_level << ", flush every " << s.flush_every);
      const Bytes gz = zlib_deflate(in, s.level, s.strategy, 31, s.mem_level, s.flush_every);
      REQUIRE(gunzip(gz) == in);
      REQUIRE(gunzip(gz, in.size()) == in);
      const Bytes raw = zlib_deflate(in, s.level, s.strategy, -15, s.mem_level, s.flush_every);
      size_t used = 0;
      REQUIRE(inflate(cat(raw, text("after")), &used) == in);
      REQUIRE(used == raw.size());
    }
    CHECK(crc(in) == ::crc32(0, in.data(), static_cast<uInt>(in.size())));
    // Smaller windows.
    for (int bits : {9, 12}) {
      REQUIRE(inflate(zlib_deflate(in, 9, Z_DEFAULT_STRATEGY, -bits)) == in);
    }
  }
}

TEST_CASE("inflate: concatenated zlib members join", "[inflate]") {
  const auto inputs = test_inputs();
  Bytes all, joined;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Bytes& in = inputs[i].second;
    all = cat(all, zlib_deflate(in, int(i % 10), Z_DEFAULT_STRATEGY, 31));
    joined = cat(joined, in);
  }
  CHECK(gunzip(all) == joined);
  REQUIRE_THROWS_WITH(gunzip(all, joined.size() - 1), Contains("larger than the limit"));
}

TEST_CASE("inflate: mutated streams are accepted exactly when zlib accepts them", "[inflate]") {
  std::mt19937 rng(99);
  std::string prose;
  static const char* const words[] = {"alpha ", "beta ", "gamma ", "delta ", "kernel ", "stride "};
  while (prose.size() < 3000) prose += words[rng() % 6];
  Bytes noisy(600);
  for (uint8_t& v : noisy) v = uint8_t(rng() % 16);
  const Bytes bases[] = {zlib_deflate(text(prose), 9, Z_DEFAULT_STRATEGY, -15),
                         zlib_deflate(noisy, 6, Z_DEFAULT_STRATEGY, -15),
                         zlib_deflate(text(prose.substr(0, 300)), 6, Z_FIXED, -15),
                         zlib_deflate(noisy, 0, Z_DEFAULT_STRATEGY, -15)};
  int agree_ok = 0;
  for (int i = 0; i < 4000; ++i) {
    Bytes b = bases[i % 4];
    const uint32_t flips = 1 + rng() % 3;
    for (uint32_t k = 0; k < flips; ++k) {
      // Mostly early bytes, where the block headers and code lengths are.
      const size_t at = (rng() % 2) ? rng() % std::min<size_t>(b.size(), 40) : rng() % b.size();
      b[at] ^= uint8_t(1u << (rng() % 8));
    }
    Bytes expected;
    size_t zlib_used = 0;
    const bool zlib_ok = zlib_inflate_raw(b, &expected, &zlib_used);
    INFO("mutation " << i << ", zlib " << (zlib_ok ? "accepts" : "rejects"));
    try {
      size_t used = 0;
      const Bytes got = inflate(b, &used, 1 << 24);
      REQUIRE(zlib_ok);
      REQUIRE(got == expected);
      REQUIRE(used == zlib_used);
      ++agree_ok;
    } catch (const cnn::Error& e) {
      INFO(e.what());
      REQUIRE_FALSE(zlib_ok);
    }
  }
  CHECK(agree_ok > 0);
}

#endif  // CNN_HAVE_ZLIB
