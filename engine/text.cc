#include "engine/text.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <limits>
#include <string>

namespace market4::engine {
namespace {

// ICU takes lengths as int32_t; longer text is refused before it gets there.
constexpr std::size_t kMaxIcuTextBytes = std::numeric_limits<std::int32_t>::max();

constexpr char kReplacementCharacter[] = "\xef\xbf\xbd";  // U+FFFD

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

// What one code point is, as far as CleanText cares.
enum class Kind {
  kVisible,
  kSpace,     // white space, an allowed '\n', blank Braille: allowed, not visible
  kMark,      // a combining mark: allowed, counts as visible only for what may follow it
  kJoiner,    // ZWNJ, ZWJ
  kSelector,  // a variation selector
  kControl,
  kBidi,
  kNoncharacter,
  kInvisible,  // any other format or default-ignorable code point
};

bool IsBidiControl(UChar32 c) {
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
         c == 0x200f || c == 0x061c;
}

bool IsNoncharacter(UChar32 c) { return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe; }

bool IsVariationSelector(UChar32 c) {
  return (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0100 && c <= 0xe01ef);
}

Kind Classify(UChar32 c, bool allow_newlines) {
  if (c == '\n') return allow_newlines ? Kind::kSpace : Kind::kControl;
  std::int8_t type = u_charType(c);
  if (type == U_CONTROL_CHAR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR ||
      type == U_SURROGATE) {
    return Kind::kControl;
  }
  if (IsBidiControl(c)) return Kind::kBidi;
  if (IsNoncharacter(c)) return Kind::kNoncharacter;
  if (c == 0x200c || c == 0x200d) return Kind::kJoiner;
  if (IsVariationSelector(c)) return Kind::kSelector;
  if (type == U_FORMAT_CHAR || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
    return Kind::kInvisible;
  }
  if (u_isUWhiteSpace(c) || c == 0x2800) return Kind::kSpace;
  if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_COMBINING_SPACING_MARK) {
    return Kind::kMark;
  }
  return Kind::kVisible;
}

constexpr std::string_view kMisplaced =
    "may hold joiners and variation selectors only between visible characters";

// Why a code point of `kind` is refused right after one of `previous`; empty if it is not.
std::string_view Refusal(Kind kind, Kind previous) {
  bool after_visible = previous == Kind::kVisible || previous == Kind::kMark;
  switch (kind) {
    case Kind::kControl:
      return "must not contain control characters";
    case Kind::kBidi:
      return "must not contain bidirectional text controls";
    case Kind::kNoncharacter:
      return "must not contain Unicode noncharacters";
    case Kind::kInvisible:
      return "must not contain invisible characters";
    case Kind::kSelector:
      return after_visible ? "" : kMisplaced;
    case Kind::kJoiner:
      return after_visible || previous == Kind::kSelector ? "" : kMisplaced;
    case Kind::kVisible:
    case Kind::kMark:
      return "";
    case Kind::kSpace:
      return previous == Kind::kJoiner ? kMisplaced : "";
  }
  return "";
}

// The code points of one NFC text, counted and judged.
struct Tally {
  std::size_t chars = 0;
  bool visible = false;
  std::string_view refusal;  // the first refusal; empty when none
};

Tally TallyText(std::string_view nfc, bool allow_newlines) {
  Tally tally;
  Kind previous = Kind::kSpace;  // the start of the text is like white space
  const auto length = static_cast<std::int32_t>(nfc.size());
  for (std::int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(nfc.data(), i, length, c);
    Kind kind = c < 0 ? Kind::kControl : Classify(c, allow_newlines);
    ++tally.chars;
    tally.visible = tally.visible || kind == Kind::kVisible;
    if (tally.refusal.empty()) tally.refusal = Refusal(kind, previous);
    previous = kind;
  }
  if (tally.refusal.empty() && previous == Kind::kJoiner) tally.refusal = kMisplaced;
  return tally;
}

Status Invalid(const TextRule& rule, std::string_view why) {
  std::string field(rule.field);
  return Status(Code::kInvalidArgument, field + " " + std::string(why)).WithDetail("field", field);
}

Status TooLong(const TextRule& rule) {
  return Invalid(rule, "must be at most " + std::to_string(rule.max_chars) + " characters");
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

std::string ToValidUtf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = SequenceLength(text, i);
    if (length == 0) {
      valid += kReplacementCharacter;
      ++i;
    } else {
      valid.append(text.substr(i, length));
      i += length;
    }
  }
  return valid;
}

Result<std::string> CleanText(std::string_view text, const TextRule& rule) {
  if (text.size() > kMaxIcuTextBytes) return TooLong(rule);
  if (!IsValidUtf8(text)) return Invalid(rule, "is not valid UTF-8");
  Result<std::string> nfc = ToNfc(text);
  if (!nfc.ok()) return nfc.status();
  Tally tally = TallyText(nfc.value(), rule.allow_newlines);
  if (rule.required && !tally.visible) return Invalid(rule, "must not be empty");
  if (!tally.refusal.empty()) return Invalid(rule, tally.refusal);
  if (tally.chars > rule.max_chars) return TooLong(rule);
  return nfc;
}

Result<std::string> ToNfc(std::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return Status(Code::kInternal, "Unicode normalization is unavailable");
  icu::StringPiece piece(text.data(), static_cast<std::int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, error) && U_SUCCESS(error)) return std::string(text);
  error = U_ZERO_ERROR;
  std::string normalized;
  icu::StringByteSink<std::string> sink(&normalized, static_cast<std::int32_t>(text.size()));
  nfc->normalizeUTF8(0, piece, sink, nullptr, error);
  if (U_FAILURE(error)) return Status(Code::kInternal, "Unicode normalization failed");
  return normalized;
}

}  // namespace market4::engine
