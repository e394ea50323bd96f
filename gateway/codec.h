// Codec: turns protobuf messages into HTTP bodies and back, in the canonical protobuf JSON
// mapping (application/json, the default) or binary protobuf (application/x-protobuf), and
// builds the one Error body every failure returns. Stateless; any thread.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "common/status.h"
#include "gateway/http.h"

namespace market4::gateway {

inline constexpr char kJsonType[] = "application/json";
inline constexpr char kProtobufType[] = "application/x-protobuf";

enum class Format { kJson, kBinary };

// The format of a request body from its Content-Type; an unknown type is an error.
[[nodiscard]] Result<Format> RequestFormat(std::string_view content_type);
// The format a client wants back, from its Accept header. Default: JSON.
Format ResponseFormat(std::string_view accept);

// Parses `body` into `message`. An empty JSON body is the empty message. Unknown JSON
// fields are rejected, so a client cannot slip in a field the server owns.
[[nodiscard]] Status Decode(const std::string& body, Format format,
                            google::protobuf::Message* message);

HttpResponse MessageResponse(int http_status, const google::protobuf::Message& message,
                             Format format);
// An Error body for a domain status, with the fitting HTTP status.
HttpResponse ErrorResponse(const Status& status, Format format);
// An Error body for a failure only the gateway knows (415, 405, 413, ...).
HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           Format format);

int HttpStatusFor(Code code);

}  // namespace market4::gateway
