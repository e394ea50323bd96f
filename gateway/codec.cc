#include "gateway/codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "engine/text.h"
#include "gateway/json_keys.h"
#include "gateway/json_print.h"
#include "market4/v1/error.pb.h"

namespace market4::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::string_view MediaType(std::string_view header) {
  std::string_view type = header.substr(0, header.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return type;
}

bool ContainsIgnoreCase(std::string_view text, std::string_view part) {
  for (std::size_t i = 0; i + part.size() <= text.size(); ++i) {
    if (AsciiEqualsIgnoreCase(text.substr(i, part.size()), part)) return true;
  }
  return false;
}

// ---- Unknown fields in binary ---------------------------------------------------------------

// The number of an unknown field in `message` or any message set inside it, if there is one.
// Recursion is as deep as the message, which protobuf's parser has already bounded.
std::optional<int> FindUnknownField(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  if (!unknown.empty()) return unknown.field(0).number();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!field->is_repeated()) {
      if (auto number = FindUnknownField(reflection->GetMessage(message, field))) return number;
      continue;
    }
    // Map fields too: reflection sees their entries as a repeated message.
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      if (auto number = FindUnknownField(reflection->GetRepeatedMessage(message, field, i))) {
        return number;
      }
    }
  }
  return std::nullopt;
}

// protobuf's parse error, which can quote the body: cut to kMaxParserMessageBytes (not inside
// a UTF-8 sequence) and made valid UTF-8.
std::string ParserMessage(std::string_view text) {
  if (text.size() <= kMaxParserMessageBytes) return engine::ToValidUtf8(text);
  std::size_t cut = kMaxParserMessageBytes;
  for (int back = 0; back < 3 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80; ++back) {
    --cut;
  }
  return engine::ToValidUtf8(text.substr(0, cut)) + "...";
}

Status DecodeBinary(const std::string& body, google::protobuf::Message* message) {
  if (!message->ParseFromString(body)) {
    message->Clear();
    return Status(Code::kInvalidArgument, "body is not a valid binary protobuf message");
  }
  if (std::optional<int> number = FindUnknownField(*message)) {
    message->Clear();
    return Status(Code::kInvalidArgument, "body has fields this server does not know")
        .WithDetail("field_number", std::to_string(*number));
  }
  return Status::Ok();
}

Status DecodeJson(const std::string& body, google::protobuf::Message* message) {
  message->Clear();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Status::Ok();
  // Said here, before protobuf's parser would quote the offending bytes back.
  if (!engine::IsValidUtf8(body)) {
    return Status(Code::kInvalidArgument, "body is not valid UTF-8 (RFC 8259 §8.1)");
  }
  Status refusal;
  JsonKeys keys = ScanJsonKeys(body, *message->GetDescriptor(), &refusal);
  if (keys == JsonKeys::kRefused) return refusal;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(body, message, options);
  if (!parsed.ok()) {
    message->Clear();
    return Status(Code::kInvalidArgument, "body is not valid JSON for this request: " +
                                              ParserMessage(parsed.message().as_string()));
  }
  if (keys == JsonKeys::kMalformed) {
    message->Clear();
    return Status(Code::kInvalidArgument, "body is not strict JSON (RFC 8259)");
  }
  return Status::Ok();
}

}  // namespace

Result<Format> RequestFormat(std::string_view content_type) {
  std::string_view type = MediaType(content_type);
  if (type.empty() || AsciiEqualsIgnoreCase(type, kJsonType)) return Format::kJson;
  if (AsciiEqualsIgnoreCase(type, kProtobufType)) return Format::kBinary;
  return Status(Code::kInvalidArgument,
                "send Content-Type: application/json (or application/x-protobuf)");
}

Format ResponseFormat(std::string_view accept) {
  return ContainsIgnoreCase(accept, kProtobufType) ? Format::kBinary : Format::kJson;
}

Status Decode(const std::string& body, Format format, google::protobuf::Message* message) {
  return format == Format::kBinary ? DecodeBinary(body, message) : DecodeJson(body, message);
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
  response.content_type = kJsonType;
  if (PrintJson(message, &response.body)) {
    response.body.push_back('\n');
    return response;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
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
  error.set_code(engine::ToValidUtf8(code));
  error.set_message(engine::ToValidUtf8(message));
  HttpResponse response = MessageResponse(http_status, error, format);
  response.error_code = error.code();
  return response;
}

HttpResponse ErrorResponse(const Status& status, Format format) {
  v1::Error error;
  error.set_code(engine::ToValidUtf8(CodeName(status.code())));
  error.set_message(engine::ToValidUtf8(status.message()));
  for (const auto& [key, value] : status.details()) {
    (*error.mutable_details())[engine::ToValidUtf8(key)] = engine::ToValidUtf8(value);
  }
  HttpResponse response = MessageResponse(HttpStatusFor(status.code()), error, format);
  response.error_code = error.code();
  // Told when to come back (RFC 9110 §10.2.3): a limit says when; a full queue, in a second.
  if (status.code() == Code::kRateLimited || status.code() == Code::kUnavailable) {
    auto wait = status.details().find(std::string(kRetryAfterDetail));
    response.headers.emplace_back("Retry-After",
                                  wait == status.details().end() ? "1" : wait->second);
  }
  return response;
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
    case Code::kInvalidSignature:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kExpired:
      return 410;
    case Code::kOutOfStock:
    case Code::kAlreadyPaid:
    case Code::kSameOperator:
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
    case Code::kRateLimited:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kIoError:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace market4::gateway
