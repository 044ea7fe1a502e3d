// gzip at the edge of the core: detection everywhere, decompression through zlib in native builds
// only. The WebAssembly core has no decompressor: the page (DecompressionStream) and Node
// (node:zlib) unpack .gz files before they hand IDX bytes over. It does not compress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn::data {

// True when bytes start with the gzip magic 1f 8b.
bool is_gzip(const uint8_t* bytes, size_t n);

// True in builds that link zlib (native); false in WebAssembly, where gunzip only explains.
bool gunzip_available();

// Decompresses a whole gzip file (one or more concatenated members, as gzip -d does) with zlib.
// Stops with an Error naming `name` once the output would pass max_out bytes (before holding
// more), and for data that is not gzip, truncated, corrupt, or followed by bytes that are not
// another member. Without zlib (WebAssembly) every call is an Error saying the data must be
// unpacked before it reaches the core.
std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t n, const std::string& name,
                            size_t max_out);

}  // namespace cnn::data
