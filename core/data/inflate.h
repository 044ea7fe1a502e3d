// A small, strict gzip (RFC 1952) and DEFLATE (RFC 1951) decoder with CRC-32, used by every build
// (native and WebAssembly) so .gz data files need no zlib. It only decompresses whole in-memory
// buffers; it does not compress, stream, or read zlib (RFC 1950) wrappers.
// Every failure is a cnn::Error naming the input; hostile data never causes an out-of-bounds read
// or write, and the output never grows past the caller's max_out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn::data {

// Decompresses a whole gzip file (one or more concatenated members, as gzip -d does). Checks the
// header (magic 1f 8b, method 8, reserved flag bits zero, FEXTRA/FNAME/FCOMMENT/FHCRC skipped with
// bounds checks), each member's CRC-32 and ISIZE (mod 2^32). Throws Error("<name>: ...") for
// truncated data, bad block types, invalid Huffman codes (over-subscribed or incomplete tables
// other than the single-code cases the RFC allows), distances too far back, output larger than
// max_out, trailing garbage that is not another member. Never reads or writes out of bounds.
std::vector<uint8_t> gunzip_bytes(const uint8_t* bytes, size_t n, const std::string& name,
                                  size_t max_out);

// Raw DEFLATE stream decode (no header), for tests and the fuzzer. Sets *consumed (when not null)
// to the bytes used, counting the partly used last byte; bytes after the final block are ignored.
std::vector<uint8_t> inflate_raw(const uint8_t* bytes, size_t n, const std::string& name,
                                 size_t max_out, size_t* consumed);

// CRC-32 as in gzip and zlib (reflected polynomial 0xedb88320). `crc` is the CRC of the preceding
// bytes, so crc32(b, n) == crc32(b + k, n - k, crc32(b, k)).
uint32_t crc32(const uint8_t* bytes, size_t n, uint32_t crc = 0);

}  // namespace cnn::data
