// SlowReads: one thread of its own for the reads that can take long (verifying the whole
// ledger, a day's report, a statement), so that they never hold an I/O thread while other
// clients wait behind them. At most `max_queued` wait; more are refused, and the router
// answers those 503 with Retry-After. Any thread may call Run.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace market4::gateway {

class SlowReads {
 public:
  explicit SlowReads(std::size_t max_queued);
  ~SlowReads() { Stop(); }
  SlowReads(const SlowReads&) = delete;
  SlowReads& operator=(const SlowReads&) = delete;

  // Queues `work` for the slow-read thread. False, and `work` not kept, if `max_queued` are
  // already waiting or Stop has begun.
  [[nodiscard]] bool Run(std::function<void()> work);
  // Runs what is queued, then ends the thread. After it, Run refuses everything.
  void Stop();

 private:
  void Loop();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace market4::gateway
