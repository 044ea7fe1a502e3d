// cnn bench: training and inference speed of a model on synthetic data of its input size
// (examples/s, GFLOP/s, single-example latency), natively.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/data/idx.h"
#include "tools/cnn/common.h"

namespace cnn::cli {

int cmd_bench(const std::vector<std::string>& argv) {
  Args a(argv, {"preset", "spec", "seconds", "kernels", "batch", "threads"}, {"json"});
  const int threads = set_threads(a);
  if (a.has("kernels")) Trainer::prefer_kernels(a.get("kernels"));
  Trainer t;
  configure(t, a);
  if (a.has("batch")) {
    Hyperparameters h;
    h.batch_size = a.integer("batch", 0, 1, 4096);
    t.set_hyperparameters(h);
  }
  const double seconds = a.number("seconds", 3.0);
  const ModelSummary s = t.summary();
  const Shape in = t.spec().input;
  // Synthetic data of the model's input size: speed does not depend on pixel values.
  const int n_train = 2048, n_test = 512;
  data::IdxSet set;
  Rng rng(7);
  for (data::Dataset* d : {&set.train, &set.test}) {
    const int n = d == &set.train ? n_train : n_test;
    d->images.count = d->labels.count = n;
    d->images.rows = in[0];
    d->images.cols = in[1];
    d->images.pixels.resize(static_cast<size_t>(n) * in[0] * in[1]);
    for (auto& p : d->images.pixels) p = static_cast<uint8_t>(rng.below(256));
    d->labels.labels.resize(n);
    for (auto& l : d->labels.labels)
      l = static_cast<uint8_t>(rng.below(static_cast<uint32_t>(s.classes)));
  }
  t.set_data(std::move(set));
  const int batch = t.spec().batch_size;
  t.train_steps(2);  // warm-up: buffers and workspaces
  int64_t steps = 0;
  double t0 = now_s(), t1 = t0;
  while (t1 - t0 < seconds) {
    t.train_steps(5);
    steps += 5;
    t1 = now_s();
  }
  const double train_eps = steps * batch / (t1 - t0);
  t.evaluate(256);
  int evals = 0;
  t0 = now_s();
  do {
    t.evaluate(512);
    ++evals;
    t1 = now_s();
  } while (t1 - t0 < seconds / 2);
  const double infer_eps = evals * 512.0 / (t1 - t0);
  int lat_n = 0;
  std::vector<float> image(static_cast<size_t>(shape_size(in)), 0.5f);
  t0 = now_s();
  do {
    t.predict(image.data(), image.size());
    ++lat_n;
    t1 = now_s();
  } while (t1 - t0 < seconds / 4 && lat_n < 100000);
  const double latency_ms = (t1 - t0) * 1000 / lat_n;
  const double fwd_flop = 2.0 * s.macs;
  const double train_gflops = train_eps * 3 * fwd_flop / 1e9,
               infer_gflops = infer_eps * fwd_flop / 1e9;
  // The variants the layers run, in layer order (a preferred variant that does not fit a layer
  // leaves that layer on its fastest).
  std::vector<std::string> used;
  for (int i = 0; i < t.network().num_layers(); ++i) {
    const std::string& v = t.network().layer(i).variant();
    if (!v.empty() && std::find(used.begin(), used.end(), v) == used.end()) used.push_back(v);
  }
  std::string variant;
  for (const std::string& v : used) variant += (variant.empty() ? "" : ", ") + v;
  if (a.has("json")) {
    std::cout << json{{"model", s.name},
                      {"batch", batch},
                      {"kernels", variant},
                      {"threads", threads},
                      {"train_examples_per_s", train_eps},
                      {"infer_examples_per_s", infer_eps},
                      {"latency_ms", latency_ms},
                      {"train_gflops", train_gflops},
                      {"infer_gflops", infer_gflops},
                      {"macs", s.macs}}
                     .dump()
              << "\n";
  } else {
    std::printf("%s (batch %d, %s kernels, native, %d thread%s)\n", s.name.c_str(), batch,
                variant.c_str(), threads, threads == 1 ? "" : "s");
    std::printf("  training   %10.0f examples/s  %6.2f GFLOP/s\n", train_eps, train_gflops);
    std::printf("  inference  %10.0f examples/s  %6.2f GFLOP/s (batch 512)\n", infer_eps,
                infer_gflops);
    std::printf("  latency    %10.3f ms per single example\n", latency_ms);
  }
  return 0;
}

}  // namespace cnn::cli
