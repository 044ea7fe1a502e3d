// gzip detection, and decompression through zlib when the build links it (CNN_HAVE_ZLIB: native
// builds). Nothing here is a decoder of our own; see gzip.h for who unpacks .gz in WebAssembly.
#include "core/data/gzip.h"

#include <algorithm>
#include <climits>

#include "core/tensor/error.h"

#if CNN_HAVE_ZLIB
#include <zlib.h>
#endif

namespace cnn::data {

bool is_gzip(const uint8_t* bytes, size_t n) {
  return bytes != nullptr && n >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

#if CNN_HAVE_ZLIB

bool gunzip_available() { return true; }

namespace {

// Owns a zlib inflate state for one gunzip call.
struct Inflater {
  explicit Inflater(const std::string& name) {
    check(inflateInit2(&zs, 15 + 16) == Z_OK, name + ": cannot start the gzip decoder");
  }
  ~Inflater() { inflateEnd(&zs); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  z_stream zs{};
};

}  // namespace

std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t n, const std::string& name,
                            size_t max_out) {
  check(is_gzip(bytes, n), name + ": not gzip data (it does not start with 1f 8b)");
  Inflater inf(name);
  z_stream& zs = inf.zs;
  std::vector<uint8_t> out;
  std::vector<uint8_t> chunk(size_t(1) << 16);
  size_t fed = 0;  // input bytes handed to zlib so far
  for (;;) {
    if (zs.avail_in == 0 && fed < n) {
      const size_t take = std::min<size_t>(n - fed, UINT_MAX);
      zs.next_in = const_cast<Bytef*>(bytes + fed);
      zs.avail_in = static_cast<uInt>(take);
      fed += take;
    }
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t got = chunk.size() - zs.avail_out;
    if (got > 0) {
      // Checked before the copy: a bomb never holds more than the limit plus one chunk.
      check(got <= max_out - out.size(), name + ": decompressed data is larger than the limit of " +
                                             std::to_string(max_out) + " bytes");
      out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<long>(got));
    }
    if (rc == Z_STREAM_END) {
      const size_t rest = zs.avail_in + (n - fed);
      if (rest == 0) return out;
      const uint8_t* next = zs.avail_in > 0 ? zs.next_in : bytes + fed;
      const size_t contiguous = zs.avail_in > 0 ? zs.avail_in : n - fed;
      // Another member follows (gzip -c a b), or garbage does.
      check(is_gzip(next, contiguous),
            name + ": corrupt gzip data: " + std::to_string(rest) +
                " unexpected bytes after the end of the compressed stream");
      check(inflateReset(&zs) == Z_OK, name + ": cannot restart the gzip decoder");
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed == n) {
      throw Error(name + ": gzip data is truncated (it ends inside the compressed stream)");
    }
    if (rc == Z_BUF_ERROR) continue;
    if (rc == Z_MEM_ERROR) throw Error(name + ": out of memory while decompressing");
    throw Error(name + ": corrupt gzip data (" + (zs.msg ? zs.msg : "invalid stream") + ")");
  }
}

#else

bool gunzip_available() { return false; }

std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t n, const std::string& name, size_t) {
  check(is_gzip(bytes, n), name + ": not gzip data (it does not start with 1f 8b)");
  throw Error(name +
              ": the data is gzip-compressed, and this build of the core has no gzip "
              "decoder; unpack it first (the page and Node do so before handing data over)");
}

#endif

}  // namespace cnn::data
