// The core's thread pool: a fixed set of std::thread workers (wasm pthreads in the threaded
// WebAssembly build) that run the tasks of one parallel loop at a time, the calling thread taking
// part. Kernels split their work into tasks that write disjoint memory and whose arithmetic does
// not depend on which thread runs them or on how many threads there are, so results are bitwise
// the same for any thread count (see CONTRIBUTING.md, "threads"). Not a task graph or a scheduler:
// one loop, fork and join.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace cnn::parallel {

constexpr int kMaxThreads = 64;

// Threads this build can run: 1 in a WebAssembly build without pthreads, else the CPU's count.
int hardware_threads();
// Whether this build can start threads at all (false in a WebAssembly build without pthreads).
bool available();
// Sets the number of threads loops use, clamped to [1, kMaxThreads] (more than the CPU has is
// allowed: tests use it to show that results do not depend on the count); 1 stops the workers.
// A build without threads always has 1. Call it between loops, not from inside one.
void set_threads(int n);
int threads();

using TaskFn = void (*)(void* context, int task, int slot);
// Runs fn(context, task, slot) for every task in [0, tasks) and returns when all are done. `slot`
// in [0, threads()) names the thread running the task, for per-thread scratch memory; which task
// gets which slot is not fixed, and no two tasks run at once on one slot. Called from inside a
// task, the loop runs on that thread, and threads done with their own tasks of the outer loop may
// claim some of its tasks (they see the writes before run() and their writes are seen after it); a
// loop inside that one runs inline. An exception from a task of such a nested loop is thrown from
// run() once all its tasks are done (the others are skipped).
void run(int tasks, TaskFn fn, void* context);

// While one lives, the loops this thread starts run inline on it, as from inside a task: for
// work too small to pay for waking the other threads, such as one image's forward pass (keras-book
// took 0.5 ms on two threads in Chromium against 0.18 ms on one). The results are the same bits.
class SerialScope {
 public:
  SerialScope();
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool outer_, shares_;
};

// for_each(tasks, [&](int task, int slot) { ... }): run() over a lambda.
template <class F>
void for_each(int tasks, F&& f) {
  run(
      tasks, [](void* c, int task, int slot) { (*static_cast<F*>(c))(task, slot); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

// Splits [0, n) into `parts` contiguous ranges of near-equal size (the first ones one longer) and
// returns range `i` as [*begin, *end).
inline void split_range(int64_t n, int parts, int i, int64_t* begin, int64_t* end) {
  const int64_t base = n / parts, extra = n % parts;
  *begin = i * base + (i < extra ? i : extra);
  *end = *begin + base + (i < extra ? 1 : 0);
}

// for_ranges(n, grain, [&](int64_t begin, int64_t end) { ... }): [0, n) cut into one contiguous
// range per thread, each at least `grain` iterations long (fewer ranges when n is small; a loop too
// short to be worth waking a thread for runs on the calling thread). For loops whose iterations
// write disjoint memory.
template <class F>
void for_ranges(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  const int64_t most = std::max<int64_t>(n / std::max<int64_t>(grain, 1), 1);
  const int parts = static_cast<int>(std::min<int64_t>(most, threads()));
  for_each(parts, [&](int part, int) {
    int64_t begin, end;
    split_range(n, parts, part, &begin, &end);
    f(begin, end);
  });
}

// for_ranges(n, f): one range per thread, however short.
template <class F>
void for_ranges(int64_t n, F&& f) {
  for_ranges(n, 1, std::forward<F>(f));
}

}  // namespace cnn::parallel
