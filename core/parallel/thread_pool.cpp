// Thread pool implementation: between loops, workers poll for a new loop for a while (a training
// step starts dozens of short loops, and a wake-up through the condition variable costs tens of
// microseconds), then sleep on a condition variable. A loop hands out task indices through one
// atomic word that holds the loop's number beside the next index, so a worker claims a task of
// the loop it saw or of none; the caller waits for the loop's tasks to be done, never for a worker
// that is still waking up and would find nothing left (with two threads, the caller often takes
// every task of a short loop before a sleeping worker is awake).
//
// A loop started inside a task (nested) is published in the running thread's own slot, and a
// thread that has finished its share of the outer loop claims tasks of it while it waits. A
// training step runs one outer task per thread (its shards of the batch), each a few milliseconds
// of layer loops; on a machine where another process takes part of one core for a while (the
// browser's own threads, on two cores), the step used to wait for the slower thread, and now the
// other one takes on part of its layers. Which thread runs a task changes nothing it computes.
#include "core/parallel/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
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
// True while this thread runs a task of an outer loop: a loop it starts there may be helped.
thread_local bool t_shares = false;

// Sets this thread's task state (t_in_task, t_shares, t_slot) for a scope and puts the old one
// back at its end, also when a task throws.
class TaskState {
 public:
  TaskState(bool in_task, bool shares, int slot)
      : in_task_(t_in_task), shares_(t_shares), slot_(t_slot) {
    t_in_task = in_task;
    t_shares = shares;
    t_slot = slot;
  }
  ~TaskState() {
    t_in_task = in_task_;
    t_shares = shares_;
    t_slot = slot_;
  }
  TaskState(const TaskState&) = delete;
  TaskState& operator=(const TaskState&) = delete;

 private:
  bool in_task_, shares_;
  int slot_;
};

constexpr uint64_t loop_bits(uint64_t loop) { return loop << 32; }
constexpr uint32_t loop_of(uint64_t claim) { return static_cast<uint32_t>(claim >> 32); }
constexpr int index_of(uint64_t claim) { return static_cast<int>(claim & 0x7fffffffu); }
// The next index of a loop that is over: past any task count.
constexpr uint64_t kClosed = 0x7fffffffu;

// One loop's tasks as threads claim them. Its fields are atomics: a thread may read them while the
// next loop writes them, and then fails its claim. A cache line of its own: each thread writes
// its nested loop's.
struct alignas(64) Loop {
  // The loop's number in the high 32 bits, the next task to hand out in the low.
  std::atomic<uint64_t> claim{0};
  std::atomic<TaskFn> fn{nullptr};
  std::atomic<void*> context{nullptr};
  std::atomic<int> tasks{0};
  // How many of its tasks are done.
  std::atomic<int> done{0};
  // A nested loop's first exception, for the thread that owns the loop.
  std::atomic<bool> failed{false};
  std::exception_ptr error;

  // Publishes a new loop and returns its number. First it closes the last loop: a thread may have
  // read its number and a next index equal to its task count, and be about to read `tasks`.
  // Without the close it could read this loop's larger count, then claim that index of the last
  // loop (its number has not changed yet) and run this loop's function before this loop is
  // published, a task too many. With it, that claim fails, and a thread that reads the closed
  // word finds no task left. The fields follow, then the number: a thread that reads the number
  // reads these after it. `tasks` is released after the close, so a thread that reads this count
  // (acquire) sees the last loop closed and fails any claim on it.
  uint32_t publish(int n, TaskFn f, void* c) {
    const uint32_t last = loop_of(claim.load(std::memory_order_relaxed));
    claim.store(loop_bits(last) | kClosed);
    fn.store(f, std::memory_order_relaxed);
    context.store(c, std::memory_order_relaxed);
    done.store(0, std::memory_order_relaxed);
    tasks.store(n, std::memory_order_release);
    const uint32_t loop = last + 1;
    claim.store(loop_bits(loop));  // seq_cst
    return loop;
  }

  // Claims and runs tasks of loop number `loop` as slot `slot` until none is left; returns
  // whether it finished the loop's last task. A claim fails once the loop is over or another loop
  // has begun, so a task never runs with another loop's function. With `catching`, an exception
  // is kept in `error`, and the loop's other tasks are claimed but not run.
  bool take(uint32_t loop, int slot, bool catching) {
    bool last = false;
    uint64_t c = claim.load(std::memory_order_acquire);
    while (loop_of(c) == loop) {
      TaskFn f = fn.load(std::memory_order_relaxed);
      void* ctx = context.load(std::memory_order_relaxed);
      const int n = tasks.load(std::memory_order_acquire);
      const int task = index_of(c);
      if (task >= n) break;
      // On success the loop is still `loop` (its tasks are not all done), so f and ctx, read
      // after the acquire of its number, are that loop's.
      if (!claim.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire))
        continue;
      if (!catching) {
        f(ctx, task, slot);
      } else if (!failed.load(std::memory_order_acquire)) {
        try {
          f(ctx, task, slot);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
      }
      // seq_cst, as the caller's store of caller_waits_: one of them sees the other.
      last = done.fetch_add(1) + 1 == n;
      c = claim.load(std::memory_order_acquire);
    }
    return last;
  }
};

// Runs what is left of `l`'s loop `loop` on this thread as slot `slot`, as a task of an outer
// loop runs: the loops those tasks start run inline.
void help_with(Loop& l, uint32_t loop, int slot) {
  const TaskState state(true, false, slot);
  l.take(loop, slot, true);
}

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
    const uint32_t now = loop_of(outer_.claim.load());
    for (int slot = 1; slot < n; ++slot)
      workers_.emplace_back([this, slot, now] { work(slot, now); });
#endif
  }

  void run(int tasks, TaskFn fn, void* context) {
    if (tasks <= 0) return;
    if (t_shares && size_ > 1 && tasks > 1) return run_nested(tasks, fn, context);
    if (t_in_task || size_ == 1 || tasks == 1) {  // inline: nested, single-threaded or one task
      const TaskState state(true, false, t_slot);
      for (int t = 0; t < tasks; ++t) fn(context, t, t_slot);
      return;
    }
    const uint32_t loop = outer_.publish(tasks, fn, context);
    // publish's last store is seq_cst: ordered before the read of sleepers_ below.
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mu_);  // a worker between its check and its wait
      start_.notify_all();
    }
    take_outer(loop, 0);
    // While the other threads finish their tasks, help with the loops they start in them.
    for (int i = 0; i < kSpins && outer_.done.load(std::memory_order_acquire) != tasks; ++i)
      if (!help(0)) CNN_PAUSE();
    if (outer_.done.load(std::memory_order_acquire) != tasks) {
      std::unique_lock<std::mutex> lock(mu_);
      caller_waits_.store(true);
      done_cv_.wait(lock, [&] { return outer_.done.load() == tasks; });
      caller_waits_.store(false);
    }
  }

 private:
  // The outer loop's tasks on slot `slot`; the loops they start may be helped.
  void take_outer(uint32_t loop, int slot) {
    bool last;
    {
      const TaskState state(true, true, slot);
      last = outer_.take(loop, slot, false);
    }
    if (last && slot != 0 && caller_waits_.load()) {
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_one();
    }
  }

  // A loop started in a task of the outer loop. This thread runs its tasks, and a thread that is
  // done with its own share of the outer loop may claim some (help): when one thread runs slower
  // for a while (its core taken by another process), the other takes on part of its work. Which
  // thread runs a task does not change what the task computes, so the help changes no result.
  void run_nested(int tasks, TaskFn fn, void* context) {
    const int slot = t_slot;
    Loop& l = nested_[slot];
    const uint32_t loop = l.publish(tasks, fn, context);
    help_with(l, loop, slot);
    while (l.done.load(std::memory_order_acquire) != tasks) CNN_PAUSE();
    if (l.failed.load(std::memory_order_acquire)) {
      std::exception_ptr e = l.error;
      l.error = nullptr;
      l.failed.store(false);
      std::rethrow_exception(e);
    }
  }

  // Claims the tasks left of another thread's nested loop, if any; returns whether it found one.
  bool help(int slot) {
    for (int s = 0; s < size_; ++s) {
      if (s == slot) continue;
      Loop& l = nested_[s];
      const uint64_t c = l.claim.load(std::memory_order_acquire);
      if (index_of(c) >= l.tasks.load(std::memory_order_acquire)) continue;
      help_with(l, loop_of(c), slot);
      return true;
    }
    return false;
  }

  void work(int slot, uint32_t seen) {
    for (;;) {
      uint32_t loop = seen;
      for (int i = 0;
           i < kSpins && (loop = loop_of(outer_.claim.load(std::memory_order_acquire))) == seen;
           ++i)
        if (!help(slot)) CNN_PAUSE();
      if (loop == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        start_.wait(lock, [&] { return stop_.load() || loop_of(outer_.claim.load()) != seen; });
        sleepers_.fetch_sub(1);
        if (stop_.load()) return;
        loop = loop_of(outer_.claim.load(std::memory_order_acquire));
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      take_outer(loop, slot);
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
  // The loop the caller of run() started, and one nested loop per slot.
  Loop outer_;
  Loop nested_[kMaxThreads];
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

SerialScope::SerialScope() : outer_(t_in_task), shares_(t_shares) {
  t_in_task = true;
  t_shares = false;
}
SerialScope::~SerialScope() {
  t_in_task = outer_;
  t_shares = shares_;
}

}  // namespace cnn::parallel
