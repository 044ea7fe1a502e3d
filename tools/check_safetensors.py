#!/usr/bin/env python3
# check_safetensors.py: an independent, strict reader of .safetensors files (stdlib only) that
# prints each tensor's name, dtype, shape, sum, min and max, for a human to cross-check the C++
# reader/writer. Not a loader for anything: it validates and summarises, and that is all.
"""Usage: check_safetensors.py FILE [FILE ...]

Exits 1 (with a message naming the file) if a file breaks the published rules: 8-byte
little-endian header length; at most 100,000,000 header bytes; a UTF-8 JSON object starting with
'{'; entries {"dtype", "shape", "data_offsets"}; an optional "__metadata__" of string values;
offsets in bounds, of the right size, not overlapping, and covering the data buffer exactly.
"""

import json
import math
import struct
import sys

MAX_HEADER = 100_000_000
# struct formats and sizes; BF16 is decoded by hand (it is the top half of a float32).
DTYPES = {"F64": ("d", 8), "F32": ("f", 4), "F16": ("e", 2), "BF16": (None, 2)}


class Invalid(Exception):
    pass


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise Invalid(f"key {k!r} appears more than once in one JSON object")
    return dict(pairs)


def is_uint(v):
    # bool is a subclass of int in Python, but true/false are not numbers in JSON.
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def decode(dtype, raw, count):
    if dtype == "BF16":
        halves = struct.unpack(f"<{count}H", raw)
        return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]
    fmt, _ = DTYPES[dtype]
    return list(struct.unpack(f"<{count}{fmt}", raw))


def check(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise Invalid(f"file is {len(data)} bytes, shorter than the 8-byte length field")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER:
        raise Invalid(f"header length {n} is over the 100 MB limit")
    if 8 + n > len(data):
        raise Invalid(f"header length {n} but only {len(data) - 8} bytes follow")
    raw_header = data[8:8 + n]
    try:
        text = raw_header.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid(f"header is not UTF-8 ({e})")
    if not text.startswith("{"):
        raise Invalid("header does not start with '{'")
    try:
        header = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as e:
        raise Invalid(f"header is not valid JSON ({e})")
    if not isinstance(header, dict):
        raise Invalid("header is not a JSON object")
    if n % 8 != 0:
        print(f"{path}: note: header length {n} is not a multiple of 8 (allowed, but writers "
              "should pad with spaces)")

    buffer = data[8 + n:]
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise Invalid("__metadata__ is not an object")
        for k, v in metadata.items():
            if not isinstance(v, str):
                raise Invalid(f"metadata value for {k!r} is not a string")

    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise Invalid(f"tensor {name!r}: entry is not an object")
        for field in ("dtype", "shape", "data_offsets"):
            if field not in info:
                raise Invalid(f"tensor {name!r}: missing {field!r}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in DTYPES:
            raise Invalid(f"tensor {name!r}: dtype {dtype!r} is not one of {sorted(DTYPES)}")
        if not isinstance(shape, list) or not all(is_uint(d) for d in shape):
            raise Invalid(f"tensor {name!r}: shape {shape!r} is not a list of non-negative ints")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(is_uint(o) for o in offsets)):
            raise Invalid(f"tensor {name!r}: data_offsets {offsets!r} are not two "
                          "non-negative ints")
        begin, end = offsets
        count = math.prod(shape)
        if begin > end or end > len(buffer):
            raise Invalid(f"tensor {name!r}: data_offsets {offsets} out of range "
                          f"(buffer is {len(buffer)} bytes)")
        if end - begin != count * DTYPES[dtype][1]:
            raise Invalid(f"tensor {name!r}: shape {shape} {dtype} needs "
                          f"{count * DTYPES[dtype][1]} bytes, offsets span {end - begin}")
        entries.append((begin, end, name, dtype, shape, count))

    entries.sort()
    pos = 0
    for begin, end, name, *_ in entries:
        if begin != pos:
            what = "overlaps the previous tensor" if begin < pos else f"leaves a hole at {pos}"
            raise Invalid(f"tensor {name!r}: data at {begin}-{end} {what}")
        pos = end
    if pos != len(buffer):
        raise Invalid(f"{len(buffer) - pos} trailing bytes after the last tensor")

    print(f"{path}: {len(entries)} tensors, header {n} bytes, data {len(buffer)} bytes")
    for k, v in sorted((metadata or {}).items()):
        print(f"  metadata {k!r}: {v!r}")
    for begin, end, name, dtype, shape, count in entries:
        values = decode(dtype, buffer[begin:end], count)
        finite = [v for v in values if math.isfinite(v)]
        summary = f"sum={math.fsum(finite):.9g}"
        if finite:
            summary += f" min={min(finite):.9g} max={max(finite):.9g}"
        if len(finite) != len(values):
            summary += f" non-finite={len(values) - len(finite)}"
        print(f"  {name!r} {dtype} shape={shape} bytes={begin}-{end} {summary}")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for path in argv[1:]:
        try:
            check(path)
        except Invalid as e:
            print(f"{path}: INVALID: {e}", file=sys.stderr)
            status = 1
        except OSError as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
