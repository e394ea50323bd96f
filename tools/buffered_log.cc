#include "tools/buffered_log.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

namespace market4::tools {

void BufferedSink::sink_it_(const spdlog::details::log_msg& message) {
  spdlog::memory_buf_t formatted;
  formatter_->format(message, formatted);
  buffer_.append(formatted.data(), formatted.size());
  if (buffer_.size() >= kWriteBytes) flush_();
}

// A write that fails (a closed pipe) drops the lines: logging never stops the server.
void BufferedSink::flush_() {
  std::size_t written = 0;
  while (written < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

LogFlusher::LogFlusher(std::chrono::milliseconds period)
    : thread_([this, period] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
          spdlog::default_logger()->flush();
        }
      }) {}

LogFlusher::~LogFlusher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  spdlog::default_logger()->flush();
}

}  // namespace market4::tools
