// Private to gateway/: the checks that keep a request's length unambiguous, so that no second
// request can hide in a first one's body (request smuggling). Used by the server between
// reading a request's head and its body. Pure functions; any thread.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>

#include "gateway/server.h"

namespace market4::gateway {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Obsolete line folding (RFC 9112 §5.2) in `head`: the request line and header lines, each
// ending in CRLF, without the blank line.
bool HasObsoleteLineFolding(std::string_view head);

// The body limit of the request whose head is `head` (starting with its request line):
// options.max_settlement_body_bytes for POST /v1/providers/{id}/settlements/{date}, else
// options.max_body_bytes. Known before the head is parsed, because the parser checks a
// Content-Length against the limit as it reads it.
std::size_t BodyLimitFor(std::string_view head, const ServerOptions& options);

// What is wrong with the request's framing (RFC 9112 §6.1, §6.3), if anything.
std::optional<std::string_view> FramingProblem(const RequestParser& parser);

}  // namespace market4::gateway
