// The model spec: presets, normalisation round trip, summaries, and a clear message for every
// malformed or contradictory spec (naming the layer, its type and the field).
#include "core/model/spec.h"

#include <catch2/catch.hpp>

#include "core/model/network.h"
#include "core/model/presets.h"
#include "core/tensor/error.h"

using namespace cnn;
using Catch::Contains;

namespace {
ModelSummary summarize(const std::string& json) { return Network(parse_spec(json)).summary(); }

std::string with_layers(const std::string& layers, const std::string& extra = "") {
  return R"({"input": [28, 28, 1], "layers": [)" + layers + "]" + extra + "}";
}
}  // namespace

TEST_CASE("presets build with the published parameter and MAC counts", "[spec]") {
  REQUIRE(preset_files().size() == 4);
  const ModelSummary k = summarize(preset_json("keras-book"));
  CHECK(k.params == 93322);
  CHECK(k.macs == 2794240);
  REQUIRE(k.layers.size() == 8);
  CHECK(k.layers[0].output == Shape{26, 26, 32});
  CHECK(k.layers[2].output == Shape{11, 11, 64});
  CHECK(k.layers[4].output == Shape{3, 3, 64});
  CHECK(k.layers[5].output == Shape{576});
  CHECK(k.layers[2].params == 18496);
  CHECK(k.layers[2].macs == 2230272);
  const ModelSummary tiny = summarize(preset_json("tiny"));
  CHECK(tiny.params == 5994);
  CHECK(tiny.macs == 786560);
  CHECK(tiny.layers[3].output == Shape{4, 4, 16});
  const ModelSummary tf = summarize(preset_json("tf-tutorial"));
  CHECK(tf.params == 3274634);
  CHECK(tf.layers[3].output == Shape{7, 7, 64});
  const ModelSummary tfl = summarize(preset_json("tflearn"));
  CHECK(tfl.layers[4].output == Shape{7, 7, 64});
  CHECK(tfl.params == 320 + 18496 + (3136 * 128 + 128) + (128 * 256 + 256) + 2570);
  CHECK_THROWS_WITH(preset_json("lenet"),
                    Contains("unknown preset \"lenet\"") && Contains("keras-book"));
}

TEST_CASE("spec_to_json round-trips every preset with defaults made explicit", "[spec]") {
  for (const PresetFile& f : preset_files()) {
    const ModelSpec a = parse_spec(f.json);
    const std::string once = spec_to_json(a);
    const std::string twice = spec_to_json(parse_spec(once));
    INFO(f.name);
    CHECK(once == twice);
    CHECK(once.find("\"use_bias\"") != std::string::npos);
  }
  const ModelSpec s = parse_spec(preset_json("keras-book"));
  CHECK(s.layers[1].sh == 2);  // pool stride defaults to its size
  CHECK(s.layers[3].sh == 2);
  CHECK(s.layers[2].padding.kind == PaddingSpec::kValid);
  CHECK(s.optimizer.type == "rmsprop");
  CHECK(s.optimizer.lr == Approx(0.002f));
  CHECK(s.batch_size == 64);
}

TEST_CASE("tf.nn.conv2d shape table through real layers", "[spec]") {
  // 5x5 input, 3x3 kernel: VALID s1 3x3, SAME s1 5x5, SAME s2 3x3, VALID s2 2x2; 5x5x5 inputs with
  // 1 and 7 output channels.
  struct Case {
    const char* padding;
    int stride, channels, filters;
    Shape out;
  };
  const Case cases[] = {{"valid", 1, 1, 1, {3, 3, 1}}, {"same", 1, 1, 1, {5, 5, 1}},
                        {"same", 2, 1, 1, {3, 3, 1}},  {"valid", 2, 1, 1, {2, 2, 1}},
                        {"valid", 1, 5, 1, {3, 3, 1}}, {"valid", 1, 5, 7, {3, 3, 7}},
                        {"same", 1, 5, 7, {5, 5, 7}}};
  for (const Case& c : cases) {
    const std::string spec = R"({"input": [5, 5, )" + std::to_string(c.channels) + R"(], "layers": [
      {"type": "conv2d", "filters": )" +
                             std::to_string(c.filters) + R"(, "kernel": 3, "stride": )" +
                             std::to_string(c.stride) + R"(, "padding": ")" + c.padding + R"("},
      {"type": "dense", "units": 2, "activation": "softmax"}]})";
    const ModelSummary s = summarize(spec);
    INFO(c.padding << " stride " << c.stride << " C " << c.channels << " K " << c.filters);
    CHECK(s.layers[0].output == c.out);
    CHECK(s.layers[0].params == 9 * c.channels * c.filters + c.filters);
  }
}

TEST_CASE("malformed and contradictory specs give one clear message", "[spec][errors]") {
  const std::string softmax = R"({"type": "dense", "units": 10, "activation": "softmax"})";
  CHECK_THROWS_WITH(parse_spec("{\"layers\": [}"), Contains("spec is not valid JSON"));
  CHECK_THROWS_WITH(parse_spec("[1, 2]"), Contains("must be a JSON object"));
  // Found by fuzz_spec: an integer too large for 64 bits is a JSON error too, not a crash.
  CHECK_THROWS_WITH(parse_spec(R"({"seed": 1e400})"),
                    Contains("spec is not valid JSON: number overflow"));
  CHECK_THROWS_WITH(parse_spec(R"({"input": [28, 28, 1]})"),
                    Contains("\"layers\" must be a non-empty array"));
  CHECK_THROWS_WITH(parse_spec(with_layers(R"({"type": "conv3d", "filters": 3})")),
                    Contains("layer 0 (conv3d): unknown layer type \"conv3d\""));
  CHECK_THROWS_WITH(parse_spec(with_layers(R"({"type": "conv2d", "filters": 0, "kernel": 3})")),
                    Contains("layer 0 (conv2d): \"filters\" is 0 but must be at least 1"));
  CHECK_THROWS_WITH(
      parse_spec(with_layers(R"({"type": "conv2d", "filters": 4, "kernel": 3, "stride": -1})")),
      Contains("layer 0 (conv2d): \"stride\" is -1 but must be a positive integer"));
  CHECK_THROWS_WITH(parse_spec(with_layers(R"({"type": "conv2d", "filter": 4, "kernel": 3})")),
                    Contains("layer 0 (conv2d): unknown field \"filter\""));
  CHECK_THROWS_WITH(parse_spec(with_layers(R"({"type": "conv2d", "filters": "8", "kernel": 3})")),
                    Contains("\"filters\" must be a number, not a string"));
  CHECK_THROWS_WITH(parse_spec(with_layers(
                        R"({"type": "conv2d", "filters": 8, "kernel": 3, "padding": "full"})")),
                    Contains("\"padding\" must be \"same\", \"valid\" or a number"));
  CHECK_THROWS_WITH(
      parse_spec(with_layers(R"({"type": "dense", "units": 10, "activation": "swish"})")),
      Contains("layer 0 (dense): unknown activation \"swish\""));
  CHECK_THROWS_WITH(parse_spec(with_layers(R"({"type": "dropout", "rate": 1.5})")),
                    Contains("layer 0 (dropout): \"rate\" is 1.5 but must be between 0 and 0.95"));
  CHECK_THROWS_WITH(parse_spec(with_layers(softmax, R"(, "optimizer": {"type": "adagrad"})")),
                    Contains("unknown optimizer \"adagrad\""));
  CHECK_THROWS_WITH(
      parse_spec(with_layers(softmax, R"(, "optimizer": {"type": "sgd", "beta1": 0.9})")),
      Contains("unknown field \"beta1\""));
  CHECK_THROWS_WITH(parse_spec(with_layers(softmax, R"(, "batch_size": 0)")),
                    Contains("\"batch_size\" is 0 but must be between 1 and 4096"));
  CHECK_THROWS_WITH(parse_spec(with_layers(softmax, R"(, "loss": "mse")")),
                    Contains("unknown loss \"mse\""));
  CHECK_THROWS_WITH(parse_spec(R"({"input": [28, 28], "layers": [)" + softmax + "]}"),
                    Contains("\"input\" must be [height, width, channels]"));
}

TEST_CASE("shape errors name the layer and what to change", "[spec][errors]") {
  const std::string softmax = R"({"type": "dense", "units": 10, "activation": "softmax"})";
  // The example in the architecture: a 5x5 kernel on a 3x3 map under "valid".
  const std::string big_kernel = with_layers(R"(
    {"type": "conv2d", "filters": 8, "kernel": 3, "stride": 2},
    {"type": "maxpool2d", "size": 2},
    {"type": "conv2d", "filters": 8, "kernel": 3},
    {"type": "conv2d", "filters": 8, "kernel": 3},
    {"type": "conv2d", "filters": 8, "kernel": 5}, )" +
                                             softmax);
  CHECK_THROWS_WITH(summarize(big_kernel),
                    "layer 4 (conv2d): kernel 5 is larger than its 2x2 input; use padding \"same\" "
                    "or a smaller kernel");
  CHECK_THROWS_WITH(summarize(with_layers(R"({"type": "maxpool2d", "size": 29}, )" + softmax)),
                    Contains("layer 0 (maxpool2d): window 29 is larger than its 28x28 input"));
  CHECK_THROWS_WITH(
      summarize(with_layers(R"({"type": "dense", "units": 10, "activation": "relu"})")),
      "layer 0 (dense): the loss \"categorical_crossentropy\" needs a softmax output; set "
      "\"activation\": \"softmax\" on the last layer");
  CHECK_THROWS_WITH(
      summarize(with_layers(
          R"({"type": "flatten"}, {"type": "conv2d", "filters": 4, "kernel": 3}, )" + softmax)),
      Contains("layer 1 (conv2d): needs an image input"));
  CHECK_THROWS_WITH(
      summarize(
          with_layers(R"({"type": "conv2d", "filters": 4, "kernel": 3, "activation": "softmax"})")),
      Contains("layer 0 (conv2d): the output must be a vector of class scores"));
  CHECK_THROWS_WITH(
      summarize(with_layers(R"({"type": "dense", "units": 1, "activation": "softmax"})")),
      Contains("at least 2 units"));
  // Explicit padding makes a large kernel fit: (2 - 5 + 2*2) / 1 + 1 = 2.
  CHECK_NOTHROW(summarize(
      R"({"input": [2, 2, 1], "layers": [{"type": "conv2d", "filters": 1, "kernel": 5, "padding": 2}, )" +
      softmax + "]}"));
}
