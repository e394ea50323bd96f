// A raw TCP connection for gateway tests that need what HttpClient will not do: send
// malformed or smuggling requests, stay silent, connect from a chosen local address, or read
// the answer to a HEAD request. Blocking POSIX sockets; one thread per connection. Each
// receive gives up after kReceiveTimeout, so a server that never answers fails a test
// instead of hanging it; that bound is a safety net, never what a test measures.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "tests/gateway/http_client.h"

namespace market4::testing {

inline constexpr std::chrono::seconds kReceiveTimeout{5};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port, from `source` (any 127.x.y.z works on Linux) if given.
  explicit RawConnection(std::uint16_t port, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    timeval timeout{static_cast<time_t>(kReceiveTimeout.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (source != nullptr) {
      sockaddr_in local = Address(source, 0);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        Drop();
        return;
      }
    }
    sockaddr_in remote = Address("127.0.0.1", port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) Drop();
  }
  ~RawConnection() { Drop(); }
  RawConnection(RawConnection&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), pending_(std::move(other.pending_)) {}
  RawConnection& operator=(RawConnection&&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool Send(std::string_view bytes) {
    while (fd_ >= 0 && !bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return fd_ >= 0;
  }

  // Reads one response; status 0 if none could be read. The body is Content-Length bytes (the
  // server always sends it); for a HEAD request no body follows, whatever Content-Length says.
  ClientResponse ReadResponse(bool head_request = false) {
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (Receive() <= 0) return {};
    }
    std::string head = pending_.substr(0, end + 2);  // each line ends in CRLF
    pending_.erase(0, end + 4);
    ClientResponse out;
    std::size_t at = head.find("\r\n");
    std::string status_line = head.substr(0, at);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return {};
    out.status = std::atoi(status_line.substr(9, 3).c_str());
    out.status_line = status_line;
    for (at += 2; at < head.size();) {
      std::size_t line_end = head.find("\r\n", at);
      std::string line = head.substr(at, line_end - at);
      at = line_end + 2;
      std::size_t colon = line.find(':');
      if (colon == std::string::npos) return {};
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t value = line.find_first_not_of(" \t", colon + 1);
      out.headers[name] = value == std::string::npos ? "" : line.substr(value);
    }
    std::size_t length =
        head_request ? 0 : std::strtoul(out.Header("content-length").c_str(), nullptr, 10);
    while (pending_.size() < length) {
      if (Receive() <= 0) return {};
    }
    out.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return out;
  }

  // Reads until the server closes the connection. True if it did (orderly or by reset) and
  // sent nothing more; false if bytes came or kReceiveTimeout passed first.
  bool ClosedByServer() {
    if (!pending_.empty()) return false;
    ssize_t n = Receive();
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  const std::string& pending() const { return pending_; }  // received, not yet read

 private:
  static sockaddr_in Address(const char* ip, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &address.sin_addr);
    return address;
  }

  ssize_t Receive() {
    if (fd_ < 0) return -1;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) pending_.append(buffer, static_cast<std::size_t>(n));
    return n;
  }

  void Drop() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

  int fd_ = -1;
  std::string pending_;  // received but not yet parsed
};

}  // namespace market4::testing
