// Thread pool implementation: between loops, workers poll for a new loop for a few microseconds
// (a training step starts dozens of short loops, and a wake-up through the condition variable
// costs tens of microseconds), then sleep on a condition variable. A loop hands out task indices
// through one atomic counter, so a slow thread never holds up the others.
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

constexpr int kSpins = 20000;  // polls before sleeping (roughly 50-100 microseconds)

thread_local bool t_in_task = false;
thread_local int t_slot = 0;

class Pool {
 public:
  ~Pool() { resize(1); }

  int size() const { return size_; }

  void resize(int n) {
    if (n == size_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    start_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    size_ = n;
#ifndef CNN_NO_THREADS
    // New workers wait for the next loop, not the last one (generation_ keeps counting).
    const uint64_t now = generation_.load(std::memory_order_relaxed);
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
    std::unique_lock<std::mutex> lock(mu_);
    fn_ = fn;
    context_ = context;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    busy_.store(size_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    lock.unlock();
    start_.notify_all();
    take_tasks(0);
    for (int i = 0; i < kSpins && busy_.load(std::memory_order_acquire) != 0; ++i) CNN_PAUSE();
    lock.lock();
    done_.wait(lock, [this] { return busy_.load(std::memory_order_acquire) == 0; });
  }

 private:
  void take_tasks(int slot) {
    t_in_task = true;
    t_slot = slot;
    for (int t; (t = next_.fetch_add(1, std::memory_order_relaxed)) < tasks_;)
      fn_(context_, t, slot);
    t_in_task = false;
    t_slot = 0;
  }

  void work(int slot, uint64_t seen) {
    for (;;) {
      for (int i = 0; i < kSpins && generation_.load(std::memory_order_acquire) == seen; ++i)
        CNN_PAUSE();
      {
        std::unique_lock<std::mutex> lock(mu_);  // also orders the loop's fields before their use
        start_.wait(lock,
                    [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
      }
      take_tasks(slot);
      if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        done_.notify_one();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable start_, done_;
  std::vector<std::thread> workers_;
  int size_ = 1;
  bool stop_ = false;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> busy_{0};
  // The current loop (written under mu_ before the generation changes).
  TaskFn fn_ = nullptr;
  void* context_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_{0};
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
