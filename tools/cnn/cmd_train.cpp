// cnn train: trains a preset, a spec or a saved model on an IDX data folder, with a progress line
// per chunk of steps (or JSON lines), a final test evaluation and an optional model file.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/data/idx.h"
#include "tools/cnn/common.h"

namespace cnn::cli {

int cmd_train(const std::vector<std::string>& argv) {
  Args a(argv,
         {"preset", "spec", "model", "data", "epochs", "batch", "lr", "seed", "out", "limit",
          "schedule", "threads", "kernels"},
         {"json", "augment", "weights-only"});
  set_threads(a);
  if (a.has("kernels")) Trainer::prefer_kernels(a.get("kernels"));
  const bool as_json = a.has("json");
  if (a.has("weights-only") && !a.has("out"))
    throw Error("--weights-only needs --out FILE to save to");
  Trainer t;
  if (a.has("model"))
    t.load_file(a.get("model"));
  else
    configure(t, a);
  Hyperparameters h;
  if (a.has("batch")) h.batch_size = a.integer("batch", 0, 1, 4096);
  if (a.has("lr")) h.lr = static_cast<float>(a.number("lr", 0));
  if (a.has("augment")) h.augment = true;
  if (a.has("epochs")) h.epochs = a.integer("epochs", 1, 1, 10000);
  if (a.has("schedule")) {
    const std::string sched = a.get("schedule");
    json spec = json::parse(t.spec_json());
    spec["lr_schedule"] = sched;
    Trainer fresh;
    fresh.configure(spec.dump());
    if (!a.has("model"))
      t = std::move(fresh);
    else
      throw Error("--schedule applies to a new model, not to --model");
  }
  t.set_hyperparameters(h);
  if (a.has("seed")) t.reset(static_cast<uint64_t>(a.integer("seed", 1, 0, 2147483647)));
  // A continued model trains for --epochs more (default 1); a new one for the spec's epochs.
  const int epochs = a.has("epochs")  ? a.integer("epochs", 1, 1, 10000)
                     : a.has("model") ? 1
                                      : t.spec().epochs;
  load_data(t, a);
  const int per_epoch = t.steps_per_epoch();
  const int64_t total_steps = static_cast<int64_t>(per_epoch) * epochs;
  const int64_t first_step = t.step();
  const bool tty = !as_json && isatty(fileno(stderr));
  if (!as_json)
    std::printf("training %s: %d epochs of %d steps (batch %d, %s lr %g) on %d examples\n",
                t.spec().name.c_str(), epochs, per_epoch, t.spec().batch_size,
                t.spec().optimizer.type.c_str(), t.spec().optimizer.lr, t.data_info().train_count);
  const double t0 = now_s();
  double last_print = t0;
  const int chunk = std::max(1, std::min(50, per_epoch / 20));
  int64_t done = 0;
  json epochs_json = json::array();
  double loss_avg = 0;
  int64_t loss_n = 0;
  for (int e = 0; e < epochs; ++e) {
    int64_t in_epoch = 0;
    while (in_epoch < per_epoch) {
      const int n = static_cast<int>(std::min<int64_t>(chunk, per_epoch - in_epoch));
      const StepResult r = t.train_steps(n);
      in_epoch += n;
      done += n;
      loss_avg += r.loss * n;
      loss_n += n;
      const double now = now_s();
      const double rate = static_cast<double>(done) * t.spec().batch_size / (now - t0);
      const double eta = (now - t0) / done * (total_steps - done);
      if (as_json && (now - last_print > 2.0 || in_epoch == per_epoch)) {
        std::cout << json{{"event", "progress"},
                          {"step", r.step},
                          {"epoch", e + 1},
                          {"loss", r.loss},
                          {"batch_accuracy", r.batch_accuracy},
                          {"examples_per_s", rate},
                          {"eta_s", eta}}
                         .dump()
                  << std::endl;
        last_print = now;
      } else if (tty && (now - last_print > 0.2 || in_epoch == per_epoch)) {
        std::fprintf(stderr,
                     "\r  epoch %d/%d  step %lld/%d  loss %.4f  acc %.1f%%  %.0f ex/s  ETA %s   ",
                     e + 1, epochs, static_cast<long long>(in_epoch), per_epoch, loss_avg / loss_n,
                     100 * r.batch_accuracy, rate, format_eta(eta).c_str());
        last_print = now;
      } else if (!as_json && !tty && now - last_print > 10.0) {
        std::printf("  epoch %d/%d step %lld/%d loss %.4f %.0f ex/s ETA %s\n", e + 1, epochs,
                    static_cast<long long>(in_epoch), per_epoch, loss_avg / loss_n, rate,
                    format_eta(eta).c_str());
        std::fflush(stdout);
        last_print = now;
      }
    }
    const EvalResult ev = t.evaluate();
    const double elapsed = now_s() - t0;
    const double rate = static_cast<double>(done) * t.spec().batch_size / elapsed;
    if (tty) std::fprintf(stderr, "\n");
    json ej = {{"event", "epoch"},
               {"epoch", e + 1},
               {"train_loss", loss_avg / loss_n},
               {"test_accuracy", ev.accuracy},
               {"test_loss", ev.loss},
               {"elapsed_s", elapsed},
               {"examples_per_s", rate}};
    epochs_json.push_back(ej);
    if (as_json)
      std::cout << ej.dump() << std::endl;
    else
      std::printf(
          "epoch %d/%d: train loss %.4f, test accuracy %.2f%%, test loss %.4f, %.1f s, %.0f "
          "examples/s\n",
          e + 1, epochs, loss_avg / loss_n, 100 * ev.accuracy, ev.loss, elapsed, rate);
    std::fflush(stdout);
    loss_avg = 0;
    loss_n = 0;
  }
  if (a.has("out")) {
    t.save_file(a.get("out"), !a.has("weights-only"));
    if (!as_json) std::printf("saved %s\n", a.get("out").c_str());
  }
  if (as_json)
    std::cout << json{{"event", "done"},
                      {"steps", t.step() - first_step},
                      {"epochs", epochs_json},
                      {"model", a.get("out")},
                      {"kernels", t.network().layer(0).variant()},
                      {"threads", Trainer::threads()}}
                     .dump()
              << std::endl;
  return 0;
}

}  // namespace cnn::cli
