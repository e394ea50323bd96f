// market4d's log: lines are formatted by the thread that logs and collected in memory, then
// written to a file descriptor in large writes. Nothing wakes another thread per line (the
// access log writes one line per request, and a per-line wake-up of a log thread cost a
// third of /healthz's throughput).
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace market4::tools {

// Writes out when the buffer passes kWriteBytes, when the logger flushes (on every line at
// warn or above: flush_on), and when LogFlusher asks.
class BufferedSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t kWriteBytes = 64 * 1024;
  explicit BufferedSink(int fd) : fd_(fd) {}
  ~BufferedSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override;

 private:
  int fd_;
  std::string buffer_;
};

// Flushes the default logger every `period` until destroyed, so a quiet server's lines still
// appear within that period.
class LogFlusher {
 public:
  explicit LogFlusher(std::chrono::milliseconds period);
  ~LogFlusher();
  LogFlusher(const LogFlusher&) = delete;
  LogFlusher& operator=(const LogFlusher&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace market4::tools
