// Plain HTTP request and response values exchanged between the Beast server and the router.
// They exist so that the router (all routes, codecs and auth) has no Beast in it and tests
// can call it without sockets. Values; any thread. A response may instead open a stream of
// Server-Sent Events (event_hub.h), which the server then writes until it ends.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace market4::gateway {

class EventStream;  // event_hub.h

// ASCII case-insensitive equality: header names (RFC 9110 §5.1), media types, schemes.
bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path and query
  // Every header as received, in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string request_id;  // the client's X-Request-Id if safe, else one made by the server
  std::string body;
  // The address that per-address limits count (IPv6: its /64), as text; "" for a request
  // that came from no socket (tests calling the router), which no per-address limit counts.
  std::string client;

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
  // Set on a 200 that opens an event stream: the server writes this head (chunked, no body)
  // and then the stream's frames until it ends, and serves no further request on the
  // connection. A HEAD request gets the head alone.
  std::shared_ptr<EventStream> stream = nullptr;  // so that aggregate initializers may omit it
  // An error's stable code ("RATE_LIMITED"), "" for a success: what metrics count.
  std::string error_code = {};
};

}  // namespace market4::gateway
