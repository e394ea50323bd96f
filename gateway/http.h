// Plain HTTP request and response values exchanged between the Beast server and the router.
// They exist so that the router (all routes, codecs and auth) has no Beast in it and tests
// can call it without sockets. Values; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace market4::gateway {

// ASCII case-insensitive equality: header names (RFC 9110 §5.1), media types, schemes.
bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path and query
  // Every header as received, in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string request_id;  // the client's X-Request-Id if safe, else one made by the server
  std::string body;

  // The first header named `name` (any case), or "" if there is none.
  std::string_view Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (AsciiEqualsIgnoreCase(key, name)) return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace market4::gateway
