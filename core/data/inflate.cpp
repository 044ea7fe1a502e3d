// gzip + DEFLATE decoding and CRC-32. Huffman codes are decoded with a 10-bit lookup table indexed
// by the next input bits; longer (rare) codes and unused bit patterns of incomplete codes fall back
// to a canonical bit-by-bit decoder in the style of zlib's puff. The hot loop keeps the bit buffer
// and output cursor in locals and checks every length before it is used.
#include "core/data/inflate.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/tensor/error.h"

namespace cnn::data {
namespace {

constexpr int kMaxCodeBits = 15;
constexpr int kTableBits = 10;
constexpr unsigned kTableMask = (1u << kTableBits) - 1;
constexpr int kMaxSymbols = 288;      // literal/length alphabet incl. the two unused fixed codes
constexpr int kMaxLitLenCodes = 286;  // HLIT may not say more
constexpr int kMaxDistCodes = 30;     // HDIST may not say more
constexpr size_t kMaxRatio = 1032;    // DEFLATE cannot expand 1 input byte to more than ~1032

const uint16_t kLenBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                               31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
const uint8_t kLenExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                               2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
const uint16_t kDistBase[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
const uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// The order in which a dynamic block lists the code-length code lengths.
const uint8_t kCodeLengthOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};

// Decoder results below zero.
constexpr int kInvalidCode = -1;
constexpr int kNeedBits = -2;

enum class Build { kComplete, kIncomplete, kOverSubscribed, kEmpty };

// A canonical Huffman code. table[bits & kTableMask] is (symbol << 4 | length) for codes of at most
// kTableBits bits and 0 otherwise (a longer code, or a pattern no code uses).
struct Huffman {
  uint16_t count[kMaxCodeBits + 1];  // codes of each length (count[0] unused)
  uint16_t symbol[kMaxSymbols];      // symbols in canonical code order
  uint16_t table[1u << kTableBits];
  int used = 0;     // symbols with a nonzero length
  int max_len = 0;  // longest code length
};

unsigned reverse_bits(unsigned code, int len) {
  unsigned r = 0;
  for (int i = 0; i < len; ++i) {
    r = (r << 1) | (code & 1);
    code >>= 1;
  }
  return r;
}

Build build(Huffman& h, const uint8_t* lengths, int n) {
  std::fill(std::begin(h.count), std::end(h.count), uint16_t(0));
  std::fill(std::begin(h.table), std::end(h.table), uint16_t(0));
  for (int s = 0; s < n; ++s) ++h.count[lengths[s]];
  h.used = n - h.count[0];
  h.count[0] = 0;
  h.max_len = 0;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    if (h.count[len] != 0) h.max_len = len;
  }
  if (h.used == 0) return Build::kEmpty;
  int left = 1;  // code space still unused, in units of the current length
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    left = 2 * left - h.count[len];
    if (left < 0) return Build::kOverSubscribed;
  }
  uint16_t offset[kMaxCodeBits + 2];
  offset[1] = 0;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    offset[len + 1] = uint16_t(offset[len] + h.count[len]);
  }
  for (int s = 0; s < n; ++s) {
    if (lengths[s] != 0) h.symbol[offset[lengths[s]]++] = uint16_t(s);
  }
  // Codes are sent most significant bit first into a least-significant-first bit stream, so the
  // table is indexed by the bit-reversed code, repeated for every value of the bits after it.
  unsigned code = 0;
  int index = 0;
  for (int len = 1; len <= kTableBits; ++len) {
    for (int k = 0; k < h.count[len]; ++k, ++code) {
      const uint16_t entry = uint16_t(h.symbol[index++] << 4 | len);
      for (unsigned r = reverse_bits(code, len); r <= kTableMask; r += 1u << len) {
        h.table[r] = entry;
      }
    }
    code <<= 1;
  }
  return left > 0 ? Build::kIncomplete : Build::kComplete;
}

// The slow path: canonical decoding one bit at a time from the low end of `bits`, of which
// `avail` are real. Sets *used to the code length. A pattern that no code starts with is invalid
// as soon as it is longer than the longest code (so the unused bit of a single 1-bit code is
// reported as invalid, not as a request for more input).
int decode_slow(const Huffman& h, uint64_t bits, unsigned avail, unsigned* used) {
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= h.max_len; ++len) {
    if (unsigned(len) > avail) return kNeedBits;
    code |= int(bits >> (len - 1)) & 1;
    const int count = h.count[len];
    if (code - first < count) {
      *used = unsigned(len);
      return h.symbol[index + (code - first)];
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return kInvalidCode;
}

// Decodes one symbol from the bit buffer (bb, bc real bits), consuming its bits. Returns the
// symbol, kInvalidCode or kNeedBits. Bits of bb above bc are zero.
inline int decode(const Huffman& h, uint64_t& bb, unsigned& bc) {
  const unsigned entry = h.table[bb & kTableMask];
  unsigned used = entry & 15;
  int sym = int(entry >> 4);
  if (used == 0) {
    sym = decode_slow(h, bb, bc, &used);
    if (sym < 0) return sym;
  } else if (used > bc) {
    // The zero bits above bc chose this entry; the real code is at least as long as it.
    return kNeedBits;
  }
  bb >>= used;
  bc -= used;
  return sym;
}

struct FixedCodes {
  Huffman lit, dist;
  FixedCodes() {
    uint8_t lengths[kMaxSymbols];
    std::fill(lengths, lengths + 144, uint8_t(8));
    std::fill(lengths + 144, lengths + 256, uint8_t(9));
    std::fill(lengths + 256, lengths + 280, uint8_t(7));
    std::fill(lengths + 280, lengths + 288, uint8_t(8));
    build(lit, lengths, 288);
    std::fill(lengths, lengths + 32, uint8_t(5));
    build(dist, lengths, 32);
  }
};

const FixedCodes& fixed_codes() {
  static const FixedCodes codes;
  return codes;
}

struct CrcTables {
  uint32_t t[8][256];
  CrcTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (int k = 1; k < 8; ++k) {
      for (int i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
  }
};

uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t le32(const uint8_t* p) { return le16(p) | le16(p + 2) << 16; }

std::string hex8(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(v));
  return buf;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

// Decompressed bytes: buf[0, len) is written, buf.size() is the room already allocated.
struct Output {
  std::vector<uint8_t> buf;
  size_t len = 0;
  size_t max_out = 0;
};

// One DEFLATE stream starting at in[pos]. `kind` ("gzip" or "deflate") words the messages.
class Inflater {
 public:
  Inflater(const uint8_t* in, size_t n, size_t pos, Output& out, const std::string& name,
           const char* kind)
      : in_(in), n_(n), pos_(pos), out_(out), start_(out.len), name_(name), kind_(kind) {}

  // Decodes blocks up to and including the final one.
  void run() {
    bool last = false;
    while (!last) {
      last = bits(1) != 0;
      const uint32_t type = bits(2);
      if (type == 0) {
        stored();
      } else if (type == 1) {
        codes(fixed_codes().lit, fixed_codes().dist);
      } else if (type == 2) {
        dynamic();
      } else {
        corrupt("invalid block type 3");
      }
    }
  }

  // Offset of the first input byte after the stream (the partly used last byte counts as used).
  size_t end() const { return pos_ - bitcnt_ / 8; }

 private:
  [[noreturn]] void corrupt(const std::string& what) const {
    throw Error(name_ + ": corrupt " + kind_ + " data (" + what + ")");
  }
  [[noreturn]] void truncated() const {
    throw Error(name_ + ": " + kind_ + " data is truncated (the compressed stream ends early)");
  }
  [[noreturn]] void too_big() const {
    throw Error(name_ + ": decompressed data is larger than the limit of " +
                std::to_string(out_.max_out) + " bytes");
  }

  // Makes room for `need` more bytes after the first `len`, within max_out.
  void grow(size_t len, size_t need) {
    if (need > out_.max_out - len) too_big();
    std::vector<uint8_t>& buf = out_.buf;
    if (buf.size() - len >= need) return;
    const size_t doubled = buf.size() > out_.max_out / 2 ? out_.max_out : buf.size() * 2;
    const size_t wanted = std::max({len + need, doubled, std::min<size_t>(out_.max_out, 1 << 16)});
    buf.resize(std::min(wanted, out_.max_out));
  }

  void refill() {
    while (bitcnt_ <= 56 && pos_ < n_) {
      bitbuf_ |= uint64_t(in_[pos_++]) << bitcnt_;
      bitcnt_ += 8;
    }
  }

  uint32_t bits(unsigned k) {
    if (bitcnt_ < k) {
      refill();
      if (bitcnt_ < k) truncated();
    }
    const uint32_t v = uint32_t(bitbuf_ & ((uint64_t(1) << k) - 1));
    bitbuf_ >>= k;
    bitcnt_ -= k;
    return v;
  }

  int symbol(const Huffman& h) {
    refill();
    const int sym = decode(h, bitbuf_, bitcnt_);
    if (sym == kNeedBits) truncated();
    return sym;
  }

  void stored() {
    // Drop the rest of the current byte, then give the whole bytes in the bit buffer back.
    bitbuf_ >>= bitcnt_ & 7;
    bitcnt_ -= bitcnt_ & 7;
    pos_ -= bitcnt_ / 8;
    bitbuf_ = 0;
    bitcnt_ = 0;
    if (n_ - pos_ < 4) truncated();
    const uint32_t len = le16(in_ + pos_);
    const uint32_t nlen = le16(in_ + pos_ + 2);
    if (len != (~nlen & 0xffff)) {
      corrupt("stored block length " + std::to_string(len) + " does not match its complement");
    }
    pos_ += 4;
    if (n_ - pos_ < len) truncated();
    if (len == 0) return;
    grow(out_.len, len);
    std::memcpy(out_.buf.data() + out_.len, in_ + pos_, len);
    out_.len += len;
    pos_ += len;
  }

  void dynamic() {
    const int nlen = int(bits(5)) + 257;
    const int ndist = int(bits(5)) + 1;
    const int ncode = int(bits(4)) + 4;
    if (nlen > kMaxLitLenCodes || ndist > kMaxDistCodes) {
      corrupt("a dynamic block declares " + std::to_string(nlen) + " literal/length and " +
              std::to_string(ndist) + " distance codes (at most 286 and 30)");
    }
    uint8_t lengths[kMaxLitLenCodes + kMaxDistCodes] = {};
    for (int i = 0; i < ncode; ++i) lengths[kCodeLengthOrder[i]] = uint8_t(bits(3));
    if (build(lencode_, lengths, 19) != Build::kComplete) {
      corrupt("over-subscribed or incomplete code-length code");
    }
    const int total = nlen + ndist;
    for (int index = 0; index < total;) {
      int sym = symbol(lencode_);
      if (sym < 0) corrupt("invalid code-length code");
      if (sym < 16) {
        lengths[index++] = uint8_t(sym);
        continue;
      }
      uint8_t value = 0;
      int repeat;
      if (sym == 16) {
        if (index == 0) corrupt("a code-length repeat with no previous length");
        value = lengths[index - 1];
        repeat = 3 + int(bits(2));
      } else if (sym == 17) {
        repeat = 3 + int(bits(3));
      } else {
        repeat = 11 + int(bits(7));
      }
      if (repeat > total - index) corrupt("code-length repeats run past the last code");
      std::fill(lengths + index, lengths + index + repeat, value);
      index += repeat;
    }
    if (lengths[256] == 0) corrupt("the literal/length code has no end-of-block code");
    check_code(build(litcode_, lengths, nlen), litcode_, "literal/length");
    check_code(build(distcode_, lengths + nlen, ndist), distcode_, "distance");
    codes(litcode_, distcode_);
  }

  // Incomplete codes are allowed only when a single symbol has a 1-bit code (RFC 1951 3.2.7);
  // an empty distance code is allowed too (a block of literals only).
  void check_code(Build result, const Huffman& h, const char* what) const {
    if (result == Build::kOverSubscribed) corrupt(std::string("over-subscribed ") + what + " code");
    if (result == Build::kIncomplete && !(h.used == 1 && h.count[1] == 1)) {
      corrupt(std::string("incomplete ") + what + " code");
    }
  }

  // Decodes literal/length and distance symbols until the end of block. The bit buffer and the
  // output cursor live in locals so byte stores cannot force them back to memory.
  void codes(const Huffman& lit, const Huffman& dist) {
    const uint8_t* const in = in_;
    const size_t n = n_;
    size_t pos = pos_;
    uint64_t bb = bitbuf_;
    unsigned bc = bitcnt_;
    uint8_t* out = out_.buf.data();
    size_t cap = out_.buf.size();
    size_t len = out_.len;
    const size_t start = start_;
    for (;;) {
      // At least 57 bits when the input has them: the longest symbol pair takes 15+5+15+13 = 48.
      while (bc <= 56 && pos < n) {
        bb |= uint64_t(in[pos++]) << bc;
        bc += 8;
      }
      int sym = decode(lit, bb, bc);
      if (sym < 256) {
        if (sym < 0) {
          if (sym == kNeedBits) truncated();
          corrupt("invalid literal/length code");
        }
        if (len == cap) {
          grow(len, 1);
          out = out_.buf.data();
          cap = out_.buf.size();
        }
        out[len++] = uint8_t(sym);
        continue;
      }
      if (sym == 256) break;
      sym -= 257;
      if (sym >= 29) corrupt("invalid literal/length symbol " + std::to_string(sym + 257));
      size_t length = kLenBase[sym];
      unsigned extra = kLenExtra[sym];
      if (extra != 0) {
        if (bc < extra) truncated();
        length += size_t(bb & ((1u << extra) - 1));
        bb >>= extra;
        bc -= extra;
      }
      sym = decode(dist, bb, bc);
      if (sym < 0) {
        if (sym == kNeedBits) truncated();
        corrupt("invalid distance code");
      }
      if (sym >= 30) corrupt("invalid distance symbol " + std::to_string(sym));
      size_t distance = kDistBase[sym];
      extra = kDistExtra[sym];
      if (extra != 0) {
        if (bc < extra) truncated();
        distance += size_t(bb & ((1u << extra) - 1));
        bb >>= extra;
        bc -= extra;
      }
      if (distance > len - start) {
        const size_t written = len - start;
        corrupt("distance " + std::to_string(distance) + " is too far back; only " +
                std::to_string(written) + (written == 1 ? " byte has" : " bytes have") +
                " been written");
      }
      if (cap - len < length) {
        grow(len, length);
        out = out_.buf.data();
        cap = out_.buf.size();
      }
      uint8_t* dst = out + len;
      const uint8_t* src = dst - distance;
      if (distance >= length) {
        std::memcpy(dst, src, length);
      } else if (distance == 1) {
        std::memset(dst, *src, length);
      } else {
        for (size_t i = 0; i < length; ++i) dst[i] = src[i];  // overlapping: a repeating pattern
      }
      len += length;
    }
    pos_ = pos;
    bitbuf_ = bb;
    bitcnt_ = bc;
    out_.len = len;
  }

  const uint8_t* in_;
  size_t n_;
  size_t pos_;
  uint64_t bitbuf_ = 0;  // bits not yet used, least significant first; bits above bitcnt_ are 0
  unsigned bitcnt_ = 0;
  Output& out_;
  size_t start_;  // out_.len when this stream began: distances cannot reach before it
  const std::string& name_;
  const char* kind_;
  Huffman lencode_, litcode_, distcode_;
};

[[noreturn]] void gzip_truncated(const std::string& name, const char* where) {
  throw Error(name + ": gzip data is truncated (" + where + ")");
}

// Checks a member header at bytes[pos] (which starts with 1f 8b) and returns where its DEFLATE
// stream begins.
size_t skip_gzip_header(const uint8_t* bytes, size_t n, size_t pos, const std::string& name) {
  const char* const header_ends = "the header ends early";
  if (n - pos < 10) gzip_truncated(name, header_ends);
  const uint8_t method = bytes[pos + 2];
  const uint8_t flags = bytes[pos + 3];
  check(method == 8, name + ": corrupt gzip data (unsupported compression method " +
                         std::to_string(method) + "; only 8, deflate, is defined)");
  check(
      (flags & 0xe0) == 0,
      name + ": corrupt gzip data (reserved header flag bits are set: flags " + hex8(flags) + ")");
  pos += 10;
  if (flags & 0x04) {  // FEXTRA: a 2-byte length and that many bytes
    if (n - pos < 2) gzip_truncated(name, header_ends);
    const size_t xlen = le16(bytes + pos);
    pos += 2;
    if (n - pos < xlen) gzip_truncated(name, header_ends);
    pos += xlen;
  }
  for (const uint8_t flag : {uint8_t(0x08), uint8_t(0x10)}) {  // FNAME, FCOMMENT: zero-terminated
    if ((flags & flag) == 0) continue;
    const void* zero = pos < n ? std::memchr(bytes + pos, 0, n - pos) : nullptr;
    if (zero == nullptr) gzip_truncated(name, header_ends);
    pos = size_t(static_cast<const uint8_t*>(zero) - bytes) + 1;
  }
  if (flags & 0x02) {  // FHCRC: the header's CRC-16, not checked
    if (n - pos < 2) gzip_truncated(name, header_ends);
    pos += 2;
  }
  return pos;
}

}  // namespace

uint32_t crc32(const uint8_t* bytes, size_t n, uint32_t crc) {
  static const CrcTables tables;
  const auto& t = tables.t;
  uint32_t c = ~crc;
  const uint8_t* p = bytes;
  for (; n >= 8; n -= 8, p += 8) {  // slicing by 8
    const uint32_t lo = c ^ le32(p);
    const uint32_t hi = le32(p + 4);
    c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) c = t[0][(c ^ *p) & 0xff] ^ (c >> 8);
  return ~c;
}

std::vector<uint8_t> inflate_raw(const uint8_t* bytes, size_t n, const std::string& name,
                                 size_t max_out, size_t* consumed) {
  Output out;
  out.max_out = max_out;
  Inflater inflater(bytes, n, 0, out, name, "deflate");
  inflater.run();
  if (consumed != nullptr) *consumed = inflater.end();
  out.buf.resize(out.len);
  return std::move(out.buf);
}

std::vector<uint8_t> gunzip_bytes(const uint8_t* bytes, size_t n, const std::string& name,
                                  size_t max_out) {
  const auto magic_at = [&](size_t pos) {
    return n - pos >= 2 && bytes[pos] == 0x1f && bytes[pos + 1] == 0x8b;
  };
  check(bytes != nullptr && magic_at(0), name + ": not gzip data (it does not start with 1f 8b)");
  Output out;
  out.max_out = max_out;
  // The last member's ISIZE is the whole size for a single member: allocate it at once when it is
  // within the limit and DEFLATE could produce it from this many bytes.
  if (n >= 20) {
    const size_t isize = le32(bytes + n - 4);
    const size_t plausible = n > max_out / kMaxRatio ? max_out : n * kMaxRatio;
    if (isize <= plausible) out.buf.resize(isize);
  }
  size_t pos = 0;
  for (;;) {
    pos = skip_gzip_header(bytes, n, pos, name);
    const size_t start = out.len;
    Inflater inflater(bytes, n, pos, out, name, "gzip");
    inflater.run();
    pos = inflater.end();
    if (n - pos < 8) gzip_truncated(name, "the CRC-32 and length trailer is missing");
    const uint32_t want_crc = le32(bytes + pos);
    const uint32_t want_size = le32(bytes + pos + 4);
    pos += 8;
    const uint32_t got_crc = crc32(out.buf.data() + start, out.len - start);
    check(got_crc == want_crc, name + ": corrupt gzip data (CRC-32 mismatch: the trailer says " +
                                   hex32(want_crc) + " but the data gives " + hex32(got_crc) + ")");
    const uint32_t got_size = uint32_t(out.len - start);  // ISIZE is the length mod 2^32
    check(got_size == want_size, name + ": corrupt gzip data (length mismatch: the trailer says " +
                                     std::to_string(want_size) + " bytes but the data is " +
                                     std::to_string(got_size) + ")");
    if (pos == n) break;
    // Another member may follow (gzip -c a b > ab.gz); anything else is junk.
    check(magic_at(pos), name + ": corrupt gzip data: " + std::to_string(n - pos) +
                             " unexpected bytes after the end of the compressed stream");
  }
  out.buf.resize(out.len);
  return std::move(out.buf);
}

}  // namespace cnn::data
