// Plain HTTP request and response values exchanged between the Beast server and the router.
// They exist so that the router (all routes, codecs and auth) has no Beast in it and tests
// can call it without sockets. Values; any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace market4::gateway {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path and query
  std::string content_type;
  std::string accept;
  std::string authorization;
  std::string request_id;
  std::string idempotency_key;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace market4::gateway
