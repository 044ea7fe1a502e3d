// The window rules of window_geometry.h.
#include "core/layers/window_geometry.h"

#include <algorithm>

#include "core/tensor/error.h"

namespace cnn {

AxisGeometry axis_geometry(int in, int k, int s, const PaddingSpec& pad) {
  AxisGeometry g;
  switch (pad.kind) {
    case PaddingSpec::kValid:
      g.out = in >= k ? (in - k) / s + 1 : 0;
      break;
    case PaddingSpec::kSame:
      g.out = (in + s - 1) / s;
      g.pad_before = std::max((g.out - 1) * s + k - in, 0) / 2;
      break;
    case PaddingSpec::kExplicit:
      g.pad_before = pad.amount;
      g.out = in + 2 * pad.amount >= k ? (in - k + 2 * pad.amount) / s + 1 : 0;
      if (g.out < 1) g.pad_after = pad.amount;
      break;
  }
  if (g.out >= 1) g.pad_after = std::max((g.out - 1) * s + k - in - g.pad_before, 0);
  return g;
}

std::string size_text(int a, int b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "x" + std::to_string(b);
}

WindowGeometry window_geometry(const std::string& who, const char* what, int h, int w, int kh,
                               int kw, int sh, int sw, const PaddingSpec& pad) {
  if (sh < 1 || sw < 1) throw Error(who + ": the stride must be a positive integer");
  if (pad.kind == PaddingSpec::kExplicit && pad.amount < 0)
    throw Error(who + ": the padding must not be negative");
  const WindowGeometry g{axis_geometry(h, kh, sh, pad), axis_geometry(w, kw, sw, pad)};
  if (g.h.out < 1 || g.w.out < 1) {
    const std::string input = std::to_string(h) + "x" + std::to_string(w);
    const std::string padded = pad.kind == PaddingSpec::kExplicit && pad.amount > 0
                                   ? " with padding " + std::to_string(pad.amount) + " (" +
                                         std::to_string(h + 2 * pad.amount) + "x" +
                                         std::to_string(w + 2 * pad.amount) + ")"
                                   : "";
    throw Error(who + ": " + what + " " + size_text(kh, kw) + " is larger than its " + input +
                " input" + padded + "; use padding \"same\" or a smaller " + what);
  }
  return g;
}

std::string window_text(int kh, int kw, int sh, int sw, const PaddingSpec& pad) {
  return size_text(kh, kw) + " s" + size_text(sh, sw) + " " +
         (pad.kind == PaddingSpec::kExplicit ? "pad " : "") + padding_name(pad);
}

}  // namespace cnn
