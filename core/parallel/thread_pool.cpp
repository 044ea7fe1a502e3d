// Thread pool implementation: between loops, workers poll for a new loop for a while (a training
// step starts dozens of short loops, and a wake-up through the condition variable costs tens of
// microseconds), then sleep on a condition variable. A loop hands out task indices through one
// atomic word that holds the loop's number beside the next index, so a worker claims a task of
// the loop it saw or of none; the caller waits for the loop's tasks to be done, never for a worker
// that is still waking up and would find nothing left (with two threads, the caller often takes
// every task of a short loop before a sleeping worker is awake).
#include "core/parallel/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CNN_PAUSE() _mm_pause()
#else
#define CNN_PAUSE() ((void)0)
#endif

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define CNN_NO_THREADS 1  // creating a std::thread aborts in a wasm build without -pthread
#endif

namespace cnn::parallel {
namespace {

// Polls before sleeping. A poll is an atomic load plus `pause` natively (roughly 50-100
// microseconds in all); WebAssembly has no `pause`, so its polls are faster and it takes more:
// 2,000,000 is about a millisecond in V8. With 200,000 (about 85 microseconds) a worker slept in
// 40 % of tiny's training steps, during the serial part between two steps' shards, and the next
// step then waited for it to wake (tiny trained 7 % faster on 2 threads with the longer poll).
#ifdef __EMSCRIPTEN__
constexpr int kSpins = 2000000;
#else
constexpr int kSpins = 20000;
#endif

thread_local bool t_in_task = false;
thread_local int t_slot = 0;

constexpr uint64_t loop_bits(uint64_t loop) { return loop << 32; }
constexpr uint32_t loop_of(uint64_t claim) { return static_cast<uint32_t>(claim >> 32); }
constexpr int index_of(uint64_t claim) { return static_cast<int>(claim & 0x7fffffffu); }
// The next index of a loop that is over: past any task count.
constexpr uint64_t kClosed = 0x7fffffffu;

class Pool {
 public:
  ~Pool() { resize(1); }

  int size() const { return size_; }

  void resize(int n) {
    if (n == size_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_.store(true);
    }
    start_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    stop_.store(false);
    size_ = n;
#ifndef CNN_NO_THREADS
    // New workers wait for the next loop, not the last one.
    const uint32_t now = loop_of(claim_.load());
    for (int slot = 1; slot < n; ++slot)
      workers_.emplace_back([this, slot, now] { work(slot, now); });
#endif
  }

  void run(int tasks, TaskFn fn, void* context) {
    if (tasks <= 0) return;
    if (t_in_task || size_ == 1 || tasks == 1) {  // inline: nested, single-threaded or one task
      const bool outer = t_in_task;
      t_in_task = true;
      for (int t = 0; t < tasks; ++t) fn(context, t, t_slot);
      t_in_task = outer;
      return;
    }
    // First close the last loop: a worker may have read its number and a next index equal to its
    // task count, and be about to read tasks_. Without the close it could read this loop's larger
    // count, then claim that index of the last loop (its number has not changed yet) and run this
    // loop's function before this loop is published, a task too many. With it, that claim fails,
    // and a worker that reads the closed word finds no task left.
    const uint32_t last = loop_of(claim_.load(std::memory_order_relaxed));
    claim_.store(loop_bits(last) | kClosed);
    // The loop's fields, then its number: a worker that reads the number reads these after it.
    // tasks_ is released after the close, so a worker that reads this count (acquire) sees the
    // last loop closed and fails any claim on it.
    fn_.store(fn, std::memory_order_relaxed);
    context_.store(context, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    tasks_.store(tasks, std::memory_order_release);
    const uint32_t loop = last + 1;
    claim_.store(loop_bits(loop));  // seq_cst: ordered before the read of sleepers_ below
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mu_);  // a worker between its check and its wait
      start_.notify_all();
    }
    take_tasks(loop, 0);
    for (int i = 0; i < kSpins && done_.load(std::memory_order_acquire) != tasks; ++i) CNN_PAUSE();
    if (done_.load(std::memory_order_acquire) != tasks) {
      std::unique_lock<std::mutex> lock(mu_);
      caller_waits_.store(true);
      done_cv_.wait(lock, [&] { return done_.load() == tasks; });
      caller_waits_.store(false);
    }
  }

 private:
  // Runs tasks of loop `loop` until none is left; a claim fails once the loop is over or another
  // loop has begun, so a task is never run with another loop's function.
  void take_tasks(uint32_t loop, int slot) {
    t_in_task = true;
    t_slot = slot;
    uint64_t claim = claim_.load(std::memory_order_acquire);
    while (loop_of(claim) == loop) {
      TaskFn fn = fn_.load(std::memory_order_relaxed);
      void* context = context_.load(std::memory_order_relaxed);
      const int tasks = tasks_.load(std::memory_order_acquire);
      const int task = index_of(claim);
      if (task >= tasks) break;
      // On success the loop is still `loop` (its tasks are not all done), so fn and context,
      // read after the acquire of its number, are that loop's.
      if (!claim_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire))
        continue;
      fn(context, task, slot);
      // seq_cst with the caller's store of caller_waits_: one of them sees the other.
      if (done_.fetch_add(1) + 1 == tasks && slot != 0 && caller_waits_.load()) {
        std::lock_guard<std::mutex> lock(mu_);
        done_cv_.notify_one();
      }
      claim = claim_.load(std::memory_order_acquire);
    }
    t_in_task = false;
    t_slot = 0;
  }

  void work(int slot, uint32_t seen) {
    for (;;) {
      uint32_t loop = seen;
      for (int i = 0;
           i < kSpins && (loop = loop_of(claim_.load(std::memory_order_acquire))) == seen; ++i)
        CNN_PAUSE();
      if (loop == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        start_.wait(lock, [&] { return stop_.load() || loop_of(claim_.load()) != seen; });
        sleepers_.fetch_sub(1);
        if (stop_.load()) return;
        loop = loop_of(claim_.load(std::memory_order_acquire));
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      take_tasks(loop, slot);
      seen = loop;
    }
  }

  std::mutex mu_;
  std::condition_variable start_, done_cv_;
  std::vector<std::thread> workers_;
  int size_ = 1;
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_waits_{false};
  // The current loop: its number in the high 32 bits, the next task to hand out in the low.
  std::atomic<uint64_t> claim_{0};
  // Its fields (atomics: a worker may read them while the next loop writes them, and then fails
  // its claim), and how many of its tasks are done.
  std::atomic<TaskFn> fn_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<int> tasks_{0};
  std::atomic<int> done_{0};
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int hardware_threads() {
#ifdef CNN_NO_THREADS
  return 1;
#else
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);
#endif
}

bool available() {
#ifdef CNN_NO_THREADS
  return false;
#else
  return true;
#endif
}

void set_threads(int n) {
#ifdef CNN_NO_THREADS
  n = 1;
#endif
  pool().resize(std::clamp(n, 1, kMaxThreads));
}

int threads() { return pool().size(); }

void run(int tasks, TaskFn fn, void* context) { pool().run(tasks, fn, context); }

SerialScope::SerialScope() : outer_(t_in_task) { t_in_task = true; }
SerialScope::~SerialScope() { t_in_task = outer_; }

}  // namespace cnn::parallel
