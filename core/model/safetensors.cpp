// Safetensors reader and writer, validating everything the published format requires, and an
// atomic file write. Not a general tensor library: dtypes other than F32/F16/BF16/F64 are refused,
// because the core computes in float and silently converting integers would hide mistakes.
#include "core/model/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "core/tensor/error.h"

namespace cnn {
namespace {

// The official reader refuses larger headers; matching it keeps a corrupt length field from
// turning into a huge parse.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";
constexpr const char* kWriterPrefix = "cannot write safetensors file: ";

enum class Dtype { kF32, kF16, kBF16, kF64 };

size_t dtype_size(Dtype d) {
  switch (d) {
    case Dtype::kF32:
      return 4;
    case Dtype::kF16:
      return 2;
    case Dtype::kBF16:
      return 2;
    case Dtype::kF64:
      return 8;
  }
  return 0;
}

bool parse_dtype(const std::string& s, Dtype* out) {
  if (s == "F32")
    *out = Dtype::kF32;
  else if (s == "F16")
    *out = Dtype::kF16;
  else if (s == "BF16")
    *out = Dtype::kBF16;
  else if (s == "F64")
    *out = Dtype::kF64;
  else
    return false;
  return true;
}

// Quotes a string from the file for an error message. Names come from untrusted JSON, so control
// characters are escaped (a newline would break the one-line message) and long ones are cut.
std::string quote_name(const std::string& s) {
  constexpr size_t kMaxShown = 80;
  size_t len = s.size();
  bool cut = false;
  if (len > kMaxShown) {
    len = kMaxShown;
    // Back off to a UTF-8 character boundary so the message itself stays valid UTF-8.
    while (len > 0 && (static_cast<unsigned char>(s[len]) & 0xC0) == 0x80) --len;
    cut = true;
  }
  std::string out = "'";
  for (size_t i = 0; i < len; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += cut ? "...'" : "'";
  return out;
}

// Keeps only printable ASCII, for parser messages that echo raw (possibly invalid UTF-8 and
// arbitrarily long) input.
std::string printable(const std::string& s) {
  constexpr size_t kMaxShown = 200;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c >= 0x20 && c < 0x7F) ? s[i] : '?';
  }
  if (s.size() > kMaxShown) out += "...";
  return out;
}

uint64_t load_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint32_t load_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint16_t load_u16_le(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

float float_from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Exact: every half is representable as a float. NaN payloads are kept (shifted into place).
float f16_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x3FFu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, which is a normal float computed exactly.
    uint32_t bits;
    const float magnitude = static_cast<float>(mant) * 5.9604644775390625e-8f;
    std::memcpy(&bits, &magnitude, sizeof(bits));
    return float_from_bits(sign | bits);
  }
  if (exp == 31) return float_from_bits(sign | 0x7F800000u | (mant << 13));
  return float_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

// Rounds to nearest, like a plain cast, but defined for out-of-range values (a plain cast of a
// double beyond float range is undefined behaviour in C++).
float f64_to_float(double d) {
  if (std::isnan(d)) return static_cast<float>(d);
  constexpr double kMax = static_cast<double>(std::numeric_limits<float>::max());
  // Halfway between FLT_MAX and 2^128; ties round to even, which is 2^128, i.e. infinity.
  constexpr double kOverflow = 340282356779733661637539395458142568448.0;  // 2^128 - 2^103
  const double a = std::fabs(d);
  if (a >= kOverflow)
    return std::signbit(d) ? -std::numeric_limits<float>::infinity()
                           : std::numeric_limits<float>::infinity();
  if (a > kMax)
    return std::signbit(d) ? -std::numeric_limits<float>::max() : std::numeric_limits<float>::max();
  return static_cast<float>(d);
}

void convert(Dtype dtype, const uint8_t* src, size_t count, float* dst) {
  switch (dtype) {
    case Dtype::kF32:
      for (size_t i = 0; i < count; ++i) dst[i] = float_from_bits(load_u32_le(src + 4 * i));
      return;
    case Dtype::kF16:
      for (size_t i = 0; i < count; ++i) dst[i] = f16_to_float(load_u16_le(src + 2 * i));
      return;
    case Dtype::kBF16:
      for (size_t i = 0; i < count; ++i) {
        dst[i] = float_from_bits(static_cast<uint32_t>(load_u16_le(src + 2 * i)) << 16);
      }
      return;
    case Dtype::kF64:
      for (size_t i = 0; i < count; ++i) {
        const uint64_t bits = load_u64_le(src + 8 * i);
        double d;
        std::memcpy(&d, &bits, sizeof(d));
        dst[i] = f64_to_float(d);
      }
      return;
  }
}

// One header entry, validated against itself but not yet against its neighbours.
struct Entry {
  std::string name;
  Dtype dtype;
  std::string dtype_name;
  Shape shape;
  uint64_t numel;
  uint64_t begin;
  uint64_t end;
};

// "an object", "a number", ... for messages that say what was found instead.
std::string json_type(const nlohmann::json& v) {
  if (v.is_number_float()) return "a non-integer number";
  if (v.is_number()) return "a number";
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_null()) return "null";
  return std::string("a ") + v.type_name();
}

Entry parse_entry(const std::string& file, const std::string& key, const nlohmann::json& v,
                  uint64_t data_len) {
  const std::string t = file + ": tensor " + quote_name(key);
  check(v.is_object(), t + " is described by " + json_type(v) + ", not an object");

  auto field = [&](const char* f) -> const nlohmann::json& {
    auto it = v.find(f);
    check(it != v.end(), t + " has no \"" + f + "\" field");
    return *it;
  };

  Entry e;
  e.name = key;

  const nlohmann::json& dtype = field("dtype");
  check(dtype.is_string(), t + " has a \"dtype\" that is " + json_type(dtype) + ", not a string");
  e.dtype_name = dtype.get<std::string>();
  check(parse_dtype(e.dtype_name, &e.dtype), t + " has dtype " + quote_name(e.dtype_name) +
                                                 ", but only F32, F16, BF16 and F64 are supported");

  const nlohmann::json& shape = field("shape");
  check(shape.is_array(), t + " has a \"shape\" that is " + json_type(shape) + ", not an array");
  // The product is checked dim by dim, in order, like the official reader: a later 0 does not
  // excuse an earlier overflow, and it keeps shape_size() on the result free of overflow.
  e.numel = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    // Messages are built only on failure: a header may hold millions of dims.
    const nlohmann::json& d = shape[i];
    auto dim = [&] { return t + " shape dimension " + std::to_string(i); };
    if (!d.is_number_integer()) throw Error(dim() + " is " + json_type(d) + ", not an integer");
    if (!d.is_number_unsigned()) {
      throw Error(dim() + " is negative (" + std::to_string(d.get<int64_t>()) + ")");
    }
    const uint64_t u = d.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT_MAX)) {
      throw Error(dim() + " is " + std::to_string(u) + ", more than the supported " +
                  std::to_string(INT_MAX));
    }
    if (u != 0 && e.numel > static_cast<uint64_t>(INT64_MAX) / u) {
      throw Error(t + " has so many elements that the count overflows");
    }
    e.numel *= u;
    e.shape.push_back(static_cast<int>(u));
  }

  const nlohmann::json& offsets = field("data_offsets");
  check(offsets.is_array() && offsets.size() == 2,
        t + " has \"data_offsets\" that are not an array of two integers");
  for (const auto& o : offsets) {
    check(o.is_number_unsigned(), t + " has \"data_offsets\" that are not non-negative integers");
  }
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  const std::string range = "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  check(e.begin <= e.end, t + " has data_offsets " + range + " that end before they begin");
  check(e.end <= data_len, t + " data ends at byte " + std::to_string(e.end) +
                               " but the file has only " + std::to_string(data_len) +
                               " bytes of tensor data");

  const uint64_t size = dtype_size(e.dtype);
  check(e.numel <= std::numeric_limits<uint64_t>::max() / size,
        t + " has so many elements that its byte size overflows");
  const uint64_t need = e.numel * size;
  check(need == e.end - e.begin, t + " has shape [" + shape_str(e.shape) + "] and dtype " +
                                     e.dtype_name + ", which needs " + std::to_string(need) +
                                     " bytes, but its data_offsets " + range + " span " +
                                     std::to_string(e.end - e.begin));
  return e;
}

std::string range_str(const Entry& e) {
  return "bytes " + std::to_string(e.begin) + "-" + std::to_string(e.end);
}

// nlohmann::json::dump() is the authority on what it will refuse to encode, so ask it directly;
// this turns its exception into a message that says which string is bad.
void check_utf8(const std::string& s, const std::string& what) {
  try {
    (void)nlohmann::json(s).dump();
  } catch (const nlohmann::json::exception&) {
    throw Error(kWriterPrefix + what + " is not valid UTF-8");
  }
}

void store_u64_le(uint64_t v, std::vector<uint8_t>* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

std::vector<uint8_t> write_safetensors(const SafetensorsFile& file) {
  // Keys are emitted in insertion order so the header reads in the same order as the data.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : file.metadata) {
      check_utf8(k, "metadata key " + quote_name(k));
      check_utf8(v, "metadata value for key " + quote_name(k));
      meta[k] = v;
    }
    header[kMetadataKey] = std::move(meta);
  }

  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const NamedTensor& t : file.tensors) {
    const std::string tn = "tensor " + quote_name(t.name);
    check(!t.name.empty(), std::string(kWriterPrefix) + "a tensor has an empty name");
    check(t.name != kMetadataKey,
          kWriterPrefix + tn + " uses the name reserved for the metadata block");
    check(seen.insert(t.name).second, kWriterPrefix + tn + " appears more than once");
    check_utf8(t.name, tn + "'s name");
    uint64_t numel = 1;
    for (int d : t.shape) {
      if (d < 0) {
        throw Error(kWriterPrefix + tn + " has a negative dimension in shape [" +
                    shape_str(t.shape) + "]");
      }
      if (d != 0 && numel > static_cast<uint64_t>(INT64_MAX) / static_cast<uint64_t>(d)) {
        throw Error(kWriterPrefix + tn + " has so many elements that the count overflows");
      }
      numel *= static_cast<uint64_t>(d);
    }
    check(numel == t.data.size(), kWriterPrefix + tn + " has shape [" + shape_str(t.shape) + "] (" +
                                      std::to_string(numel) + " elements) but " +
                                      std::to_string(t.data.size()) + " values");
    const uint64_t end = offset + 4 * numel;
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = "F32";
    entry["shape"] = t.shape;
    entry["data_offsets"] = {offset, end};
    header[t.name] = std::move(entry);
    offset = end;
  }

  std::string json = header.dump();
  // Spaces are the padding the format allows; 8 + len % 8 == 0 keeps the data buffer aligned.
  json.append((8 - json.size() % 8) % 8, ' ');

  std::vector<uint8_t> out;
  out.reserve(8 + json.size() + static_cast<size_t>(offset));
  store_u64_le(json.size(), &out);
  out.insert(out.end(), json.begin(), json.end());
  for (const NamedTensor& t : file.tensors) {
    for (float f : t.data) {
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof(bits));
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
    }
  }
  return out;
}

SafetensorsFile read_safetensors(const uint8_t* bytes, size_t n, const std::string& name) {
  check(n >= 8, name + ": file is " + std::to_string(n) +
                    " bytes long, too short for the 8-byte header length of a safetensors file");
  const uint64_t header_len = load_u64_le(bytes);
  check(header_len <= kMaxHeaderBytes,
        name + ": header length field says " + std::to_string(header_len) +
            " bytes, more than the 100 MB limit (is this a safetensors file?)");
  check(header_len <= static_cast<uint64_t>(n) - 8,
        name + ": header length field says " + std::to_string(header_len) + " bytes but only " +
            std::to_string(n - 8) + " bytes follow it");
  const uint8_t* header_begin = bytes + 8;
  const uint8_t* header_end = header_begin + header_len;
  const uint64_t data_len = static_cast<uint64_t>(n) - 8 - header_len;

  // Duplicate keys are legal JSON but ambiguous here (which tensor wins?), so they are refused;
  // nlohmann would silently keep the last one, hence the callback.
  std::set<std::string> keys;
  std::string duplicate;
  bool has_duplicate = false;
  auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && !has_duplicate) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!keys.insert(k).second) {
        has_duplicate = true;
        duplicate = k;
      }
    }
    return true;
  };
  // nlohmann stops at a NUL byte as if the input ended there, so "{}\0<anything>" would pass;
  // valid JSON never contains a raw NUL, so refuse it up front.
  const void* nul = std::memchr(header_begin, 0, static_cast<size_t>(header_len));
  if (nul != nullptr) {
    throw Error(name + ": header is not valid JSON (it contains a NUL byte at header offset " +
                std::to_string(static_cast<const uint8_t*>(nul) - header_begin) + ")");
  }
  nlohmann::json header;
  try {
    // The parser checks UTF-8 in strings, and any other non-ASCII byte is a syntax error.
    header = nlohmann::json::parse(header_begin, header_end, on_event);
  } catch (const nlohmann::json::exception& e) {
    // Mostly parse_error, but a number too large for a double (1e400) is out_of_range.
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw Error(name + ": header is not valid JSON (" + printable(what) + ")");
  }
  check(header.is_object(), name + ": header is " + json_type(header) + ", not a JSON object");
  // Leading whitespace is valid JSON, but the official reader insists on '{' first.
  check(header_begin[0] == '{', name + ": header must start with '{'");
  check(!has_duplicate, name + ": header names " + quote_name(duplicate) + " more than once");

  SafetensorsFile result;
  std::vector<Entry> entries;
  for (const auto& item : header.items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    if (key == kMetadataKey) {
      // null is what the official reader accepts for "no metadata", so accept it too.
      if (value.is_null()) continue;
      check(value.is_object(),
            name + ": \"__metadata__\" is " + json_type(value) + ", not an object of strings");
      for (const auto& m : value.items()) {
        if (!m.value().is_string()) {
          throw Error(name + ": metadata value for key " + quote_name(m.key()) + " is " +
                      json_type(m.value()) + ", not a string");
        }
        result.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(name, key, value, data_len));
  }

  // Sorting by offsets makes overlap, hole and trailing-byte checks a single walk.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t pos = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.begin < pos) {
      throw Error(name + ": tensor " + quote_name(e.name) + " data (" + range_str(e) +
                  ") overlaps tensor " + quote_name(entries[i - 1].name) + " (" +
                  range_str(entries[i - 1]) + ")");
    }
    if (e.begin > pos) {
      throw Error(name + ": no tensor covers bytes " + std::to_string(pos) + "-" +
                  std::to_string(e.begin) + " of the data buffer (a hole before tensor " +
                  quote_name(e.name) + ")");
    }
    pos = e.end;
  }
  check(pos == data_len, name + ": the data buffer has " + std::to_string(data_len - pos) +
                             " trailing bytes after the last tensor, which ends at byte " +
                             std::to_string(pos));

  // Every size is now known to fit inside the file, so allocating is safe.
  result.tensors.reserve(entries.size());
  const uint8_t* data = header_end;
  for (Entry& e : entries) {
    NamedTensor t;
    t.name = std::move(e.name);
    t.shape = std::move(e.shape);
    t.data.resize(static_cast<size_t>(e.numel));
    convert(e.dtype, data + e.begin, t.data.size(), t.data.data());
    result.tensors.push_back(std::move(t));
  }
  return result;
}

const NamedTensor* find_tensor(const SafetensorsFile& file, const std::string& name) {
  for (const NamedTensor& t : file.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  // pid + counter + O_EXCL gives a name no other writer (thread or process) is using; a stale
  // temp file from a crash only costs one retry.
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = path + ".tmp." + std::to_string(static_cast<long>(getpid())) + "." +
          std::to_string(counter.fetch_add(1));
    fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    const int err = errno;
    throw Error(path + ": cannot create temporary file '" + tmp + "' (" + std::strerror(err) + ")");
  }

  auto fail = [&](const char* what, int err) {
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    throw Error(path + ": " + what + " (" + std::strerror(err) + ")");
  };

  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("cannot write the temporary file", errno);
    }
    done += static_cast<size_t>(w);
  }
  // Without fsync a crash after the rename could leave an empty file at `path` on some file
  // systems, which is exactly what this function promises not to do.
  if (fsync(fd) != 0 && errno != EINVAL && errno != ENOSYS) {
    fail("cannot flush the temporary file to disk", errno);
  }
  const int fd_copy = fd;
  fd = -1;
  if (close(fd_copy) != 0) fail("cannot close the temporary file", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    fail("cannot rename the temporary file into place", errno);
  }
}

}  // namespace cnn
