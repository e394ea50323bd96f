// A small blocking HTTP/1.1 client over a real TCP socket, for tests. One connection,
// reused (keep-alive) until closed. Not thread-safe: one client per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace market4::testing {

struct ClientResponse {
  int status = 0;                              // 0: the connection failed
  std::string status_line;                     // "HTTP/1.1 200 OK" (RawConnection only)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();

  // Extra headers are sent as given; Content-Type defaults to application/json when a body
  // is present and none is given.
  ClientResponse Send(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes and reads one response (for malformed-request tests).
  ClientResponse SendRaw(const std::string& bytes);
  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace market4::testing
