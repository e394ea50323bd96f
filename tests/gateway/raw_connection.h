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

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
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

  // Reads one response; status 0 if none could be read. For a HEAD request the parser is told
  // that no body follows the header, whatever Content-Length says.
  ClientResponse ReadResponse(bool head_request = false) {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.skip(head_request);
    while (!parser.is_done()) {
      boost::beast::error_code ec;
      std::size_t used = pending_.empty() ? 0 : parser.put(boost::asio::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec && ec != http::error::need_more) return {};
      if (parser.is_done()) break;
      if (used == 0 && Receive() <= 0) {
        parser.put_eof(ec);
        if (ec || !parser.is_done()) return {};
      }
    }
    ClientResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = parser.get().body();
    return out;
  }

  // Reads until the server closes the connection. True if it did (orderly or by reset) and
  // sent nothing more; false if bytes came or kReceiveTimeout passed first.
  bool ClosedByServer() {
    if (!pending_.empty()) return false;
    ssize_t n = Receive();
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  const std::string& pending() const { return pending_; }

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
