// Private to gateway/: the checks that keep a request's length unambiguous, so that no second
// request can hide in a first one's body (request smuggling). Used by the server between
// reading a request's head and its body. Pure functions; any thread.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>

namespace market4::gateway {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Obsolete line folding (RFC 9112 §5.2) in `head`: the request line and header lines, each
// ending in CRLF, without the blank line.
bool HasObsoleteLineFolding(std::string_view head);

// What is wrong with the request's framing (RFC 9112 §6.1, §6.3), if anything.
std::optional<std::string_view> FramingProblem(const RequestParser& parser);

}  // namespace market4::gateway
