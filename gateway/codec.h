// Codec: turns protobuf messages into HTTP bodies and back, in the canonical protobuf JSON
// mapping (application/json, the default) or binary protobuf (application/x-protobuf), and
// builds the one Error body every failure returns. Stateless; any thread.
#pragma once

#include <google/protobuf/message.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "gateway/http.h"

namespace market4::gateway {

inline constexpr char kJsonType[] = "application/json";
inline constexpr char kProtobufType[] = "application/x-protobuf";

enum class Format { kJson, kBinary };

// Deepest nesting of JSON objects and arrays a body may have; the top-level object is 1.
inline constexpr int kMaxJsonDepth = 64;
// Most bytes of protobuf's own parse error (which may quote the body) put into an Error.
inline constexpr std::size_t kMaxParserMessageBytes = 200;

// The format of a request body from its Content-Type; an unknown type is an error.
[[nodiscard]] Result<Format> RequestFormat(std::string_view content_type);
// The format a client wants back, from its Accept header. Default: JSON.
Format ResponseFormat(std::string_view accept);

// Parses `body` into `message`. An empty body is the empty message. Unknown fields are
// refused in both formats, so a client cannot slip in a field the server owns or bytes that
// would later make two equal requests look different. A JSON body must be strict JSON
// (RFC 8259) with a top-level object, no object naming a field twice (by key, by an escaped
// spelling of it, or by its proto and lowerCamelCase names) and nesting at most kMaxJsonDepth
// deep: protobuf's parser would otherwise let the last of two "amount"s win. On failure
// `message` is cleared.
[[nodiscard]] Status Decode(const std::string& body, Format format,
                            google::protobuf::Message* message);

HttpResponse MessageResponse(int http_status, const google::protobuf::Message& message,
                             Format format);
// An Error body for a domain status, with the fitting HTTP status. Every string that goes
// into the body (code, message, detail keys and values) has its invalid UTF-8 bytes replaced
// by U+FFFD, so the body is always valid JSON and valid protobuf.
// A RATE_LIMITED status's kRetryAfterDetail becomes the response's Retry-After
// (UNAVAILABLE, and RATE_LIMITED without it, say 1).
HttpResponse ErrorResponse(const Status& status, Format format);
// An Error body for a failure only the gateway knows (415, 405, 413, ...); sanitized alike.
HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           Format format);

int HttpStatusFor(Code code);

}  // namespace market4::gateway
