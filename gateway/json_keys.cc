#include "gateway/json_keys.h"

#include <cstdint>
#include <set>
#include <string>

#include "gateway/codec.h"

namespace market4::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Most bytes of a repeated JSON key that an error shows (escaped, so up to four times as many).
constexpr std::size_t kMaxShownKeyBytes = 64;

// ---- Repeated keys in JSON ------------------------------------------------------------------

// What the keys of a JSON object mean, so that two spellings of one field are caught: the
// fields of `message`, the keys of the map `field`, or plain keys compared as written.
struct Shape {
  enum class Kind { kPlain, kMessage, kMap, kRepeated };
  Kind kind = Kind::kPlain;
  const Descriptor* message = nullptr;     // kMessage
  const FieldDescriptor* field = nullptr;  // kMap, kRepeated
};

Shape MessageShape(const Descriptor* message) {
  // Well-known types (Timestamp, Struct, Any, ...) have JSON forms of their own.
  if (message->file()->package() == "google.protobuf") return {};
  return {Shape::Kind::kMessage, message, nullptr};
}

// The shape of one value of `field` (one element, if it is repeated).
Shape ElementShape(const FieldDescriptor* field) {
  return field->message_type() == nullptr ? Shape{} : MessageShape(field->message_type());
}

Shape FieldShape(const FieldDescriptor* field) {
  if (field->is_map()) return {Shape::Kind::kMap, nullptr, field};
  if (field->is_repeated()) return {Shape::Kind::kRepeated, nullptr, field};
  return ElementShape(field);
}

// The field a JSON key names, resolved as protobuf's parser does: JSON name first, then the
// proto name.
const FieldDescriptor* FindJsonField(const Descriptor& message, std::string_view key) {
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == key) return message.field(i);
  }
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->name() == key) return message.field(i);
  }
  return nullptr;
}

// `key` as printable ASCII: other bytes as \xNN, quote and backslash escaped, cut to
// kMaxShownKeyBytes. It may hold anything, even bytes that are not UTF-8.
std::string ShowKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string shown;
  for (unsigned char c : key.substr(0, kMaxShownKeyBytes)) {
    if (c == '"' || c == '\\') {
      shown += '\\';
      shown += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      shown += static_cast<char>(c);
    } else {
      shown += "\\x";
      shown += kHex[c >> 4];
      shown += kHex[c & 0xf];
    }
  }
  if (key.size() > kMaxShownKeyBytes) shown += "...";
  return shown;
}

void AppendUtf8(std::uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  }
}

// Reads a body as strict JSON (RFC 8259) and looks at its object keys, unescaped: it refuses
// a key repeated in one object and nesting deeper than kMaxJsonDepth. Every byte is read once
// and each object's keys go into an ordered set, which no crafted keys can slow the way they
// can flood a hash table: O(n log n) at worst. Anything that is not strict JSON ends the scan
// as kMalformed; Decode then refuses the body whatever protobuf's more lenient parser thinks
// of it ('single quotes', unquoted keys and trailing commas could otherwise hide a repeat).
class JsonKeyScanner {
 public:
  enum class Outcome { kClean, kMalformed, kRefused };

  explicit JsonKeyScanner(std::string_view text) : text_(text) {}

  // When kRefused, refusal() says why.
  Outcome Scan(const Descriptor& root) {
    SkipSpace();
    if (!At('{')) return Outcome::kMalformed;
    Outcome outcome = Value(MessageShape(&root), 0);
    if (outcome != Outcome::kClean) return outcome;
    SkipSpace();
    return pos_ == text_.size() ? Outcome::kClean : Outcome::kMalformed;
  }

  const Status& refusal() const { return refusal_; }

 private:
  bool At(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Take(char c) {
    if (!At(c)) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (At(' ') || At('\t') || At('\n') || At('\r')) ++pos_;
  }
  Outcome Refuse(Status status) {
    refusal_ = std::move(status);
    return Outcome::kRefused;
  }
  Outcome TooDeep() {
    return Refuse(Status(Code::kInvalidArgument, "JSON body nests objects and arrays deeper than " +
                                                     std::to_string(kMaxJsonDepth) + " levels"));
  }

  // A value of `shape` inside `depth` open objects and arrays.
  Outcome Value(const Shape& shape, int depth) {
    if (At('{')) return Object(shape, depth + 1);
    if (At('[')) return Array(shape, depth + 1);
    if (At('"')) return String(nullptr) ? Outcome::kClean : Outcome::kMalformed;
    if (Literal()) return Outcome::kClean;
    bool whole = true;
    if (!Number(&whole)) return Outcome::kMalformed;
    return whole ? Outcome::kClean : NotWhole();
  }

  // Every number in market4's messages is a whole one (dong, counts, enum values); protobuf
  // would quietly read 1.0, 1E3 or 100e-2 as integers, so an amount could be written in
  // forms that a person, a log reader or another parser may read differently.
  Outcome NotWhole() {
    return Refuse(Status(Code::kInvalidArgument,
                         "numbers must be whole, without a fraction or an exponent: write "
                         "25000, or \"25000\""));
  }

  Outcome Object(const Shape& shape, int depth) {
    if (depth > kMaxJsonDepth) return TooDeep();
    ++pos_;  // '{'
    std::set<std::string> seen;
    SkipSpace();
    if (Take('}')) return Outcome::kClean;
    while (true) {
      std::string key;
      if (!At('"') || !String(&key)) return Outcome::kMalformed;
      SkipSpace();
      if (!Take(':')) return Outcome::kMalformed;
      SkipSpace();
      const FieldDescriptor* field =
          shape.kind == Shape::Kind::kMessage ? FindJsonField(*shape.message, key) : nullptr;
      std::string identity = field != nullptr ? field->name() : key;
      if (!seen.insert(identity).second) return Refuse(Repeated(field != nullptr, identity));
      Shape value = field != nullptr ? FieldShape(field)
                    : shape.kind == Shape::Kind::kMap
                        ? ElementShape(shape.field->message_type()->map_value())
                        : Shape{};
      if (Outcome outcome = Value(value, depth); outcome != Outcome::kClean) return outcome;
      SkipSpace();
      if (Take('}')) return Outcome::kClean;
      if (!Take(',')) return Outcome::kMalformed;
      SkipSpace();
    }
  }

  static Status Repeated(bool is_field, std::string_view key) {
    std::string shown = ShowKey(key);
    return Status(Code::kInvalidArgument, std::string(is_field ? "field" : "key") + " \"" + shown +
                                              "\" is given more than once in one JSON object")
        .WithDetail("field", shown);
  }

  Outcome Array(const Shape& shape, int depth) {
    if (depth > kMaxJsonDepth) return TooDeep();
    ++pos_;  // '['
    Shape element = shape.kind == Shape::Kind::kRepeated ? ElementShape(shape.field) : Shape{};
    SkipSpace();
    if (Take(']')) return Outcome::kClean;
    while (true) {
      if (Outcome outcome = Value(element, depth); outcome != Outcome::kClean) return outcome;
      SkipSpace();
      if (Take(']')) return Outcome::kClean;
      if (!Take(',')) return Outcome::kMalformed;
      SkipSpace();
    }
  }

  // Reads a string at '"', unescaped into `out` when it is not null.
  bool String(std::string* out) {
    ++pos_;  // '"'
    while (pos_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') {
        if (out != nullptr) out->push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ == text_.size()) return false;
      char escape = text_[pos_++];
      std::uint32_t code_point = 0;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          code_point = static_cast<unsigned char>(escape);
          break;
        case 'b':
          code_point = '\b';
          break;
        case 'f':
          code_point = '\f';
          break;
        case 'n':
          code_point = '\n';
          break;
        case 'r':
          code_point = '\r';
          break;
        case 't':
          code_point = '\t';
          break;
        case 'u':
          if (!UnicodeEscape(&code_point)) return false;
          break;
        default:
          return false;
      }
      if (out != nullptr) AppendUtf8(code_point, out);
    }
    return false;
  }

  // Reads the XXXX of \uXXXX, and a second \uXXXX when the two are a surrogate pair. A lone
  // surrogate stays as it is (AppendUtf8 writes it in three bytes): keys only need telling
  // apart here, and protobuf's parser decides whether the body is acceptable.
  bool UnicodeEscape(std::uint32_t* code_point) {
    if (!Hex4(code_point)) return false;
    if (*code_point < 0xd800 || *code_point > 0xdbff || text_.substr(pos_, 2) != "\\u") {
      return true;
    }
    std::size_t after_high = pos_;
    pos_ += 2;
    std::uint32_t low = 0;
    if (!Hex4(&low)) return false;
    if (low < 0xdc00 || low > 0xdfff) {
      pos_ = after_high;  // not a pair; the second escape is read on its own
      return true;
    }
    *code_point = 0x10000 + ((*code_point - 0xd800) << 10) + (low - 0xdc00);
    return true;
  }

  bool Hex4(std::uint32_t* value) {
    if (text_.size() - pos_ < 4) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return false;
      *value = *value * 16 + static_cast<std::uint32_t>(digit);
    }
    pos_ += 4;
    return true;
  }

  bool Literal() {
    for (std::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return true;
      }
    }
    return false;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; *whole is false if it has a fraction or
  // an exponent.
  bool Number(bool* whole) {
    Take('-');
    if (!Take('0') && !Digits()) return false;
    if (Take('.')) {
      *whole = false;
      if (!Digits()) return false;
    }
    if (Take('e') || Take('E')) {
      *whole = false;
      if (!Take('+')) Take('-');
      if (!Digits()) return false;
    }
    return true;
  }

  bool Digits() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Status refusal_;
};

}  // namespace

JsonKeys ScanJsonKeys(std::string_view body, const Descriptor& root, Status* refusal) {
  JsonKeyScanner scanner(body);
  switch (scanner.Scan(root)) {
    case JsonKeyScanner::Outcome::kClean:
      return JsonKeys::kClean;
    case JsonKeyScanner::Outcome::kMalformed:
      return JsonKeys::kMalformed;
    case JsonKeyScanner::Outcome::kRefused:
      break;
  }
  *refusal = scanner.refusal();
  return JsonKeys::kRefused;
}

}  // namespace market4::gateway
