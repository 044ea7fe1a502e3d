#!/usr/bin/env python3
# to_pytorch.py: builds the torch.nn.Sequential of a CNN Playground model (any spec) and loads its
# weights from the model file, for users who move on to PyTorch (its GPUs, its distributed
# training). It converts and checks; it does not train, and writes only the --save file asked for.
"""Usage: to_pytorch.py MODEL.safetensors [--check IDX] [--count N] [--compare PROBS.json]
                       [--tolerance T] [--save OUT.pt]

Prints the nn.Sequential built from the spec in the file's "spec" metadata. With --check, runs the
first N images (default 100) of an IDX image file through it and prints the largest difference
from the NumPy forward pass of tools/check_safetensors.py (and, with --compare, from the CLI's
probabilities, the output of `cnn eval --model MODEL --limit N --json --probs`); exits 1 above the
tolerance (default 1e-4) or when a top class differs. --save writes the module as TorchScript
(torch.jit.load reads it, without this file).

In Python:
    from to_pytorch import load_sequential
    model = load_sequential("model.safetensors")   # eval() mode, float32
    probs = model(images)   # images: float32 [N, 1, 28, 28] (NCHW) in [0, 1]

The layout inside is PyTorch's NCHW; the model file's is NHWC (Keras), so conv kernels
[KH, KW, C, K] become [K, C, KH, KW] and dense kernels [in, units] become [units, in], and a
flatten first permutes to NHWC so that dense layers read the features in the order they were
trained in. The last module is the softmax: for training in PyTorch, drop it and use
nn.CrossEntropyLoss on the logits. TensorFlow's asymmetric SAME padding becomes nn.ZeroPad2d
before a convolution and nn.ConstantPad2d(-inf) before max pooling (followed by nn.Threshold(-inf,
0) where a window can hold only padding, which the core takes as 0). Two small modules stand in
where torch.nn has no exact equivalent: NhwcFlatten, and TfAvgPool2d (average pooling whose
padding is asymmetric or wider than half the window, never counting the padding). Everything else
is plain torch.nn.
"""

import argparse
import os
import sys

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit(f"to_pytorch.py needs PyTorch and NumPy, which {sys.executable} cannot import: "
             "install Debian's python3-torch (and python3-numpy) and run /usr/bin/python3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_safetensors as st  # noqa: E402  (the strict reader and the NumPy forward pass)


class NhwcFlatten(nn.Module):
    """[N, C, H, W] -> [N, H*W*C] in NHWC row order (the order Keras' Flatten and the core use)."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).flatten(1) if x.dim() == 4 else x.flatten(1)


class TfAvgPool2d(nn.Module):
    """Average pooling over windows clipped to the input, as TensorFlow's SAME pooling: zero
    padding (left, right, top, bottom) is summed but never counted. A window holding no input
    pixel gives 0. Used where nn.AvgPool2d(count_include_pad=False) cannot express the padding
    (asymmetric, or more than half the window)."""

    def __init__(self, size, stride, pads, in_hw):
        super().__init__()
        self.size, self.stride, self.pads = size, stride, pads
        count = self.window_sum(torch.ones(1, 1, *in_hw))  # input pixels under each window
        scale = torch.where(count > 0, 1.0 / count.clamp(min=1), torch.zeros_like(count))
        self.register_buffer("scale", scale)

    def window_sum(self, x):
        return nn.functional.avg_pool2d(nn.functional.pad(x, self.pads), self.size, self.stride,
                                        divisor_override=1)

    def forward(self, x):
        return self.window_sum(x) * self.scale

    def extra_repr(self):
        return f"kernel_size={self.size}, stride={self.stride}, pads(l,r,t,b)={self.pads}"


def activation_module(name, image_shape=None):
    """The module of an activation, or None for linear. Softmax normalises each whole example, so
    on an image [C, H, W] it flattens, normalises and restores the shape (the order of values
    within an example does not matter to a softmax)."""
    if name == "linear":
        return None
    if name == "softmax":
        if image_shape is None:
            return nn.Softmax(dim=1)
        return nn.Sequential(nn.Flatten(), nn.Softmax(dim=1), nn.Unflatten(1, image_shape))
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[name]()


def paddings(hw, size, stride, padding):
    """Output (OH, OW) and the padding (left, right, top, bottom) the windows need, by the spec's
    rules (see check_safetensors.out_size)."""
    oh, pt, pb = st.out_size(hw[0], size[0], stride[0], padding)
    ow, pl, pr = st.out_size(hw[1], size[1], stride[1], padding)
    return (oh, ow), (pl, pr, pt, pb)


def symmetric(pads, hw, size, stride, out, pooling):
    """The one padding (ph, pw) that nn.Conv2d / nn.MaxPool2d / nn.AvgPool2d can take in place of
    `pads` (left, right, top, bottom), or None. Theirs is the same on both sides, so it serves when
    the far side needs no more than the near side and the output size stays the same (the surplus
    then only widens the last window into unused padding); pooling also takes at most half the
    window."""
    pl, pr, pt, pb = pads
    if pt < pb or pl < pr:
        return None
    if pooling and (pt > size[0] // 2 or pl > size[1] // 2):
        return None
    for axis, p in ((0, pt), (1, pl)):
        if (hw[axis] + 2 * p - size[axis]) // stride[axis] + 1 != out[axis]:
            return None
    return pt, pl


def build_sequential(spec, tensors=None):
    """The nn.Sequential of a normalised spec (as stored in a model file), with the weights from
    `tensors` ({Keras name: array [KH, KW, C, K] or [in, units]}) when given. Input [N, C, H, W]."""
    h, w, c = spec["input"]
    shape = (c, h, w)  # the current activation, CHW; (units,) once flat
    modules = []
    counters = {}

    def weight(name):
        if tensors is None:
            return None
        if name not in tensors:
            raise st.Invalid(f"no tensor {name!r}")
        return torch.tensor(tensors[name], dtype=torch.float32)

    for i, layer in enumerate(spec["layers"]):
        kind = layer["type"]
        counters[kind] = counters.get(kind, 0) + 1
        name = f"{kind}_{counters[kind]}"
        where = f"layer {i} ({kind})"
        if kind in ("conv2d", "maxpool2d", "avgpool2d") and len(shape) != 3:
            raise st.Invalid(f"{where}: needs an image input, not a vector of {shape[0]}")
        if kind == "conv2d":
            size, stride = st.pair(layer["kernel"]), st.pair(layer["stride"])
            (oh, ow), pads = paddings(shape[1:], size, stride, layer["padding"])
            pad = symmetric(pads, shape[1:], size, stride, (oh, ow), pooling=False)
            if pad is None:
                modules.append(nn.ZeroPad2d(pads))
                pad = (0, 0)
            conv = nn.Conv2d(shape[0], layer["filters"], size, stride, pad, bias=layer["use_bias"])
            if tensors is not None:
                with torch.no_grad():
                    conv.weight.copy_(weight(f"{name}/kernel").permute(3, 2, 0, 1))
                    if layer["use_bias"]:
                        conv.bias.copy_(weight(f"{name}/bias"))
            modules.append(conv)
            shape = (layer["filters"], oh, ow)
            act = activation_module(layer["activation"], shape)
            if act is not None:
                modules.append(act)
        elif kind in ("maxpool2d", "avgpool2d"):
            size, stride = st.pair(layer["size"]), st.pair(layer["stride"])
            (oh, ow), pads = paddings(shape[1:], size, stride, layer["padding"])
            pad = symmetric(pads, shape[1:], size, stride, (oh, ow), pooling=True)
            if kind == "maxpool2d":
                if pad is None:
                    modules.append(nn.ConstantPad2d(pads, float("-inf")))
                    pad = (0, 0)
                modules.append(nn.MaxPool2d(size, stride, pad))
                if max(pads[:2]) >= size[1] or max(pads[2:]) >= size[0]:
                    # Padding as wide as the window: some windows hold only padding, -inf here
                    # but 0 in the core. Threshold keeps every finite value and turns -inf to 0.
                    modules.append(nn.Threshold(float("-inf"), 0.0))
            elif pad is not None:
                modules.append(nn.AvgPool2d(size, stride, pad, count_include_pad=False))
            else:
                modules.append(TfAvgPool2d(size, stride, pads, shape[1:]))
            shape = (shape[0], oh, ow)
        elif kind == "lrn":
            # torch: x / (k + alpha / n * sum over n channels [c - n//2, c + (n-1)//2] of x^2)^beta;
            # TF: x / (bias + alpha * sum over [c - r, c + r])^beta. So n = 2r + 1, alpha * n.
            r = layer["depth_radius"]
            n = 2 * r + 1
            norm = nn.LocalResponseNorm(n, alpha=layer["alpha"] * n, beta=layer["beta"],
                                        k=layer["bias"])
            if len(shape) == 3:
                modules.append(norm)
            else:  # LocalResponseNorm needs [N, C, ...]: a vector's units are its channels.
                modules.append(nn.Sequential(nn.Unflatten(1, (shape[0], 1)), norm, nn.Flatten()))
        elif kind == "flatten":
            if len(shape) == 3:
                modules.append(NhwcFlatten())
                shape = (shape[0] * shape[1] * shape[2],)
        elif kind == "dense":
            if len(shape) == 3:  # a dense layer reads an image flat in NHWC order
                modules.append(NhwcFlatten())
                shape = (shape[0] * shape[1] * shape[2],)
            linear = nn.Linear(shape[0], layer["units"], bias=layer["use_bias"])
            if tensors is not None:
                with torch.no_grad():
                    linear.weight.copy_(weight(f"{name}/kernel").T)
                    if layer["use_bias"]:
                        linear.bias.copy_(weight(f"{name}/bias"))
            modules.append(linear)
            shape = (layer["units"],)
            act = activation_module(layer["activation"])
            if act is not None:
                modules.append(act)
        elif kind == "dropout":
            modules.append(nn.Dropout(layer["rate"]))
        elif kind == "activation":
            act = activation_module(layer["activation"], shape if len(shape) == 3 else None)
            if act is not None:
                modules.append(act)
        else:
            raise st.Invalid(f"{where}: unknown layer type {kind!r}")
    return nn.Sequential(*modules)


def load_sequential(path):
    """Reads a model file (strictly, see check_safetensors.read) and returns its nn.Sequential
    with the weights loaded, in eval() mode."""
    import numpy as np

    spec, tensors = st.load_model(path)
    # The NumPy pass on one blank image checks every tensor's name and shape, and that none is left.
    st.forward(spec, tensors, np.zeros([1] + list(spec["input"])))
    return build_sequential(spec, tensors).eval()


def main(argv):
    parser = argparse.ArgumentParser(prog="to_pytorch.py", description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", metavar="MODEL.safetensors")
    parser.add_argument("--check", metavar="IDX", help="IDX image file to compare on")
    parser.add_argument("--count", type=int, default=100, help="images to compare (default 100)")
    parser.add_argument("--compare", metavar="PROBS.json",
                        help="the CLI's probabilities: "
                             "cnn eval --model MODEL --limit N --json --probs")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--save", metavar="OUT.pt", help="write the module as TorchScript")
    args = parser.parse_args(argv)
    try:
        model = load_sequential(args.model)
        if not args.check:
            print(model)
        else:
            spec, tensors = st.load_model(args.model)
            x = st.read_idx_images(args.check, args.count)
            with torch.no_grad():
                nchw = torch.tensor(x, dtype=torch.float32).permute(0, 3, 1, 2)
                ours = model(nchw).double().numpy()
            references = [("numpy", st.forward(spec, tensors, x))]
            if args.compare:
                references.append(("cli", st.read_probabilities(args.compare, args.count)))
            status = 0
            for label, theirs in references:
                max_diff, worst, mismatched = st.compare(ours, theirs)
                ok = max_diff <= args.tolerance and not mismatched
                print(f"{args.model}: max |torch - {label}| = {max_diff:.3e} over {args.count} "
                      f"images (at image {worst}; tolerance {args.tolerance:g}); top class "
                      f"differs on {len(mismatched)} images{'' if ok else ': MISMATCH'}")
                status |= 0 if ok else 1
            if status:
                return 1
        if args.save:
            spec = st.load_model(args.model)[0]
            h, w, c = spec["input"]
            # TorchScript: torch.jit.load reads it without this file (a pickled module would need
            # NhwcFlatten's and TfAvgPool2d's source under the same module name).
            with torch.no_grad():
                torch.jit.trace(model, torch.zeros(1, c, h, w)).save(args.save)
            print(f"saved {args.save} (TorchScript: torch.jit.load)")
    except (st.Invalid, OSError, ValueError) as e:
        print(f"{args.model}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
