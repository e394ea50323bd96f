// Checks of human text that reaches the ledger: names, titles, descriptions. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace market4::engine {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

struct TextRule {
  std::string_view field;
  std::size_t max_chars;
  bool required = true;
  bool allow_newlines = false;
};

// INVALID_ARGUMENT naming the field when `text` is empty (if required), too long, not UTF-8,
// or holds control characters (newlines only where allowed).
Status CheckText(std::string_view text, const TextRule& rule);
// The text as stored (NFC), or INVALID_ARGUMENT naming the field.
Result<std::string> CleanText(std::string_view text, const TextRule& rule);

}  // namespace market4::engine
