// Known values of window_geometry: TensorFlow's SAME and VALID and explicit padding, strides 1-3,
// the odd SAME pixel after, the explicit padding the last window does not reach, and the one
// sentence for a window that fits nowhere. Also the padding parser the spec, CLI and page share.
#include "core/layers/window_geometry.h"

#include <catch2/catch.hpp>

#include "core/tensor/error.h"

using namespace cnn;
using Catch::Matchers::Contains;

namespace {

PaddingSpec same() { return PaddingSpec{PaddingSpec::kSame, 0}; }
PaddingSpec valid() { return PaddingSpec{PaddingSpec::kValid, 0}; }
PaddingSpec pad(int n) { return PaddingSpec{PaddingSpec::kExplicit, n}; }

struct Case {
  int in, k, s;
  PaddingSpec pad;
  int out, before, after;
};

void check(const Case& c) {
  INFO("in " << c.in << " k " << c.k << " s " << c.s << " padding " << padding_name(c.pad));
  const AxisGeometry g = axis_geometry(c.in, c.k, c.s, c.pad);
  CHECK(g.out == c.out);
  CHECK(g.pad_before == c.before);
  CHECK(g.pad_after == c.after);
}

}  // namespace

TEST_CASE("tf.nn.conv2d output sizes on a 5x5 input with a 3x3 kernel, strides 1-3",
          "[geometry][known]") {
  const Case cases[] = {
      {5, 3, 1, valid(), 3, 0, 0}, {5, 3, 1, same(), 5, 1, 1},   // 3x3 and 5x5
      {5, 3, 2, same(), 3, 1, 1},  {5, 3, 2, valid(), 2, 0, 0},  // 3x3 and 2x2
      {5, 3, 3, valid(), 1, 0, 0},                               // ceil(3 / 3)
      {5, 3, 3, same(), 2, 0, 1},                                // total pad (2-1)*3 + 3 - 5 = 1
  };
  for (const Case& c : cases) check(c);
}

TEST_CASE("SAME puts the odd padding pixel after (bottom/right)", "[geometry][known]") {
  const Case cases[] = {
      {28, 5, 2, same(), 14, 1, 2},  // total 13*2 + 5 - 28 = 3
      {5, 2, 2, same(), 3, 0, 1},    // total 2*2 + 2 - 5 = 1
      {6, 3, 2, same(), 3, 0, 1},    // total 1
      {5, 4, 1, same(), 5, 1, 2},    // total 3 with stride 1
      {8, 3, 3, same(), 3, 0, 1},    // total 2*3 + 3 - 8 = 1
      {7, 3, 3, same(), 3, 1, 1},    // total 2
      {28, 2, 2, same(), 14, 0, 0},  // windows tile the input: no padding
      {3, 5, 1, same(), 3, 2, 2},    // SAME always fits, even a kernel larger than the input
  };
  for (const Case& c : cases) check(c);
}

TEST_CASE("VALID: ceil((W - F + 1) / S), never padded", "[geometry][known]") {
  const Case cases[] = {
      {28, 5, 1, valid(), 24, 0, 0}, {28, 5, 2, valid(), 12, 0, 0}, {28, 5, 3, valid(), 8, 0, 0},
      {7, 3, 3, valid(), 2, 0, 0},   {3, 3, 1, valid(), 1, 0, 0},
  };
  for (const Case& c : cases) check(c);
}

TEST_CASE("explicit P: floor((W - F + 2P) / S) + 1, P before, after only what a window reaches",
          "[geometry][known]") {
  const Case cases[] = {
      {5, 3, 2, pad(1), 3, 1, 1},  // the cs231n demo: (5 - 3 + 2) / 2 + 1 = 3
      {7, 3, 2, pad(1), 4, 1, 1},  // (7 - 3 + 2) / 2 + 1 = 4
      {5, 3, 1, pad(0), 3, 0, 0},  // P = 0 is VALID
      {6, 3, 2, pad(1), 3, 1, 0},  // 5 / 2 floors: the last window ends on the last pixel
      {8, 3, 3, pad(1), 3, 1, 0},  // 7 / 3 floors
      {5, 3, 3, pad(2), 3, 2, 2},  // 6 / 3: the last window covers both pixels after
      {9, 3, 3, pad(2), 4, 2, 1},  // 10 / 3 floors, one of the two pixels after used
      {2, 5, 1, pad(2), 2, 2, 2},  // padding makes a kernel larger than the input fit
  };
  for (const Case& c : cases) check(c);
}

TEST_CASE("a window that fits nowhere is refused in one sentence", "[geometry][errors]") {
  CHECK(axis_geometry(3, 5, 1, valid()).out == 0);
  CHECK(axis_geometry(2, 5, 1, pad(1)).out == 0);
  CHECK_THROWS_WITH(
      window_geometry("layer 4 (conv2d)", "kernel", 3, 3, 5, 5, 1, 1, valid()),
      "layer 4 (conv2d): kernel 5 is larger than its 3x3 input; use padding \"same\" or a "
      "smaller kernel");
  CHECK_THROWS_WITH(
      window_geometry("pool2d", "window", 28, 3, 2, 4, 2, 2, valid()),
      "pool2d: window 2x4 is larger than its 28x3 input; use padding \"same\" or a smaller "
      "window");
  CHECK_THROWS_WITH(
      window_geometry("conv2d", "kernel", 2, 2, 5, 5, 1, 1, pad(1)),
      "conv2d: kernel 5 is larger than its 2x2 input with padding 1 (4x4); use padding "
      "\"same\" or a smaller kernel");
  CHECK_NOTHROW(window_geometry("conv2d", "kernel", 3, 3, 5, 5, 1, 1, same()));
  CHECK_THROWS_WITH(window_geometry("conv2d", "kernel", 5, 5, 3, 3, 0, 1, valid()),
                    "conv2d: the stride must be a positive integer");
  CHECK_THROWS_WITH(window_geometry("conv2d", "kernel", 5, 5, 3, 3, 1, 1, pad(-1)),
                    "conv2d: the padding must not be negative");
  const WindowGeometry g = window_geometry("conv2d", "kernel", 28, 5, 5, 2, 2, 2, same());
  CHECK(g.h.out == 14);
  CHECK(g.h.pad_after == 2);
  CHECK(g.w.out == 3);
  CHECK(g.w.pad_after == 1);
}

TEST_CASE("padding: one parser and one name for the spec, the CLI and the page",
          "[geometry][spec]") {
  CHECK(parse_padding("same", "x").kind == PaddingSpec::kSame);
  CHECK(parse_padding("valid", "x").kind == PaddingSpec::kValid);
  const PaddingSpec two = parse_padding("2", "x");
  CHECK(two.kind == PaddingSpec::kExplicit);
  CHECK(two.amount == 2);
  CHECK(parse_padding("0", "x").amount == 0);
  CHECK(parse_padding("1024", "x").amount == 1024);
  for (const char* bad : {"1025", "-1", "2.5", "", "SAME", "full", " 2"}) {
    INFO("\"" << bad << "\"");
    CHECK_THROWS_WITH(
        parse_padding(bad, "layer 0 (conv2d)"),
        std::string("layer 0 (conv2d): \"padding\" must be \"same\", \"valid\" or a number of "
                    "pixels from 0 to 1024, not \"") +
            bad + "\"");
  }
  for (const PaddingSpec& p : {same(), valid(), pad(0), pad(3)}) {
    const PaddingSpec back = parse_padding(padding_name(p), "x");
    CHECK(back.kind == p.kind);
    CHECK(back.amount == p.amount);
  }
  CHECK(padding_name(pad(3)) == "3");
  CHECK(window_text(3, 3, 1, 1, same()) == "3 s1 same");
  CHECK(window_text(5, 3, 2, 2, pad(1)) == "5x3 s2 pad 1");
}
