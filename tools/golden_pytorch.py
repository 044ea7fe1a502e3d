#!/usr/bin/env python3
"""Golden reference values for the C++ core, computed with PyTorch.

Usage (from the repository root; needs torch + numpy, e.g. Debian's
python3-torch):
    /usr/bin/python3 tools/make_mnist_subset.py   # once, makes the data
    /usr/bin/python3 tools/golden_pytorch.py

Inputs:  tests/data/mnist-small/*.gz (written by tools/make_mnist_subset.py)
Outputs: tests/data/golden/spec.json          the model spec (SPEC below)
         tests/data/golden/init.safetensors   the initial weights
         tests/data/golden/expected.json      everything the tests compare

What it computes (all float32, single thread, deterministic algorithms):

* Data: images are uint8 / 255 in float32. The core uses NHWC [N,28,28,1];
  here tensors are NCHW and permuted to NHWC whenever values are written.

* Model (SPEC), reproducing the core's (TensorFlow/Keras) conventions:
    0 conv2d 6 filters 5x5 stride 2, padding "same" (TF rule: out =
      ceil(in/stride), total pad = max((out-1)*stride + k - in, 0), the
      smaller half top/left, extra pixel bottom/right: 28 -> 14 with pad
      1 top/left and 2 bottom/right), relu
    1 maxpool2d 2x2 stride 2 valid: 14 -> 7
    2 lrn, depth radius r=2, bias 1, alpha 0.1, beta 0.75 (TF
      local_response_normalization): y = x / (bias + alpha * sum of x^2 over
      channels c-r..c+r)^beta. Computed directly; asserted equal to
      F.local_response_norm(size=2r+1, alpha=alpha*(2r+1), beta, k=bias).
    3 conv2d 8 filters 3x3 stride 1 valid, tanh: 7 -> 5
    4 avgpool2d 2x2 stride 2 "same": 5 -> 3 (pad 0 top/left, 1 bottom/
      right); the average divides by the number of real (non-padding)
      elements, as TF does.
    5 flatten in NHWC (channels-last) order: 3*3*8 = 72
    6 dense 72 -> 32, sigmoid
    7 dense 32 -> 10, no bias, softmax
  Loss = mean over the batch of categorical cross-entropy computed from
  log-softmax of the last dense layer's logits, plus for each layer with l2 > 0
  (conv2d_2, dense_1) 0.5 * l2 * sum(kernel^2) (kernels only, no biases).

* Weights are held directly in the Keras layouts and names used by the core:
  conv2d_1/kernel [5,5,1,6], conv2d_1/bias [6], conv2d_2/kernel [3,3,6,8],
  conv2d_2/bias [8], dense_1/kernel [72,32], dense_1/bias [32],
  dense_2/kernel [32,10]. Initial values: after torch.manual_seed(0), in that
  order, torch.empty(shape).uniform_(a, b) with a kernel bound
  sqrt(6 / (fan_in + fan_out)) (conv: fan_in = kh*kw*in, fan_out =
  kh*kw*out; dense: in, out) and bias bound 0.1. They are written to
  init.safetensors (safetensors format, header metadata
  {"format": "cnn-playground/1", "spec": <spec JSON string>}, tensors in the
  order above, contiguous little-endian F32, header padded with spaces so
  the data starts at a multiple of 8).

* Three training runs from those same initial weights, 30 steps each, batch
  size 32, no shuffling: step s uses training examples [32s, 32s+32).
  Gradients include the L2 term (l2 * kernel).
    sgd:     lr 0.1, momentum 0.9, nesterov: v = mu v + g; p -= lr (g + mu v)
    adam:    lr 0.003, b1 0.9, b2 0.999, eps 1e-7:
             m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
             p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
    rmsprop: lr 0.001, rho 0.9, eps 1e-7:
             v = rho v + (1-rho) g^2; p -= lr g / (sqrt(v) + eps)
  Training uses torch.optim (SGD / Adam / RMSprop, foreach=False); the
  script asserts that hand-written updates with the formulas above give the
  same parameters over the first 3 steps of each run.

expected.json layout (values, logits, probabilities, losses and gradients
are float32 values printed as Python floats, i.e. exact; the "sum" and
"abs_sum" checksums are accumulated in float64 and written unrounded; a
"first8" list holds min(8, size) values, so 6 for conv2d_1/bias):
  "spec": the model spec object (same as spec.json)
  "meta": generator, torch version, steps, batch size, tensor names in order,
          counts, labels of the first 8 test images
  "initial": {
     "test_logits": 8x10 logits (last dense, pre-softmax) of test images 0..7
                    with the initial weights,
     "test_probs":  softmax of those,
     "activations": list of 8 flat lists: for test image 0, the output of
                    layers 0..7 (after each layer's activation; layer 7 is
                    the softmax) flattened in NHWC order,
     "activation_shapes": the per-example NHWC shape of each of those,
     "train_batch0_loss": loss (with L2) of training batch 0 }
  "initial_loss_grad": {tensor name: {"sum", "abs_sum", "first8"}} of the
     gradient of the (L2-including) loss of training batch 0 w.r.t. each
     tensor, first8 = first 8 values in the Keras layout (row-major)
  "runs": {"sgd" | "adam" | "rmsprop": {
     "optimizer": the optimizer object (as in a spec's "optimizer" field),
     "loss": 30 per-step losses (forward pass of the step's batch before
             that step's update, L2 included),
     "test_probs": 8x10 softmax probabilities of test images 0..7 after the
             30 steps,
     "final_weights_sum": {tensor name: {"sum", "abs_sum"}} after 30 steps}}
"""

import gzip
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(REPO, "tests", "data", "mnist-small")
OUT_DIR = os.path.join(REPO, "tests", "data", "golden")

SPEC = {
    "name": "golden",
    "input": [28, 28, 1],
    "layers": [
        {"type": "conv2d", "filters": 6, "kernel": 5, "stride": 2,
         "padding": "same", "activation": "relu"},
        {"type": "maxpool2d", "size": 2, "stride": 2},
        {"type": "lrn", "depth_radius": 2, "bias": 1.0, "alpha": 0.1,
         "beta": 0.75},
        {"type": "conv2d", "filters": 8, "kernel": 3, "padding": "valid",
         "activation": "tanh", "l2": 0.01},
        {"type": "avgpool2d", "size": 2, "stride": 2, "padding": "same"},
        {"type": "flatten"},
        {"type": "dense", "units": 32, "activation": "sigmoid", "l2": 0.01},
        {"type": "dense", "units": 10, "activation": "softmax",
         "use_bias": False},
    ],
    "loss": "categorical_crossentropy",
    "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
    "batch_size": 32,
    "seed": 1,
}

OPTIMIZERS = {
    "sgd": SPEC["optimizer"],
    "adam": {"type": "adam", "lr": 0.003, "beta1": 0.9, "beta2": 0.999,
             "epsilon": 1e-7},
    "rmsprop": {"type": "rmsprop", "lr": 0.001, "rho": 0.9, "epsilon": 1e-7},
}

# name, shape (Keras layout), fan_in, fan_out (None for biases)
TENSORS = [
    ("conv2d_1/kernel", (5, 5, 1, 6), 5 * 5 * 1, 5 * 5 * 6),
    ("conv2d_1/bias", (6,), None, None),
    ("conv2d_2/kernel", (3, 3, 6, 8), 3 * 3 * 6, 3 * 3 * 8),
    ("conv2d_2/bias", (8,), None, None),
    ("dense_1/kernel", (72, 32), 72, 32),
    ("dense_1/bias", (32,), None, None),
    ("dense_2/kernel", (32, 10), 32, 10),
]
NAMES = [t[0] for t in TENSORS]
L2 = {"conv2d_2/kernel": 0.01, "dense_1/kernel": 0.01}

LRN_R, LRN_BIAS, LRN_ALPHA, LRN_BETA = 2, 1.0, 0.1, 0.75
BATCH = 32
STEPS = 30
N_TEST = 8
HAND_CHECK_STEPS = 3


# ----------------------------------------------------------------- data ----

def read_idx_gz(path, magic, dims):
    data = gzip.decompress(open(path, "rb").read())
    header = struct.unpack(">" + "I" * (1 + len(dims)), data[:4 + 4 * len(dims)])
    assert header[0] == magic, path
    assert list(header[2:]) == dims[1:], path
    n = header[1]
    arr = np.frombuffer(data[4 + 4 * len(dims):], dtype=np.uint8)
    return arr.reshape([n] + dims[1:])


def load_split(split):
    images = read_idx_gz(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"),
                         0x00000803, [0, 28, 28])
    labels = read_idx_gz(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"),
                         0x00000801, [0])
    assert len(images) == len(labels)
    x = images.astype(np.float32) / np.float32(255.0)      # [N,28,28] float32
    x = torch.from_numpy(x).unsqueeze(1)                   # NCHW [N,1,28,28]
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


# ---------------------------------------------------------------- model ----

def tf_same_pads(size, k, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, bias, stride, padding):
    """x NCHW; kernel Keras [kh, kw, in, out]."""
    kh, kw = kernel.shape[0], kernel.shape[1]
    if padding == "same":
        top, bottom = tf_same_pads(x.shape[2], kh, stride)
        left, right = tf_same_pads(x.shape[3], kw, stride)
        x = F.pad(x, (left, right, top, bottom))
    w = kernel.permute(3, 2, 0, 1)          # -> torch [out, in, kh, kw]
    return F.conv2d(x, w, bias, stride=stride)


def lrn_direct(x, r, bias, alpha, beta):
    """TF local_response_normalization over channels of NCHW x."""
    sq = F.pad(x * x, (0, 0, 0, 0, r, r))   # zero channels on both sides
    c = x.shape[1]
    s = sq[:, 0:c]
    for d in range(1, 2 * r + 1):
        s = s + sq[:, d:d + c]
    return x / (bias + alpha * s) ** beta


def avgpool_same_tf(x, size, stride):
    top, bottom = tf_same_pads(x.shape[2], size, stride)
    left, right = tf_same_pads(x.shape[3], size, stride)
    pads = (left, right, top, bottom)
    sums = F.avg_pool2d(F.pad(x, pads), size, stride, divisor_override=1)
    ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype)
    counts = F.avg_pool2d(F.pad(ones, pads), size, stride, divisor_override=1)
    return sums / counts


def forward(p, x):
    """Returns (logits, [outputs of layers 0..7]); 4-D outputs are NCHW."""
    acts = []
    h = torch.relu(conv2d(x, p["conv2d_1/kernel"], p["conv2d_1/bias"], 2, "same"))
    acts.append(h)
    h = F.max_pool2d(h, 2, 2)
    acts.append(h)
    h = lrn_direct(h, LRN_R, LRN_BIAS, LRN_ALPHA, LRN_BETA)
    acts.append(h)
    h = torch.tanh(conv2d(h, p["conv2d_2/kernel"], p["conv2d_2/bias"], 1, "valid"))
    acts.append(h)
    h = avgpool_same_tf(h, 2, 2)
    acts.append(h)
    h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)   # NHWC flatten
    acts.append(h)
    h = torch.sigmoid(h @ p["dense_1/kernel"] + p["dense_1/bias"])
    acts.append(h)
    logits = h @ p["dense_2/kernel"]
    acts.append(torch.softmax(logits, dim=1))
    return logits, acts


def loss_fn(p, x, y):
    logits, _ = forward(p, x)
    ce = -F.log_softmax(logits, dim=1).gather(1, y[:, None]).mean()
    l2 = sum(0.5 * c * (p[n] * p[n]).sum() for n, c in L2.items())
    return ce + l2


def init_params():
    torch.manual_seed(0)
    p = {}
    for name, shape, fan_in, fan_out in TENSORS:
        limit = 0.1 if fan_in is None else math.sqrt(6.0 / (fan_in + fan_out))
        p[name] = torch.empty(shape, dtype=torch.float32).uniform_(-limit, limit)
    return p


def clone_params(p):
    return {n: t.detach().clone().requires_grad_(True) for n, t in p.items()}


def grads_at(p, x, y):
    for t in p.values():
        t.grad = None
    loss = loss_fn(p, x, y)
    loss.backward()
    return loss.item(), {n: t.grad.detach().clone() for n, t in p.items()}


# ----------------------------------------------------------- optimizers ----

def make_torch_opt(kind, params):
    o = OPTIMIZERS[kind]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"],
                               dampening=0, nesterov=o["nesterov"],
                               foreach=False)
    if kind == "adam":
        return torch.optim.Adam(params, lr=o["lr"],
                                betas=(o["beta1"], o["beta2"]),
                                eps=o["epsilon"], foreach=False)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=o["lr"], alpha=o["rho"],
                                   eps=o["epsilon"], momentum=0,
                                   centered=False, foreach=False)
    raise ValueError(kind)


class HandOpt:
    """The update rules exactly as documented, in float32."""

    def __init__(self, kind, params):
        self.kind, self.o, self.t = kind, OPTIMIZERS[kind], 0
        self.p = {n: t.detach().clone() for n, t in params.items()}
        self.s1 = {n: torch.zeros_like(t) for n, t in self.p.items()}
        self.s2 = {n: torch.zeros_like(t) for n, t in self.p.items()}

    def step(self, grads):
        self.t += 1
        o, t = self.o, self.t
        for n, g in grads.items():
            if self.kind == "sgd":
                mu = o["momentum"]
                self.s1[n] = mu * self.s1[n] + g
                self.p[n] = self.p[n] - o["lr"] * (g + mu * self.s1[n])
            elif self.kind == "adam":
                b1, b2 = o["beta1"], o["beta2"]
                self.s1[n] = b1 * self.s1[n] + (1 - b1) * g
                self.s2[n] = b2 * self.s2[n] + (1 - b2) * g * g
                mhat = self.s1[n] / (1 - b1 ** t)
                vhat = self.s2[n] / (1 - b2 ** t)
                self.p[n] = self.p[n] - o["lr"] * mhat / (vhat.sqrt() + o["epsilon"])
            else:
                rho = o["rho"]
                self.s2[n] = rho * self.s2[n] + (1 - rho) * g * g
                self.p[n] = self.p[n] - o["lr"] * g / (self.s2[n].sqrt() + o["epsilon"])


# ---------------------------------------------------------------- output ---

def flist(t):
    """float32 tensor -> nested list of Python floats (exact values)."""
    a = t.detach().cpu().numpy().astype(np.float32)
    return [float(v) for v in a.reshape(-1)] if a.ndim <= 1 else [flist(r) for r in t]


def nhwc_flat(t):
    """One example's activation (CHW or flat) -> flat NHWC list."""
    if t.dim() == 3:
        t = t.permute(1, 2, 0)
    return [float(v) for v in t.detach().numpy().reshape(-1)]


def summarize(t, first8=False):
    a = t.detach().numpy().astype(np.float32).reshape(-1)
    # sums are accumulated in float64 and then stored as written (not
    # rounded to float32): they are checksums compared with a tolerance.
    d = {"sum": float(a.astype(np.float64).sum()),
         "abs_sum": float(np.abs(a).astype(np.float64).sum())}
    if first8:
        d["first8"] = [float(v) for v in a[:8]]
    return d


def write_safetensors(path, params, spec_str):
    header = {"__metadata__": {"format": "cnn-playground/1", "spec": spec_str}}
    blobs, off = [], 0
    for name in NAMES:
        a = params[name].detach().numpy().astype("<f4")
        b = a.tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((-(8 + len(hb))) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert (8 + n) % 8 == 0
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__")
    out, expect = {}, 0
    for name, info in header.items():
        b, e = info["data_offsets"]
        assert b == expect and info["dtype"] == "F32"
        expect = e
        out[name] = np.frombuffer(data[8 + n + b:8 + n + e], dtype="<f4").reshape(info["shape"])
    assert 8 + n + expect == len(data)
    return meta, list(header.keys()), out


def dump_json(obj, indent=0):
    """JSON with lists of numbers kept on one line (compact yet diffable)."""
    pad, pad1 = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad1}{json.dumps(k)}: {dump_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(isinstance(v, (list, dict)) for v in obj):
        items = [pad1 + dump_json(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


# ------------------------------------------------------------------ main ---

def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT_DIR, exist_ok=True)

    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    assert x_train.shape == (1000, 1, 28, 28) and x_test.shape == (500, 1, 28, 28)
    assert x_train.dtype == torch.float32

    # --- sanity checks of the layer conventions ---------------------------
    assert tf_same_pads(28, 5, 2) == (1, 2)
    assert tf_same_pads(5, 2, 2) == (0, 1)
    g = torch.Generator().manual_seed(123)
    t = torch.randn(4, 6, 7, 7, generator=g) * 2
    a = lrn_direct(t, LRN_R, LRN_BIAS, LRN_ALPHA, LRN_BETA)
    b = F.local_response_norm(t, size=2 * LRN_R + 1, alpha=LRN_ALPHA * (2 * LRN_R + 1),
                              beta=LRN_BETA, k=LRN_BIAS)
    # direct loop, independent of both
    tn = t.double().numpy()
    ref = np.empty_like(tn)
    for c in range(6):
        lo, hi = max(0, c - LRN_R), min(6, c + LRN_R + 1)
        ref[:, c] = tn[:, c] / (LRN_BIAS + LRN_ALPHA * (tn[:, lo:hi] ** 2).sum(1)) ** LRN_BETA
    assert torch.allclose(a, b, rtol=1e-5, atol=1e-6), (a - b).abs().max()
    assert np.allclose(a.double().numpy(), ref, rtol=1e-5, atol=1e-6)
    t5 = torch.randn(2, 3, 5, 5, generator=g)
    ap = avgpool_same_tf(t5, 2, 2)
    assert ap.shape == (2, 3, 3, 3)
    assert torch.allclose(ap[:, :, 2, 2], t5[:, :, 4, 4])
    assert torch.allclose(ap[:, :, 0, 2], t5[:, :, 0:2, 4].mean(-1))
    assert torch.allclose(ap[:, :, 1, 1], t5[:, :, 2:4, 2:4].mean((-1, -2)))

    # --- initial weights ----------------------------------------------------
    init = init_params()
    spec_str = json.dumps(SPEC, separators=(",", ":"))
    st_path = os.path.join(OUT_DIR, "init.safetensors")
    write_safetensors(st_path, init, spec_str)
    meta, order, back = read_safetensors(st_path)
    assert order == NAMES and json.loads(meta["spec"]) == SPEC
    for n in NAMES:
        assert np.array_equal(back[n], init[n].numpy())
    with open(os.path.join(OUT_DIR, "spec.json"), "w") as f:
        f.write(json.dumps(SPEC, indent=2) + "\n")

    # --- initial forward / gradient ------------------------------------------
    p0 = clone_params(init)
    with torch.no_grad():
        logits0, _ = forward(p0, x_test[:N_TEST])
        _, acts = forward(p0, x_test[:1])
    shapes = []
    for a in acts:
        shapes.append(list(a.shape[1:]) if a.dim() == 2 else
                      [a.shape[2], a.shape[3], a.shape[1]])
    assert shapes == [[14, 14, 6], [7, 7, 6], [7, 7, 6], [5, 5, 8], [3, 3, 8],
                      [72], [32], [10]], shapes
    xb, yb = x_train[:BATCH], y_train[:BATCH]
    loss0, grads0 = grads_at(p0, xb, yb)
    # L2 gradient check: d/dk of 0.5*l2*sum(k^2) is l2*k, so the gradient with
    # L2 minus the one without must equal l2 * kernel.
    logits_b, _ = forward(p0, xb)
    ce_only = F.cross_entropy(logits_b, yb)
    assert abs(ce_only.item() + sum(0.5 * c * (init[n] ** 2).sum().item()
                                    for n, c in L2.items()) - loss0) < 1e-5
    g_ce = torch.autograd.grad(ce_only, [p0[n] for n in NAMES])
    for n, gce in zip(NAMES, g_ce):
        assert torch.allclose(grads0[n] - gce, L2.get(n, 0.0) * init[n], atol=1e-7)

    initial = {
        "test_logits": flist(logits0),
        "test_probs": flist(torch.softmax(logits0, dim=1)),
        "activations": [nhwc_flat(a[0]) for a in acts],
        "activation_shapes": shapes,
        "train_batch0_loss": float(np.float32(loss0)),
    }
    initial_loss_grad = {n: summarize(grads0[n], first8=True) for n in NAMES}

    # --- training runs -------------------------------------------------------
    runs = {}
    for kind in ("sgd", "adam", "rmsprop"):
        p = clone_params(init)
        opt = make_torch_opt(kind, [p[n] for n in NAMES])
        hand = HandOpt(kind, init)
        losses = []
        for s in range(STEPS):
            xs, ys = x_train[s * BATCH:(s + 1) * BATCH], y_train[s * BATCH:(s + 1) * BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(p, xs, ys)
            loss.backward()
            losses.append(float(np.float32(loss.item())))
            grads = {n: p[n].grad.detach().clone() for n in NAMES}
            opt.step()
            if s < HAND_CHECK_STEPS:
                hand.step(grads)
                for n in NAMES:
                    diff = (hand.p[n] - p[n].detach()).abs().max().item()
                    assert diff < 1e-6, (kind, s, n, diff)
        with torch.no_grad():
            logits, _ = forward(p, x_test[:N_TEST])
            probs = torch.softmax(logits, dim=1)
        assert torch.allclose(probs.sum(1), torch.ones(N_TEST), atol=1e-5)
        runs[kind] = {
            "optimizer": OPTIMIZERS[kind],
            "loss": losses,
            "test_probs": flist(probs),
            "final_weights_sum": {n: summarize(p[n]) for n in NAMES},
        }
        first, last = np.mean(losses[:5]), np.mean(losses[-5:])
        print(f"{kind:8s} loss: " + " ".join(f"{v:.4f}" for v in losses))
        print(f"{kind:8s} mean of first 5 {first:.4f} -> last 5 {last:.4f}; "
              f"test argmax {probs.argmax(1).tolist()} labels {y_test[:N_TEST].tolist()}")
        assert last < first, f"{kind}: loss did not go down"

    expected = {
        "spec": SPEC,
        "meta": {
            "generator": "tools/golden_pytorch.py",
            "torch_version": torch.__version__,
            "data": "tests/data/mnist-small (first 1000 train / 500 test MNIST examples)",
            "steps": STEPS,
            "batch_size": BATCH,
            "num_test": N_TEST,
            "test_labels": y_test[:N_TEST].tolist(),
            "train_batch0_labels": yb.tolist(),
            "tensors": NAMES,
        },
        "initial": initial,
        "initial_loss_grad": initial_loss_grad,
        "runs": runs,
    }
    text = dump_json(expected) + "\n"
    assert json.loads(text) == expected
    with open(os.path.join(OUT_DIR, "expected.json"), "w") as f:
        f.write(text)
    print(f"initial batch-0 loss {loss0:.6f}")
    print(f"wrote {OUT_DIR}")


if __name__ == "__main__":
    main()
