// Threads: the pool runs every task once, nested loops run inline, and every threaded kernel and
// a whole training run give bitwise the same numbers for 1, 2, 3 and 4 threads (more threads than
// cores is fine: only the partition changes). The ThreadSanitizer build runs these ("[threads]").
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/kernels/registry.h"
#include "core/layers/layer.h"
#include "core/model/network.h"
#include "core/model/trainer.h"
#include "core/optim/optimizer.h"
#include "core/parallel/thread_pool.h"
#include "core/tensor/rng.h"
#include "tests/native/support/conv_run.h"
#include "tests/native/support/test_util.h"

using namespace cnn;
using namespace cnn::kernels;
using test::ConvOut;
using test::ThreadsGuard;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

ConvOut run_conv(const Conv2dVariant& v, const Conv2dParams& p, uint64_t seed) {
  const auto x = test::random_vector(static_cast<size_t>(p.N) * p.H * p.W * p.C, seed);
  const auto w = test::random_vector(static_cast<size_t>(p.KH) * p.KW * p.C * p.K, seed + 1);
  const auto b = test::random_vector(p.K, seed + 2);
  const auto dy = test::random_vector(static_cast<size_t>(p.N) * p.OH * p.OW * p.K, seed + 3);
  return test::run_conv(v, p, x, w, b, dy);
}

}  // namespace

TEST_CASE("the thread pool runs every task exactly once, nested loops too", "[threads]") {
  ThreadsGuard guard;
  for (int asked : {1, 2, 3, 4}) {
    parallel::set_threads(asked);
    // A WebAssembly build without pthreads runs everything on its one thread.
    const int threads = parallel::available() ? asked : 1;
    REQUIRE(parallel::threads() == threads);
    for (int tasks : {0, 1, 2, 7, 100}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(tasks));
      std::atomic<int> bad_slot{0};
      parallel::for_each(tasks, [&](int task, int slot) {
        if (slot < 0 || slot >= threads) ++bad_slot;
        hits[task]++;
        // A loop started inside a task runs each of its tasks once, on slots in range (other
        // threads may help with it); a loop inside one of those runs inline, on the same slot.
        std::atomic<int> inner{0};
        parallel::for_each(3, [&](int, int inner_slot) {
          if (inner_slot < 0 || inner_slot >= threads) ++bad_slot;
          int innermost = 0;
          parallel::for_each(2, [&](int, int s) {
            if (s != inner_slot) ++bad_slot;
            ++innermost;
          });
          if (innermost != 2) ++bad_slot;
          ++inner;
        });
        if (inner != 3) ++bad_slot;
      });
      for (int t = 0; t < tasks; ++t) REQUIRE(hits[t] == 1);
      REQUIRE(bad_slot == 0);
    }
  }
  int64_t covered = 0;
  parallel::set_threads(3);
  std::vector<int> seen(1000, 0);
  parallel::for_ranges(1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) seen[i]++;
  });
  for (int v : seen) covered += v == 1;
  CHECK(covered == 1000);
  parallel::set_threads(0);
  CHECK(parallel::threads() == 1);
}

TEST_CASE("a thread done with its share of a loop helps with a loop nested in another's task",
          "[threads]") {
  // A training step runs one shard of the batch per thread; when one thread runs slower, the other
  // takes tasks of its layers' loops. Here outer task 1 ends at once, and the loop nested in
  // outer task 0 cannot get past its first task until another thread has run one of its tasks.
  if (!parallel::available()) return;  // one thread: nothing to help with (tested above)
  ThreadsGuard guard;
  for (int threads : {2, 3}) {
    parallel::set_threads(threads);
    constexpr int kTasks = 40;
    std::vector<std::atomic<int>> hits(kTasks);
    std::atomic<int> owner{-1}, helped{0}, bad_slot{0};
    std::vector<std::atomic<int>> busy(static_cast<size_t>(threads));
    parallel::for_each(threads, [&](int task, int slot) {
      if (task != 0) return;
      owner = slot;
      parallel::for_each(kTasks, [&](int t, int s) {
        if (s < 0 || s >= threads || busy[s].exchange(1) != 0) ++bad_slot;  // one task per slot
        hits[t]++;
        if (s != owner) ++helped;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (t == 0 && helped == 0 && std::chrono::steady_clock::now() < give_up)
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        busy[s] = 0;
      });
    });
    for (int t = 0; t < kTasks; ++t) REQUIRE(hits[t] == 1);
    CHECK(helped > 0);
    CHECK(bad_slot == 0);
  }
}

TEST_CASE("an exception in a helped nested loop reaches the thread that started the loop",
          "[threads]") {
  ThreadsGuard guard;
  parallel::set_threads(2);
  std::atomic<int> ran{0}, caught{0};
  parallel::for_each(2, [&](int task, int) {
    if (task != 0) return;
    try {
      parallel::for_each(64, [&](int t, int) {
        ++ran;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        if (t == 5) throw std::runtime_error("task 5 failed");
      });
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) == "task 5 failed") ++caught;
    }
  });
  CHECK(caught == 1);
  CHECK(ran >= 6);
  CHECK(ran <= 64);
  // The pool goes on: a nested loop after the failed one runs every task.
  std::atomic<int> after{0};
  parallel::for_each(2, [&](int task, int) {
    if (task == 0) parallel::for_each(32, [&](int, int) { ++after; });
  });
  CHECK(after == 32);
}

TEST_CASE("back-to-back loops with growing task counts run each task once", "[threads]") {
  // A worker finishing one loop used to be able to read the next loop's larger task count before
  // that loop was published, claim an index the last loop never had, and run the next loop's
  // function early: one task twice, and the caller returned before the last task was done.
  ThreadsGuard guard;
  constexpr int kMaxTasks = 5;
  for (int threads : {2, 3, 4}) {
    parallel::set_threads(threads);
    std::atomic<int> hits[kMaxTasks];
    for (auto& h : hits) h = 0;
    int wrong = 0;
    for (int loop = 0; loop < 30000; ++loop) {
      const int tasks = 2 + loop % (kMaxTasks - 1);  // 2, 3, 4, 5, 2, ...
      parallel::for_each(tasks, [&](int task, int) { hits[task].fetch_add(1); });
      for (int t = 0; t < kMaxTasks; ++t) wrong += hits[t].exchange(0) != (t < tasks ? 1 : 0);
    }
    CHECK(wrong == 0);
  }
}

TEST_CASE("loops inside a SerialScope run on the calling thread, and predict keeps its bits",
          "[threads]") {
  ThreadsGuard guard;
  parallel::set_threads(3);
  const std::thread::id me = std::this_thread::get_id();
  std::atomic<int> elsewhere{0}, bad_slot{0}, ran{0};
  {
    const parallel::SerialScope serial;
    parallel::for_each(64, [&](int, int slot) {
      if (std::this_thread::get_id() != me) ++elsewhere;
      if (slot != 0) ++bad_slot;
      ++ran;
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // time for a worker to come
    });
  }
  CHECK(ran == 64);
  CHECK(elsewhere == 0);
  CHECK(bad_slot == 0);
  // Outside the scope the workers take part again (with 3 threads and 64 tasks that each wait a
  // little, one of them takes a task).
  if (parallel::available()) {
    std::atomic<int> others{0};
    parallel::for_each(64, [&](int, int) {
      if (std::this_thread::get_id() != me) ++others;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    });
    CHECK(others > 0);
  }
  // predict (which runs in a SerialScope) gives the bits of a one-thread run.
  Trainer t;
  t.configure(R"({"input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 16, "kernel": 3, "activation": "relu"},
    {"type": "maxpool2d", "size": 2},
    {"type": "conv2d", "filters": 32, "kernel": 3, "activation": "relu"},
    {"type": "dense", "units": 10, "activation": "softmax"}],
    "loss": "categorical_crossentropy", "optimizer": {"type": "sgd", "lr": 0.1}, "seed": 4})");
  const std::vector<float> image = test::random_vector(28 * 28, 9, 0.0f, 1.0f);
  const std::vector<float> on3 = t.predict(image.data(), image.size());
  parallel::set_threads(1);
  CHECK(same_bits(t.predict(image.data(), image.size()), on3));
}

// The conv variants on 1 thread against 2, 3 and 4, over the cases [first, last) of one seeded
// sequence of shapes; returns how many Winograd runs there were. Two test cases run its halves,
// so the sanitizer steps of npm test (tools/test.sh) can run them side by side ([first-half]).
static int conv_same_bits_any_threads(int first, int last) {
  ThreadsGuard guard;
  Rng rng(11);
  int cases = 0, winograd = 0;
  while (cases < last) {
    // Every fifth case is in the Winograd kernel's envelope: 3x3, stride 1, whole vectors, C > 8.
    const bool wino = cases % 5 == 2;
    const int N = 1 + rng.below(9);
    const int C = wino ? 4 * (3 + rng.below(3)) : 1 + rng.below(20);
    const int K = wino ? 4 * (1 + rng.below(10)) : 1 + rng.below(40);
    const int k = wino ? 3 : 1 + rng.below(5), s = wino ? 1 : 1 + rng.below(2);
    const int H = k + rng.below(20), W = k + rng.below(20);
    const PaddingSpec pad{rng.below(2) ? PaddingSpec::kSame : PaddingSpec::kValid, 0};
    const AxisGeometry gh = axis_geometry(H, k, s, pad), gw = axis_geometry(W, k, s, pad);
    if (gh.out < 1 || gw.out < 1) continue;
    const int OH = gh.out, OW = gw.out, PT = gh.pad_before, PL = gw.pad_before;
    // Every tenth case is long enough for several im2col chunks.
    const int n = cases % 10 == 9 ? 40 : N;
    const Conv2dParams p{n, H, W, C, K, k, k, s, s, PT, PL, OH, OW, rng.below(2) == 0};
    if (cases < first) {
      ++cases;
      continue;
    }
    for (const Conv2dVariant& v : conv2d_variants()) {
      if (!v.fits(p)) continue;
      winograd += std::string(v.name) == "wasmsimd-winograd";
      parallel::set_threads(1);
      const ConvOut one = run_conv(v, p, 100 + cases);
      for (int threads : {2, 3, 4}) {
        parallel::set_threads(threads);
        const ConvOut many = run_conv(v, p, 100 + cases);
        INFO(v.name << " threads " << threads << " N" << n << " H" << H << " W" << W << " C" << C
                    << " K" << K << " k" << k << " s" << s);
        REQUIRE(same_bits(many.y, one.y));
        REQUIRE(same_bits(many.dx, one.dx));
        REQUIRE(same_bits(many.dw, one.dw));
        REQUIRE(same_bits(many.db, one.db));
      }
    }
    ++cases;
  }
  return winograd;
}

TEST_CASE("conv kernels give the same bits for any thread count: the first 30 shapes",
          "[threads][kernels][first-half]") {
  CHECK(conv_same_bits_any_threads(0, 30) >= 3);  // every fifth shape is Winograd's
}

TEST_CASE("conv kernels give the same bits for any thread count: 30 shapes more",
          "[threads][kernels]") {
  CHECK(conv_same_bits_any_threads(30, 60) >= 3);
}

TEST_CASE("dense kernels give the same bits for any thread count", "[threads][kernels]") {
  ThreadsGuard guard;
  for (int N : {1, 5, 64})
    for (int IN : {3, 100, 576})
      for (int OUT : {1, 10, 70}) {
        const auto x = test::random_vector(static_cast<size_t>(N) * IN, 1);
        const auto w = test::random_vector(static_cast<size_t>(IN) * OUT, 2);
        const auto b = test::random_vector(OUT, 3);
        const auto dy = test::random_vector(static_cast<size_t>(N) * OUT, 4);
        for (const DenseVariant& v : dense_variants()) {
          if (!v.fits(N, IN, OUT)) continue;
          std::vector<float> want[4];
          for (int threads : {1, 2, 3, 4}) {
            parallel::set_threads(threads);
            std::vector<float> y(N * OUT), dx(N * IN, 0.5f), dw(IN * OUT, 0.25f), db(OUT, 1.0f);
            std::vector<float> ws(v.workspace(N, IN, OUT));
            v.forward(N, IN, OUT, x.data(), w.data(), b.data(), y.data(), true, ws.data());
            v.backward_input(N, IN, OUT, dy.data(), w.data(), dx.data(), ws.data());
            v.backward_weight(N, IN, OUT, x.data(), dy.data(), dw.data(), db.data(), ws.data());
            const std::vector<float> got[4] = {y, dx, dw, db};
            INFO(v.name << " threads " << threads << " N" << N << " IN" << IN << " OUT" << OUT);
            for (int i = 0; i < 4; ++i) {
              if (threads == 1) want[i] = got[i];
              REQUIRE(same_bits(got[i], want[i]));
            }
          }
        }
      }
}

TEST_CASE("a step's update in one loop gives the plain rules' bits on any thread count",
          "[threads][optimizer]") {
  ThreadsGuard guard;
  // update_parameters against the passes it replaces, run one after the other over whole arrays:
  // the shards' gradients added in order, the weight decay, optimizer_update. Sizes around the
  // chunk of 4,096; a NaN in one shard's gradient of one parameter must flag that one alone.
  const std::vector<int64_t> sizes = {1, 10, 4095, 4096, 4097, 20000};
  OptimizerConfig sgd, momentum, adam, rmsprop;
  momentum.momentum = 0.9f;
  momentum.nesterov = true;
  adam.type = "adam";
  adam.lr = 0.002f;
  rmsprop.type = "rmsprop";
  rmsprop.lr = 0.001f;
  for (const OptimizerConfig& c : {sgd, momentum, adam, rmsprop})
    for (bool nan : {false, true}) {
      // Per parameter: values, two slots, the gradient and three other shards' gradients.
      std::vector<std::vector<float>> want[7];
      std::vector<double> want_decay, want_update, want_weight;
      for (size_t k = 0; k < sizes.size(); ++k) {
        for (int a = 0; a < 7; ++a)
          want[a].push_back(test::random_vector(static_cast<size_t>(sizes[k]), 100 * k + a));
        for (int a : {1, 2})  // RMSprop's slot and Adam's second are not negative
          for (float& x : want[a].back()) x = std::abs(x);
        if (nan && k == 4) want[5].back()[4096] = std::nanf("");
      }
      const int slots = optimizer_slots(c);
      // The plain passes.
      for (size_t k = 0; k < sizes.size(); ++k) {
        const float l2 = k % 2 ? 0.01f : 0.0f;
        std::vector<float>& p = want[0][k];
        std::vector<float>& g = want[3][k];
        for (int64_t i = 0; i < sizes[k]; ++i) want[4][k][i] += want[6][k][i];  // level 2: 1 += 3
        for (int64_t i = 0; i < sizes[k]; ++i) g[i] += want[5][k][i];           // level 2: 0 += 2
        for (int64_t i = 0; i < sizes[k]; ++i) g[i] += want[4][k][i];           // level 1: 0 += 1
        double decay = 0, update = 0, weight = 0;
        for (int64_t i = 0; i < sizes[k]; ++i) {
          decay += l2 > 0 ? static_cast<double>(p[i]) * p[i] : 0.0;
          g[i] += l2 * p[i];
        }
        const std::vector<float> old = p;
        optimizer_update(c, sizes[k], p.data(), g.data(), slots > 0 ? want[1][k].data() : nullptr,
                         slots > 1 ? want[2][k].data() : nullptr, 7);
        for (int64_t i = 0; i < sizes[k]; ++i) {
          update += (static_cast<double>(p[i]) - old[i]) * (static_cast<double>(p[i]) - old[i]);
          weight += static_cast<double>(old[i]) * old[i];
        }
        want_decay.push_back(decay);
        want_update.push_back(update);
        want_weight.push_back(weight);
      }
      std::vector<ParamUpdateSums> first;
      for (int threads : {1, 2, 3, 4}) {
        parallel::set_threads(threads);
        std::vector<std::vector<float>> got[7];
        for (int a = 0; a < 7; ++a)
          for (size_t k = 0; k < sizes.size(); ++k)
            got[a].push_back(test::random_vector(static_cast<size_t>(sizes[k]), 100 * k + a));
        for (size_t k = 0; k < sizes.size(); ++k) {
          for (int a : {1, 2})
            for (float& x : got[a][k]) x = std::abs(x);
          if (nan && k == 4) got[5][k][4096] = std::nanf("");
        }
        std::vector<ParamUpdate> params(sizes.size());
        for (size_t k = 0; k < sizes.size(); ++k) {
          ParamUpdate& u = params[k];
          u.n = sizes[k];
          u.p = got[0][k].data();
          u.m = slots > 0 ? got[1][k].data() : nullptr;
          u.v = slots > 1 ? got[2][k].data() : nullptr;
          u.g = got[3][k].data();
          u.l2 = k % 2 ? 0.01f : 0.0f;
          u.adds = {{got[3][k].data(), got[5][k].data()},
                    {got[4][k].data(), got[6][k].data()},
                    {got[3][k].data(), got[4][k].data()}};
        }
        const std::vector<ParamUpdateSums> sums = update_parameters(c, 7, params);
        INFO(c.type << " momentum " << c.momentum << " nan " << nan << " threads " << threads);
        for (int a = 0; a < 7; ++a)
          for (size_t k = 0; k < sizes.size(); ++k) {
            INFO("array " << a << " parameter " << k);
            const bool nan_here = nan && k == 4;
            if (!nan_here || a >= 4) REQUIRE(same_bits(got[a][k], want[a][k]));
          }
        for (size_t k = 0; k < sizes.size(); ++k) {
          INFO("parameter " << k);
          const bool nan_here = nan && k == 4;
          REQUIRE(sums[k].grad_finite == !nan_here);
          REQUIRE(sums[k].update.finite == !nan_here);
          if (nan_here) continue;
          REQUIRE(sums[k].decay_sq == Approx(want_decay[k]).epsilon(1e-12));
          REQUIRE(sums[k].update.update_sq == Approx(want_update[k]).epsilon(1e-12));
          REQUIRE(sums[k].update.weight_sq == Approx(want_weight[k]).epsilon(1e-12));
          if (threads == 1) continue;
          REQUIRE(sums[k].decay_sq == first[k].decay_sq);
          REQUIRE(sums[k].update.update_sq == first[k].update.update_sq);
          REQUIRE(sums[k].update.weight_sq == first[k].update.weight_sq);
        }
        if (threads == 1) first = sums;
      }
    }
}

TEST_CASE("training gives bitwise the same weights with 1, 2, 3 and 4 threads",
          "[threads][trainer]") {
  ThreadsGuard guard;
  // Every threaded layer: conv (SAME and VALID), max and average pooling, LRN, dropout, dense;
  // the optimizer step and weight decay, chunked over the threads.
  const std::string spec = R"({"name": "threads", "input": [28, 28, 1], "layers": [
    {"type": "conv2d", "filters": 8, "kernel": 5, "padding": "same", "activation": "relu"},
    {"type": "maxpool2d", "size": 2},
    {"type": "lrn", "depth_radius": 2},
    {"type": "conv2d", "filters": 16, "kernel": 3, "activation": "relu", "l2": 0.001},
    {"type": "avgpool2d", "size": 2, "padding": "same"},
    {"type": "dense", "units": 32, "activation": "tanh", "l2": 0.0005},
    {"type": "dropout", "rate": 0.2},
    {"type": "dense", "units": 10, "activation": "softmax"}],
    "optimizer": {"type": "adam", "lr": 0.002}, "batch_size": 24, "seed": 5})";
  std::vector<uint8_t> want;
  double want_loss = 0;
  for (int threads : {1, 2, 3, 4}) {
    parallel::set_threads(threads);
    Trainer t;
    t.configure(spec);
    t.set_data_dir(test::mnist_small_dir());
    const StepResult r = t.train_steps(6);
    const EvalResult e = t.evaluate(100);
    const std::vector<uint8_t> saved = t.save();
    INFO("threads " << threads);
    if (threads == 1) {
      want = saved;
      want_loss = r.loss + e.loss;
    }
    REQUIRE(saved == want);
    REQUIRE(r.loss + e.loss == want_loss);
  }
}

TEST_CASE("a batch split into training shards gives the same bits on any thread count",
          "[threads][trainer][shards]") {
  ThreadsGuard guard;
  // Batches of 40 and 64 run as 2 and 4 shards (network.h, train_shards), each shard's forward
  // and backward on one thread, with its own dropout stream; the gradients are summed as a fixed
  // tree, part of it inside each thread's group of shards (trainer_step.cpp). The statistics table
  // sees the whole batch's activations, the live maps its first image.
  for (int batch : {40, 64}) {
    REQUIRE(train_shards(batch, 10000) == (batch == 40 ? 2 : 4));
    const std::string spec = R"({"name": "shards", "input": [28, 28, 1], "layers": [
      {"type": "conv2d", "filters": 8, "kernel": 5, "padding": "same", "activation": "relu"},
      {"type": "maxpool2d", "size": 2},
      {"type": "conv2d", "filters": 16, "kernel": 3, "activation": "relu", "l2": 0.001},
      {"type": "dense", "units": 32, "activation": "tanh"},
      {"type": "dropout", "rate": 0.3},
      {"type": "dense", "units": 10, "activation": "softmax"}],
      "optimizer": {"type": "rmsprop", "lr": 0.002}, "batch_size": )" +
                             std::to_string(batch) + R"(, "seed": 9})";
    std::vector<uint8_t> want;
    double want_loss = 0;
    std::vector<float> want_first;
    int64_t want_count = 0;
    for (int threads : {1, 2, 3, 4}) {
      parallel::set_threads(threads);
      Trainer t;
      t.configure(spec);
      t.set_data_dir(test::mnist_small_dir());
      const StepResult r = t.train_steps(5);
      const std::vector<uint8_t> saved = t.save();
      const LayerStats stats = t.layer_stats(0);
      const NamedValues first = t.activation(0);
      INFO("batch " << batch << ", threads " << threads);
      if (threads == 1) {
        want = saved;
        want_loss = r.loss;
        want_first = first.data;
        want_count = stats.activations.count;
      }
      REQUIRE(saved == want);
      REQUIRE(r.loss == want_loss);
      REQUIRE(first.data == want_first);
      // Every example of the batch is in the statistics, not only the first shard's.
      REQUIRE(stats.activations.count == int64_t{batch} * 28 * 28 * 8);
      REQUIRE(stats.activations.count == want_count);
    }
  }
}
