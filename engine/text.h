// Checks of human text that other people will see: merchant and buyer names, listing titles,
// descriptions, units, categories. CleanText refuses text that could mislead a reader
// (invisible, reordering or control characters) and returns it in Unicode NFC, so one name has
// one spelling in storage. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace market4::engine {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
// For echoing text of unknown origin (error messages) where invalid UTF-8 must not go out.
std::string ToValidUtf8(std::string_view text);

struct TextRule {
  // The field's name as clients know it ("title"); errors name it and carry it as the
  // "field" detail.
  std::string_view field;
  // Most Unicode code points the text may hold, counted after NFC normalization.
  std::size_t max_chars;
  // The text must hold at least one visible character. Default: true.
  bool required = true;
  // '\n' is allowed (descriptions). No other line break ever is. Default: false.
  bool allow_newlines = false;
};

// `text` in NFC, or INVALID_ARGUMENT with detail field=rule.field when it is not valid UTF-8,
// holds a refused character, is longer than rule.max_chars code points after NFC, or (when
// required) holds no visible character. Messages are built from the rule only and never
// repeat the client's text.
//
// Refused anywhere: control characters (U+0000-U+001F except an allowed '\n', U+007F,
// U+0080-U+009F) and U+2028/U+2029; bidirectional embeddings, overrides and isolates
// (U+202A-U+202E, U+2066-U+2069) and also the marks U+200E, U+200F and U+061C, which can
// reorder neighbouring digits and punctuation (a price) just as well and that no Vietnamese
// text needs; noncharacters (U+FDD0-U+FDEF, U+xxFFFE, U+xxFFFF); and every other format (Cf)
// or default-ignorable code point (U+200B, U+2060, U+FEFF, U+00AD, U+3164 and the like), all
// of which render as nothing and let two different names look the same.
//
// Allowed, but only inside visible text: U+200C ZWNJ and U+200D ZWJ between two visible
// characters (emoji sequences such as a family, Indic and Persian shaping), and a variation
// selector (U+FE00-U+FE0F, U+E0100-U+E01EF) right after a visible character (emoji
// presentation). Here a combining mark counts as visible, and a joiner may also follow a
// selector (U+2764 U+FE0F U+200D U+1F525). Two selectors or two joiners in a row are refused,
// so no text can be hidden in a run of them. Emoji tag sequences (the flags of England,
// Scotland, Wales) are refused with the tag characters.
//
// Visible: a letter, digit, punctuation mark or symbol, private-use or unassigned code point
// (newer emoji). Not visible: white space, U+2800 (blank Braille), combining marks alone,
// joiners and selectors.
[[nodiscard]] Result<std::string> CleanText(std::string_view text, const TextRule& rule);

// `text`, which must be valid UTF-8, in Unicode Normalization Form C: how stored text is
// compared (a search for "Rau muống" typed in NFD finds the NFC title).
Result<std::string> ToNfc(std::string_view text);

}  // namespace market4::engine
