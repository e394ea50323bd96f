// Clock: where the engine gets time. The engine never reads the wall clock itself, so
// tests drive time by hand (ManualClock) and the engine stays deterministic. Both clocks
// are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace market4::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch, UTC.
  virtual std::int64_t NowNanos() = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowNanos() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_nanos = 1'767'225'600'000'000'000)  // 2026-01-01
      : now_(start_nanos) {}
  std::int64_t NowNanos() override { return now_.load(); }
  void Advance(std::chrono::nanoseconds by) { now_ += by.count(); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace market4::engine
