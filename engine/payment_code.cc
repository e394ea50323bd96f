#include "engine/payment_code.h"

#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "common/crypto.h"
#include "common/limits.h"

namespace market4::engine {
namespace {

constexpr std::size_t kRadix = kPaymentCodeAlphabet.size();
static_assert(kRadix == 31, "the check symbol relies on a prime alphabet size");
static_assert(kPaymentCodeChars == kPaymentCodePrefix.size() + kPaymentCodeSymbols);
constexpr std::size_t kDrawnSymbols = kPaymentCodeSymbols - 1;

// Separates these digests from every other SHA-256 of an order id. Changing it changes every
// code, so it is versioned.
constexpr std::string_view kSeedDomain = "market4 payment code v1\n";

// The value of `symbol` in the alphabet, or -1.
int SymbolValue(char symbol) {
  std::size_t at = kPaymentCodeAlphabet.find(symbol);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// The check symbol's value for the drawn `values`: it makes the sum of position (1-based) times
// value over all kPaymentCodeSymbols symbols divisible by kRadix.
std::size_t CheckValue(const std::array<std::size_t, kDrawnSymbols>& values) {
  std::size_t sum = 0;
  for (std::size_t i = 0; i < kDrawnSymbols; ++i) sum += (i + 1) * values[i];
  // The check symbol's weight is kPaymentCodeSymbols; find w * check = -sum (mod kRadix).
  for (std::size_t check = 0; check < kRadix; ++check) {
    if ((sum + kPaymentCodeSymbols * check) % kRadix == 0) return check;
  }
  return 0;  // unreachable: kRadix is prime and the weight is not a multiple of it
}

// ASCII letters and digits of `memo`, upper-cased: FoldMemo without Unicode, for when ICU's
// normalization data is missing. Codes are ASCII, so they are still found.
std::string FoldAscii(std::string_view memo) {
  std::string folded;
  for (char c : memo) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) folded.push_back(c);
  }
  return folded;
}

// Upper-case ASCII letters and digits of `text`, its diacritics dropped; with `spaces`, any
// run of other characters becomes one space.
std::string Fold(std::string_view text, bool spaces) {
  text = text.substr(0, kMaxMemoBytes);
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
  if (U_FAILURE(error)) return FoldAscii(text);
  icu::UnicodeString decomposed =
      nfd->normalize(icu::UnicodeString::fromUTF8(
                         icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))),
                     error);
  if (U_FAILURE(error)) return FoldAscii(text);
  std::string folded;
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    UChar32 c = decomposed.char32At(i);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;  // the tones and vowel marks, after NFD
    if (c == 0x0111 || c == 0x0110) c = 'D';  // đ, Đ: a stroke, which NFD does not take apart
    c = u_toupper(c);
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      folded.push_back(static_cast<char>(c));
    } else if (spaces && !folded.empty() && folded.back() != ' ') {
      folded.push_back(' ');
    }
  }
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  return folded;
}

}  // namespace

std::string PaymentCodeFrom(std::string_view seed_bytes) {
  std::string input(kSeedDomain);
  input.append(seed_bytes);
  Sha256Digest digest = Sha256(input);
  // 64 bits of the digest, read as a number in base kRadix. 2^64 is not a multiple of 31^7, so
  // the symbols are uneven by less than one part in 10^8: nothing a bank memo can notice.
  std::uint64_t number = 0;
  for (std::size_t i = 0; i < 8; ++i) number = (number << 8) | digest[i];
  std::array<std::size_t, kDrawnSymbols> values{};
  for (std::size_t& value : values) {
    value = static_cast<std::size_t>(number % kRadix);
    number /= kRadix;
  }
  std::string code(kPaymentCodePrefix);
  for (std::size_t value : values) code.push_back(kPaymentCodeAlphabet[value]);
  code.push_back(kPaymentCodeAlphabet[CheckValue(values)]);
  return code;
}

bool IsPaymentCode(std::string_view code) {
  if (code.size() != kPaymentCodeChars || !code.starts_with(kPaymentCodePrefix)) return false;
  std::size_t sum = 0;
  for (std::size_t i = 0; i < kPaymentCodeSymbols; ++i) {
    int value = SymbolValue(code[kPaymentCodePrefix.size() + i]);
    if (value < 0) return false;
    sum += (i + 1) * static_cast<std::size_t>(value);
  }
  return sum % kRadix == 0;
}

std::string AsciiWords(std::string_view text, std::size_t max_chars) {
  std::string words = Fold(text, true);
  if (words.size() > max_chars) {
    // Cut between words where there is one: "CHO VI THANH SAP 12" -> "CHO VI THANH".
    std::size_t space = words.rfind(' ', max_chars);
    words.resize(space != std::string::npos && space > 0 ? space : max_chars);
  }
  while (!words.empty() && words.back() == ' ') words.pop_back();
  return words;
}

std::string FoldMemo(std::string_view memo) { return Fold(memo, false); }

std::vector<std::string> FindPaymentCodes(std::string_view memo) {
  const std::string folded = FoldMemo(memo);
  std::vector<std::string> codes;
  for (std::size_t at = folded.find(kPaymentCodePrefix); at != std::string::npos;
       at = folded.find(kPaymentCodePrefix, at + 1)) {
    std::string_view candidate = std::string_view(folded).substr(at, kPaymentCodeChars);
    if (!IsPaymentCode(candidate)) continue;
    if (std::find(codes.begin(), codes.end(), candidate) == codes.end()) {
      codes.emplace_back(candidate);
    }
  }
  return codes;
}

std::optional<std::string> FindPaymentCode(std::string_view memo) {
  std::vector<std::string> codes = FindPaymentCodes(memo);
  if (codes.empty()) return std::nullopt;
  return codes.front();
}

}  // namespace market4::engine
