#include "gateway/json_print.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace market4::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The range protobuf accepts for a Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr std::int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr std::int64_t kMaxTimestampSeconds = 253'402'300'799;
constexpr std::int32_t kNanosPerSecond = 1'000'000'000;
// Room made for a response before printing it: most fit, so the string grows at most rarely.
constexpr std::size_t kFirstReserveBytes = 1024;
// Most fields of one message printed after the others (see AppendMessage); more: protobuf's.
constexpr std::size_t kMaxLateFields = 32;

template <typename Integer>
void AppendInteger(Integer value, std::string* out) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out->append(digits, end);
}

// The code points protobuf's printer writes as \uXXXX although JSON allows them raw: the
// Unicode format characters of its escaping table (json_print_test checks every code point
// against protobuf itself).
bool EscapedByProtobuf(char32_t c) {
  return (c >= 0x80 && c <= 0x9f) || c == 0xad || (c >= 0x600 && c <= 0x603) || c == 0x6dd ||
         c == 0x70f || (c >= 0x17b4 && c <= 0x17b5) || (c >= 0x200b && c <= 0x200f) ||
         (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x206a && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
         (c >= 0x1d173 && c <= 0x1d17a) || c == 0xe0001 || (c >= 0xe0020 && c <= 0xe007f);
}

// The length of the valid UTF-8 sequence at the start of `s` (1-4) and its code point, or 0.
std::size_t DecodeUtf8(std::string_view s, char32_t* c) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](std::size_t i) { return i < s.size() && (byte(i) & 0xc0) == 0x80; };
  unsigned char b = byte(0);
  std::size_t length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
  if (length == 0 || b > 0xf4) return 0;
  char32_t value = b & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if (!continuation(i)) return 0;
    value = (value << 6) | (byte(i) & 0x3f);
  }
  constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kSmallest[length] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    return 0;
  }
  *c = value;
  return length;
}

void AppendHexEscape(unsigned value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char text[6] = {'\\',
                  'u',
                  kHex[(value >> 12) & 0xf],
                  kHex[(value >> 8) & 0xf],
                  kHex[(value >> 4) & 0xf],
                  kHex[value & 0xf]};
  out->append(text, sizeof text);
}

// A byte protobuf writes as itself: printable ASCII but for the quote, the backslash and the
// angle brackets.
bool IsPlainAscii(unsigned char b) {
  return b >= 0x20 && b < 0x7f && b != '"' && b != '\\' && b != '<' && b != '>';
}

// Appends `s` as a JSON string the way protobuf escapes it, or returns false.
bool AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t plain = i;
    while (plain < s.size() && IsPlainAscii(static_cast<unsigned char>(s[plain]))) ++plain;
    out->append(s.data() + i, plain - i);  // the run that needs no escaping, at once
    i = plain;
    if (i == s.size()) break;
    unsigned char b = static_cast<unsigned char>(s[i]);
    if (b >= 0x80) {
      char32_t c = 0;
      std::size_t length = DecodeUtf8(s.substr(i), &c);
      if (length == 0 || EscapedByProtobuf(c)) return false;
      out->append(s.substr(i, length));
      i += length;
      continue;
    }
    switch (b) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '<':
      case '>':
      case 0x7f:
        AppendHexEscape(b, out);
        break;
      default:
        if (b < 0x20) {
          AppendHexEscape(b, out);
        } else {
          out->push_back(static_cast<char>(b));
        }
    }
    ++i;
  }
  out->push_back('"');
  return true;
}

// `value` (0 or more) in exactly `width` decimal digits, zeros first.
void AppendDigits(std::int64_t value, int width, std::string* out) {
  char digits[12];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(digits, static_cast<std::size_t>(width));
}

// RFC 3339 in UTC with 0, 3, 6 or 9 digits of fraction, as protobuf prints a Timestamp.
bool AppendTimestamp(const Message& message, std::string* out) {
  const auto* timestamp = dynamic_cast<const google::protobuf::Timestamp*>(&message);
  if (timestamp == nullptr) return false;
  std::int64_t seconds = timestamp->seconds();
  std::int32_t nanos = timestamp->nanos();
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds || nanos < 0 ||
      nanos >= kNanosPerSecond) {
    return false;
  }
  using namespace std::chrono;
  sys_seconds instant{std::chrono::seconds(seconds)};
  sys_days day = floor<days>(instant);
  year_month_day date{day};
  hh_mm_ss clock{instant - day};
  out->push_back('"');
  AppendDigits(static_cast<int>(date.year()), 4, out);
  out->push_back('-');
  AppendDigits(static_cast<unsigned>(date.month()), 2, out);
  out->push_back('-');
  AppendDigits(static_cast<unsigned>(date.day()), 2, out);
  out->push_back('T');
  AppendDigits(clock.hours().count(), 2, out);
  out->push_back(':');
  AppendDigits(clock.minutes().count(), 2, out);
  out->push_back(':');
  AppendDigits(clock.seconds().count(), 2, out);
  if (nanos != 0) {
    out->push_back('.');
    if (nanos % 1'000'000 == 0) {
      AppendDigits(nanos / 1'000'000, 3, out);
    } else if (nanos % 1'000 == 0) {
      AppendDigits(nanos / 1'000, 6, out);
    } else {
      AppendDigits(nanos, 9, out);
    }
  }
  out->append("Z\"");
  return true;
}

bool AppendMessage(const Message& message, std::string* out);

// One value of `field` (element `index` if repeated, else -1).
bool AppendValue(const Message& message, const FieldDescriptor* field, int index,
                 std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      AppendInteger(
          repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field), out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      AppendInteger(
          repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field),
          out);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      out->push_back('"');
      AppendInteger(
          repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field), out);
      out->push_back('"');
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      out->push_back('"');
      AppendInteger(
          repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field),
          out);
      out->push_back('"');
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append(
          (repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field))
              ? "true"
              : "false");
      return true;
    case FieldDescriptor::CPPTYPE_STRING: {
      if (field->type() == FieldDescriptor::TYPE_BYTES) return false;
      std::string scratch;
      const std::string& text = repeated
                                    ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                    : r->GetStringReference(message, field, &scratch);
      return AppendString(text, out);
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      int number = repeated ? r->GetRepeatedEnumValue(message, field, index)
                            : r->GetEnumValue(message, field);
      const auto* value = field->enum_type()->FindValueByNumber(number);
      if (value == nullptr) {
        AppendInteger(number, out);
        return true;
      }
      return AppendString(value->name(), out);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return AppendMessage(
          repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field),
          out);
    default:
      return false;  // float and double: protobuf's own number formatting
  }
}

bool AppendRepeated(const Message& message, const FieldDescriptor* field, std::string* out) {
  const Reflection* r = message.GetReflection();
  int size = r->FieldSize(message, field);
  const bool map = field->is_map();
  // Protobuf prints a map in its hash table's order, which reflection does not expose.
  if (map && size > 0) return false;
  out->push_back(map ? '{' : '[');
  for (int i = 0; i < size; ++i) {
    if (i > 0) out->push_back(',');
    if (!AppendValue(message, field, i, out)) return false;
  }
  out->push_back(map ? '}' : ']');
  return true;
}

bool IsWellKnown(const FieldDescriptor* field) {
  return field->message_type() != nullptr &&
         field->message_type()->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED;
}

bool IsLate(const FieldDescriptor* field) {
  return IsWellKnown(field) || field->containing_oneof() != nullptr;
}

// `"name":value` with a comma before it unless `*first`. Fields with presence (messages,
// oneof members, proto3 `optional`) only when set; everything else always, zero included.
bool AppendField(const Message& message, const FieldDescriptor* field, bool* first,
                 std::string* out) {
  if (field->is_repeated() && IsWellKnown(field)) return false;  // where would protobuf put it?
  if (!field->is_repeated() && field->has_presence() &&
      !message.GetReflection()->HasField(message, field)) {
    return true;
  }
  if (!*first) out->push_back(',');
  *first = false;
  out->push_back('"');
  out->append(field->name());
  out->append("\":");
  return field->is_repeated() ? AppendRepeated(message, field, out)
                              : AppendValue(message, field, -1, out);
}

bool AppendMessage(const Message& message, std::string* out) {
  const Descriptor* type = message.GetDescriptor();
  if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
    return AppendTimestamp(message, out);
  }
  if (type->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
  out->push_back('{');
  bool first = true;
  // Declaration order, except that protobuf puts the fields it does not fill in with
  // defaults (well-known types such as Timestamp, oneof members, proto3 `optional`) after
  // all the others, in field number order.
  const FieldDescriptor* late[kMaxLateFields];
  std::size_t late_count = 0;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (IsLate(field)) {
      if (late_count == kMaxLateFields) return false;
      late[late_count++] = field;
    } else if (!AppendField(message, field, &first, out)) {
      return false;
    }
  }
  std::sort(late, late + late_count,
            [](const auto* a, const auto* b) { return a->number() < b->number(); });
  for (std::size_t i = 0; i < late_count; ++i) {
    if (!AppendField(message, late[i], &first, out)) return false;
  }
  out->push_back('}');
  return true;
}

}  // namespace

bool PrintJson(const Message& message, std::string* out) {
  std::size_t before = out->size();
  out->reserve(before + kFirstReserveBytes);
  if (AppendMessage(message, out)) return true;
  out->resize(before);
  return false;
}

}  // namespace market4::gateway
