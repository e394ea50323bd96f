// market4ctl's HTTP client: one plain synchronous HTTP/1.1 exchange over Beast per call, a
// fresh connection each time (Connection: close). The server URL is http://host[:port][/base]
// (parsed with Boost.URL); TLS is not spoken: market4ctl talks to market4d on its own machine
// or through a tunnel. Beast stays inside ctl_http.cc. Any one thread per call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace market4::tools {

struct CtlEndpoint {
  std::string host;
  std::string port;       // service, e.g. "8080"
  std::string base_path;  // prefix of every target, without a trailing '/'
};

// INVALID_ARGUMENT unless `url` is http://host[:port][/path] without user, query or fragment.
Result<CtlEndpoint> ParseServerUrl(const std::string& url);

struct CtlRequest {
  std::string method;
  std::string target;  // path and query, appended to the endpoint's base path
  std::string token;   // sent as a Bearer token when not empty
  std::string accept = "application/json";
  std::string content_type;  // when there is a body
  std::string body;
};

struct CtlResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Called as the body goes out, piece by piece, with bytes sent and the body's size.
using UploadProgress = std::function<void(std::uint64_t sent, std::uint64_t total)>;

// The server's answer, whatever its status; kUnavailable (with the reason) when no answer
// came: the server cannot be reached, or the connection broke.
Result<CtlResponse> SendRequest(const CtlEndpoint& endpoint, const CtlRequest& request,
                                const UploadProgress& progress = {});

}  // namespace market4::tools
