// ProtoWriter: the few Protocol Buffers wire-format primitives the ONNX exporter needs (varints,
// length-delimited fields, fixed32 floats), appended to a byte vector. Not a protobuf library:
// there is no schema, no reader and no reflection; the caller knows its field numbers.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace cnn {

class ProtoWriter {
 public:
  // Wire types of the protobuf encoding.
  static constexpr int kVarint = 0, kLengthDelimited = 2, kFixed32 = 5;

  void varint(uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<uint8_t>(v));
  }
  void tag(int field, int wire_type) {
    varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
  }
  // int32, int64 and enum fields; negative values take ten bytes, as protobuf encodes them.
  void int_field(int field, int64_t v) {
    tag(field, kVarint);
    varint(static_cast<uint64_t>(v));
  }
  void float_field(int field, float v) {
    tag(field, kFixed32);
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  void bytes_field(int field, const void* data, size_t n) {
    tag(field, kLengthDelimited);
    varint(n);
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + n);
  }
  void string_field(int field, const std::string& s) { bytes_field(field, s.data(), s.size()); }
  // An embedded message: its bytes, length-prefixed.
  void message_field(int field, const ProtoWriter& m) {
    bytes_field(field, m.bytes_.data(), m.bytes_.size());
  }

  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace cnn
