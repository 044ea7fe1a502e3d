// Where a convolution or pooling window goes: the output size and the padding actually used on
// each side, by TensorFlow's rules. The one place these rules are written; the layers, the
// trainer's stand-alone conv2d/pool2d, the ONNX exporter and (through them) the page use it.
// Not the kernels: they take the numbers from here in their params struct.
#pragma once

#include <string>

#include "core/layers/layer_spec.h"

namespace cnn {

// One axis: `out` windows, `pad_before` zeros read before the first pixel, `pad_after` after the
// last one (only the zeros some window really covers).
struct AxisGeometry {
  int out = 0, pad_before = 0, pad_after = 0;
};

struct WindowGeometry {
  AxisGeometry h, w;
};

// Input size `in`, window `k`, stride `s` (both at least 1):
//   valid:      out = ceil((in - k + 1) / s), no padding
//   same:       out = ceil(in / s), total pad max((out - 1) s + k - in, 0), before = total / 2
//               (rounded down), after = the rest (the odd pixel goes bottom/right)
//   explicit P: out = floor((in - k + 2P) / s) + 1, before = P, after = the part of P the last
//               window reaches, max((out - 1) s + k - in - P, 0) (at most P)
// out = 0 when no window fits (then the pads are the declared ones).
AxisGeometry axis_geometry(int in, int k, int s, const PaddingSpec& pad);

// Both axes of a `what` ("kernel" or "window") kh x kw moved by sh x sw over an h x w input.
// Throws Error, starting with `who` ("layer 2 (conv2d)", "conv2d"), for a stride below 1, a
// negative padding, or a window that fits nowhere:
//   "<who>: kernel 5 is larger than its 3x3 input; use padding \"same\" or a smaller kernel"
WindowGeometry window_geometry(const std::string& who, const char* what, int h, int w, int kh,
                               int kw, int sh, int sw, const PaddingSpec& pad);

// "5" for 5x5, "3x5" otherwise (how summaries and errors write a window).
std::string size_text(int a, int b);
// "3x3 s1 same", "5x5 s2 pad 1": a window for summaries.
std::string window_text(int kh, int kw, int sh, int sw, const PaddingSpec& pad);

}  // namespace cnn
