#include "gateway/codec.h"

#include <google/protobuf/util/json_util.h>

#include "market4/v1/error.pb.h"

namespace market4::gateway {
namespace {

std::string_view MediaType(std::string_view header) {
  std::string_view type = header.substr(0, header.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return type;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<Format> RequestFormat(std::string_view content_type) {
  std::string_view type = MediaType(content_type);
  if (type.empty() || EqualsIgnoreCase(type, kJsonType)) return Format::kJson;
  if (EqualsIgnoreCase(type, kProtobufType)) return Format::kBinary;
  return Status(Code::kInvalidArgument,
                "send Content-Type: application/json (or application/x-protobuf)");
}

Format ResponseFormat(std::string_view accept) {
  return accept.find(kProtobufType) != std::string_view::npos ? Format::kBinary : Format::kJson;
}

Status Decode(const std::string& body, Format format, google::protobuf::Message* message) {
  if (format == Format::kBinary) {
    if (!message->ParseFromString(body)) {
      return Status(Code::kInvalidArgument, "body is not a valid binary protobuf message");
    }
    return Status::Ok();
  }
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Status::Ok();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(body, message, options);
  if (!parsed.ok()) {
    return Status(Code::kInvalidArgument,
                  "body is not valid JSON for this request: " + std::string(parsed.message()));
  }
  return Status::Ok();
}

HttpResponse MessageResponse(int http_status, const google::protobuf::Message& message,
                             Format format) {
  HttpResponse response;
  response.status = http_status;
  if (format == Format::kBinary) {
    response.content_type = kProtobufType;
    message.SerializeToString(&response.body);
    return response;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  response.content_type = kJsonType;
  if (!google::protobuf::util::MessageToJsonString(message, &response.body, options).ok()) {
    response.status = 500;
    response.body = R"({"code":"INTERNAL","message":"could not encode the response"})";
  }
  response.body.push_back('\n');
  return response;
}

HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           Format format) {
  v1::Error error;
  error.set_code(std::string(code));
  error.set_message(std::string(message));
  return MessageResponse(http_status, error, format);
}

HttpResponse ErrorResponse(const Status& status, Format format) {
  v1::Error error;
  error.set_code(std::string(CodeName(status.code())));
  error.set_message(status.message());
  for (const auto& [key, value] : status.details()) (*error.mutable_details())[key] = value;
  return MessageResponse(HttpStatusFor(status.code()), error, format);
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kOutOfStock:
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
    case Code::kPendingNotFound:
    case Code::kPendingAlreadyPosted:
    case Code::kPendingAlreadyVoided:
    case Code::kPendingExpired:
      return 409;
    case Code::kIdempotencyConflict:
    case Code::kInsufficientFunds:
    case Code::kExceedsDebits:
    case Code::kCurrencyMismatch:
    case Code::kOverflow:
    case Code::kAmountExceedsPending:
    case Code::kRefundExceedsPaid:
      return 422;
    case Code::kUnavailable:
      return 503;
    case Code::kIoError:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace market4::gateway
