#include "engine/text.h"

#include <string>

namespace market4::engine {
namespace {

// Length of the UTF-8 sequence starting at `text[i]`, or 0 if it is malformed.
std::size_t SequenceLength(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  unsigned char second = byte(i + 1);
  if (lead == 0xe0 && second < 0xa0) return 0;  // overlong
  if (lead == 0xed && second > 0x9f) return 0;  // surrogate
  if (lead == 0xf0 && second < 0x90) return 0;  // overlong
  if (lead == 0xf4 && second > 0x8f) return 0;  // past U+10FFFF
  return length;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

Status CheckText(std::string_view text, const TextRule& rule) {
  auto invalid = [&](const std::string& why) {
    return Status(Code::kInvalidArgument, std::string(rule.field) + " " + why)
        .WithDetail("field", std::string(rule.field));
  };
  if (rule.required && text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return invalid("must not be empty");
  }
  if (text.size() > rule.max_chars) {
    return invalid("must be at most " + std::to_string(rule.max_chars) + " bytes");
  }
  if (!IsValidUtf8(text)) return invalid("is not valid UTF-8");
  for (unsigned char c : text) {
    bool newline = c == '\n' && rule.allow_newlines;
    if ((c < 0x20 || c == 0x7f) && !newline) return invalid("must not contain control characters");
  }
  return Status::Ok();
}

Result<std::string> CleanText(std::string_view text, const TextRule& rule) {
  if (Status s = CheckText(text, rule); !s.ok()) return s;
  return std::string(text);
}

}  // namespace market4::engine
