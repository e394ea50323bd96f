// Fuzzes payment-code matching in bank memos (engine/payment_code.h). Asserts, for any memo:
// every code FindPaymentCodes returns is a valid payment code that stands in the folded memo,
// none twice, and FindPaymentCode is the first of them; FoldMemo and AsciiWords give only the
// characters they promise. For a memo typed around a real code (PaymentCodeFrom of a seed from
// the input), with text before and after it and, inside it, lower case and the spaces,
// hyphens, dots and other separators payers type: the code is found. And the check symbol
// refuses the code with any one symbol changed or two different neighbours swapped.
//
// Input: a byte (even: the rest is a memo; odd: a typed code), then for a typed code the
// NUL-separated fields seed, text before, text after, typing (one byte per code character:
// bit 0 lower-cases it, the rest picks the separator typed after it), and a typo (two bytes).
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.h"
#include "engine/payment_code.h"
#include "fuzz/fuzz_input.h"

namespace market4::fuzz {
namespace {

using engine::kPaymentCodeAlphabet;
using engine::kPaymentCodeChars;
using engine::kPaymentCodePrefix;

// What payers type between the characters of a code: nothing, spaces, punctuation, a line
// break, a no-break space (U+00A0) and an ideographic space (U+3000) from phone keyboards.
constexpr std::array<std::string_view, 12> kSeparators = {
    "", " ", "  ", "-", ".", "_", "/", ", ", "\n", "\t", "\xC2\xA0", "\xE3\x80\x80"};

bool OnlyOf(std::string_view text, std::string_view allowed) {
  return text.find_first_not_of(allowed) == std::string_view::npos;
}

constexpr std::string_view kUpperAndDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

void CheckAnyMemo(const std::string& memo, std::size_t max_chars) {
  std::string folded = engine::FoldMemo(memo);
  Require(OnlyOf(folded, kUpperAndDigits), "FoldMemo keeps only A-Z and 0-9", folded);
  std::vector<std::string> codes = engine::FindPaymentCodes(memo);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    Require(engine::IsPaymentCode(codes[i]), "every code found is a payment code", codes[i]);
    Require(folded.find(codes[i]) != std::string::npos, "every code found is in the folded memo",
            codes[i]);
    Require(std::count(codes.begin(), codes.end(), codes[i]) == 1, "no code is found twice",
            codes[i]);
  }
  std::optional<std::string> first = engine::FindPaymentCode(memo);
  Require(first.has_value() == !codes.empty() && (!first || *first == codes.front()),
          "FindPaymentCode is the first of FindPaymentCodes");
  std::string words = engine::AsciiWords(memo, max_chars);
  Require(words.size() <= max_chars, "AsciiWords keeps to max_chars", words);
  Require(OnlyOf(words, std::string(kUpperAndDigits) + " "), "AsciiWords gives A-Z, 0-9, spaces",
          words);
  Require(words.empty() || (words.front() != ' ' && words.back() != ' '),
          "AsciiWords has no space at either end", words);
  Require(words.find("  ") == std::string::npos, "AsciiWords has single spaces", words);
}

// `code` as a payer types it: each character possibly lower-cased, then a separator.
std::string Typed(const std::string& code, const std::string& typing) {
  std::string typed;
  for (std::size_t i = 0; i < code.size(); ++i) {
    auto style = static_cast<unsigned char>(i < typing.size() ? typing[i] : 0);
    char c = code[i];
    if ((style & 1) && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    typed += c;
    if (i + 1 < code.size()) typed += kSeparators[(style >> 1) % kSeparators.size()];
  }
  return typed;
}

// The code with one symbol changed, or two different neighbours swapped, must not check.
void CheckTypos(const std::string& code, const std::string& typo) {
  std::size_t symbols = kPaymentCodeChars - kPaymentCodePrefix.size();
  std::size_t at = kPaymentCodePrefix.size() + (typo.empty() ? 0 : typo[0] & 0xff) % symbols;
  std::size_t shift =
      1 + (typo.size() < 2 ? 0 : typo[1] & 0xff) % (kPaymentCodeAlphabet.size() - 1);
  std::string changed = code;
  std::size_t value = kPaymentCodeAlphabet.find(code[at]);
  changed[at] = kPaymentCodeAlphabet[(value + shift) % kPaymentCodeAlphabet.size()];
  Require(!engine::IsPaymentCode(changed), "one changed symbol is refused", changed);
  if (at + 1 < code.size() && code[at] != code[at + 1]) {
    std::string swapped = code;
    std::swap(swapped[at], swapped[at + 1]);
    Require(!engine::IsPaymentCode(swapped), "two swapped neighbours are refused", swapped);
  }
}

void CheckTypedCode(FuzzInput& input) {
  std::string code = engine::PaymentCodeFrom(input.Field());
  Require(engine::IsPaymentCode(code) && code.size() == kPaymentCodeChars,
          "PaymentCodeFrom makes payment codes", code);
  std::string before = input.Field();
  std::string after = input.Field();
  std::string typed = Typed(code, input.Field());
  CheckTypos(code, input.Field());
  std::string memo = before + typed + after;
  CheckAnyMemo(memo, 25);
  if (before.size() + typed.size() > kMaxMemoBytes) return;  // only the start of a memo counts
  std::vector<std::string> codes = engine::FindPaymentCodes(memo);
  Require(std::find(codes.begin(), codes.end(), code) != codes.end(),
          "a code typed into a memo is found", code + " in: " + memo);
}

}  // namespace
}  // namespace market4::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  FuzzInput input(data, size);
  std::uint8_t mode = input.Byte();
  if (mode % 2 == 0) {
    CheckAnyMemo(input.Rest(), mode / 2);
  } else {
    CheckTypedCode(input);
  }
  return 0;
}
