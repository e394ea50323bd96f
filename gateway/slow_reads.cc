#include "gateway/slow_reads.h"

#include <utility>

namespace market4::gateway {

SlowReads::SlowReads(std::size_t max_queued)
    : max_queued_(max_queued), thread_([this] { Loop(); }) {}

bool SlowReads::Run(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(work));
  }
  wake_.notify_one();
  return true;
}

void SlowReads::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SlowReads::Loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    std::function<void()> work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work();
    work = nullptr;  // what it holds goes before the lock is taken again
    lock.lock();
  }
}

}  // namespace market4::gateway
