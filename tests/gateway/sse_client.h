// A streaming client for Server-Sent Events over a raw TCP socket, for tests: it sends one
// GET, reads the response head, then decodes the chunked body incrementally into SSE records
// (events and comments) as they arrive. Every wait is bounded by a deadline, so a stream that
// never delivers fails a test instead of hanging it. Blocking POSIX sockets; one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "tests/gateway/raw_connection.h"

namespace market4::testing {

// How long a test waits for something the server should send soon.
inline constexpr std::chrono::seconds kStreamWait{5};

// One SSE record: an event (id, event, data) or a comment (": ...").
struct SseRecord {
  std::string id, event, data, comment, retry;
};

class SseClient {
 public:
  // Connects to 127.0.0.1:port. A non-zero `receive_buffer_bytes` shrinks the socket's
  // receive buffer before connecting (a slow reader whose window fills at once).
  explicit SseClient(std::uint16_t port, int receive_buffer_bytes = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    if (receive_buffer_bytes > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    }
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) Close();
  }
  ~SseClient() { Close(); }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Sends GET `target` with `headers` and reads the response head. On a stream the body is
  // left to Next; on anything else (an error) the body is read whole into the response.
  ClientResponse Open(const std::string& target,
                      const std::map<std::string, std::string>& headers = {}) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: test\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    if (!Send(request)) return {};
    auto deadline = Clock::now() + kStreamWait;
    std::size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (!Receive(deadline)) return {};
    }
    ClientResponse response = ParseHead(raw_.substr(0, end + 2));
    raw_.erase(0, end + 4);
    chunked_ = response.Header("transfer-encoding") == "chunked";
    if (!chunked_) {
      std::size_t length = std::strtoul(response.Header("content-length").c_str(), nullptr, 10);
      while (raw_.size() < length) {
        if (!Receive(deadline)) return {};
      }
      response.body = raw_.substr(0, length);
      raw_.erase(0, length);
    }
    return response;
  }

  // The next record, or nullopt if none came before `wait` passed or the stream ended.
  std::optional<SseRecord> Next(std::chrono::milliseconds wait = kStreamWait) {
    auto deadline = Clock::now() + wait;
    while (true) {
      Decode();
      std::size_t end = text_.find("\n\n");
      if (end != std::string::npos) {
        std::string block = text_.substr(0, end + 1);
        text_.erase(0, end + 2);
        return ParseRecord(block);
      }
      if (ended_ || !Receive(deadline)) return std::nullopt;
    }
  }

  // The next event, skipping comments and the retry record.
  std::optional<SseRecord> NextEvent(std::chrono::milliseconds wait = kStreamWait) {
    auto deadline = Clock::now() + wait;
    while (auto record = Next(
               std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))) {
      if (!record->event.empty() || !record->data.empty()) return record;
    }
    return std::nullopt;
  }

  // Reads (and drops) everything until the server closes the connection. True if it closed
  // within `wait`; `*clean` tells whether the body ended with the last chunk first.
  bool WaitForClose(bool* clean, std::chrono::milliseconds wait = kStreamWait) {
    auto deadline = Clock::now() + wait;
    while (!closed_) {
      if (!Receive(deadline) && !closed_) return false;
      Decode();
      text_.clear();
    }
    *clean = ended_;
    return true;
  }

  void Close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }
  bool connected() const { return fd_ >= 0; }

 private:
  using Clock = std::chrono::steady_clock;

  bool Send(const std::string& bytes) {
    std::size_t sent = 0;
    while (fd_ >= 0 && sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return fd_ >= 0;
  }

  // Waits until `deadline` for bytes; false on timeout, error or end of stream (closed_).
  bool Receive(Clock::time_point deadline) {
    if (fd_ < 0 || closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[16 * 1024];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    raw_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  // Moves whole chunks from raw_ to text_; notes the last chunk.
  void Decode() {
    while (chunked_ && !ended_) {
      std::size_t line_end = raw_.find("\r\n");
      if (line_end == std::string::npos) return;
      std::size_t size = std::strtoul(raw_.substr(0, line_end).c_str(), nullptr, 16);
      if (size == 0) {
        if (raw_.size() < line_end + 4) return;  // the last chunk's closing CRLF
        ended_ = true;
        raw_.clear();
        return;
      }
      if (raw_.size() < line_end + 2 + size + 2) return;
      text_.append(raw_, line_end + 2, size);
      raw_.erase(0, line_end + 2 + size + 2);
    }
  }

  static ClientResponse ParseHead(const std::string& head) {
    ClientResponse out;
    std::size_t at = head.find("\r\n");
    if (head.rfind("HTTP/1.1 ", 0) != 0) return out;
    out.status = std::atoi(head.substr(9, 3).c_str());
    for (at += 2; at < head.size();) {
      std::size_t line_end = head.find("\r\n", at);
      std::string line = head.substr(at, line_end - at);
      at = line_end + 2;
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t value = line.find_first_not_of(' ', colon + 1);
      out.headers[name] = value == std::string::npos ? "" : line.substr(value);
    }
    return out;
  }

  static SseRecord ParseRecord(const std::string& block) {
    SseRecord record;
    for (std::size_t at = 0; at < block.size();) {
      std::size_t end = block.find('\n', at);
      std::string line = block.substr(at, end - at);
      at = end + 1;
      std::size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field.empty()) record.comment = value;
      if (field == "id") record.id = value;
      if (field == "event") record.event = value;
      if (field == "data") record.data += value;
      if (field == "retry") record.retry = value;
    }
    return record;
  }

  int fd_ = -1;
  std::string raw_;   // received, not yet decoded
  std::string text_;  // decoded body, not yet parsed into records
  bool chunked_ = false;
  bool ended_ = false;   // the last chunk arrived
  bool closed_ = false;  // the server closed the connection
};

}  // namespace market4::testing
