// Payment codes: made the same way on every replica, in an alphabet without look-alikes, and
// found again in the memos that banks and people actually write.
#include "engine/payment_code.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "common/limits.h"

namespace market4::engine {
namespace payment_code_test {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string CodeFor(int order) { return PaymentCodeFrom("o_" + std::to_string(order) + "~0"); }

TEST(PaymentCodeTest, Alphabet) {
  EXPECT_EQ(kPaymentCodeAlphabet.size(), 31u);
  std::set<char> symbols(kPaymentCodeAlphabet.begin(), kPaymentCodeAlphabet.end());
  EXPECT_EQ(symbols.size(), kPaymentCodeAlphabet.size());
  for (char look_alike : std::string("0O1IL")) EXPECT_EQ(symbols.count(look_alike), 0u);
  for (char c : kPaymentCodeAlphabet) {
    EXPECT_TRUE((c >= '2' && c <= '9') || (c >= 'A' && c <= 'Z')) << c;
  }
}

TEST(PaymentCodeTest, DeterministicFromTheSeed) {
  // Pinned: computed independently (SHA-256 of "market4 payment code v1\n" + seed, its first 8
  // bytes big-endian in base 31, least significant symbol first, then the check symbol).
  // Replicas and later versions must give these same codes.
  EXPECT_EQ(PaymentCodeFrom("o_0123456789abcdef~1"), "M4X2M6AKC2");
  EXPECT_EQ(PaymentCodeFrom("o_0123456789abcdef~2"), "M4D7AKU3YC");
  EXPECT_EQ(PaymentCodeFrom(""), "M4QDT8YSJ5");
  EXPECT_EQ(PaymentCodeFrom("o_x~1"), PaymentCodeFrom("o_x~1"));
  EXPECT_NE(PaymentCodeFrom("o_x~1"), PaymentCodeFrom("o_x~2"));
}

TEST(PaymentCodeTest, ShapeAndSpread) {
  std::set<std::string> codes;
  std::set<char> seen;
  for (int order = 0; order < 3000; ++order) {
    std::string code = CodeFor(order);
    ASSERT_EQ(code.size(), kPaymentCodeChars);
    ASSERT_TRUE(code.starts_with("M4")) << code;
    ASSERT_TRUE(IsPaymentCode(code)) << code;
    for (char c : code.substr(2)) {
      ASSERT_NE(kPaymentCodeAlphabet.find(c), std::string_view::npos) << code;
      seen.insert(c);
    }
    codes.insert(code);
  }
  EXPECT_EQ(codes.size(), 3000u);                       // no two of these orders share a code
  EXPECT_EQ(seen.size(), kPaymentCodeAlphabet.size());  // every symbol is used
}

TEST(PaymentCodeTest, CheckSymbolCatchesEveryTypoAndSwap) {
  for (int order = 0; order < 50; ++order) {
    const std::string code = CodeFor(order);
    for (std::size_t at = 2; at < code.size(); ++at) {
      for (char other : kPaymentCodeAlphabet) {
        if (other == code[at]) continue;
        std::string typo = code;
        typo[at] = other;
        ASSERT_FALSE(IsPaymentCode(typo)) << code << " -> " << typo;
      }
      if (at + 1 < code.size() && code[at] != code[at + 1]) {
        std::string swapped = code;
        std::swap(swapped[at], swapped[at + 1]);
        ASSERT_FALSE(IsPaymentCode(swapped)) << code << " -> " << swapped;
      }
    }
  }
}

TEST(PaymentCodeTest, IsPaymentCodeIsExact) {
  const std::string code = CodeFor(1);
  EXPECT_TRUE(IsPaymentCode(code));
  EXPECT_FALSE(IsPaymentCode(Lower(code)));
  EXPECT_FALSE(IsPaymentCode(code.substr(0, 9)));
  EXPECT_FALSE(IsPaymentCode(code + "A"));
  EXPECT_FALSE(IsPaymentCode("M5" + code.substr(2)));
  EXPECT_FALSE(IsPaymentCode(""));
}

TEST(PaymentCodeTest, FoldMemo) {
  EXPECT_EQ(FoldMemo("Nguyễn Văn Á, m4ab cd"), "NGUYENVANAM4ABCD");
  EXPECT_EQ(FoldMemo("Đồng Tháp, đường 30/4"), "DONGTHAPDUONG304");
  // The same words typed decomposed (NFD) fold the same.
  EXPECT_EQ(FoldMemo("Nguye\xcc\x82\xcc\x83n"), "NGUYEN");
  // Invalid UTF-8, emoji, symbols and fullwidth forms fold to nothing.
  const std::string mixed = std::string("M4\xff\xfe") + "AB\xf0\x9f\x90\x9f" + "C\xef\xbc\xad";
  EXPECT_EQ(FoldMemo(mixed), "M4ABC");
  EXPECT_EQ(FoldMemo(""), "");
  EXPECT_EQ(FoldMemo(std::string(kMaxMemoBytes + 100, 'a')), std::string(kMaxMemoBytes, 'A'));
}

TEST(PaymentCodeTest, FindsTheCodeInBankMemos) {
  const std::string code = CodeFor(7);
  const std::string lower = Lower(code);
  const std::string memos[] = {
      code,
      "NGUYEN VAN A CHUYEN KHOAN " + lower.substr(0, 2) + " " + lower.substr(2, 4) + " " +
          lower.substr(6, 4),
      "Nguyễn Văn Á chuyển khoản " + code.substr(0, 6) + " " + code.substr(6),
      "MBVCB.1234567.CK-" + code.substr(0, 2) + "." + code.substr(2, 4) + "-" + code.substr(6) +
          ".CT tu 0011001932418 toi 1012345678",
      "thanh toan don hang (" + lower + ") cam on",
      code + " cam on co Ba",
  };
  for (const std::string& memo : memos) {
    EXPECT_EQ(FindPaymentCode(memo), code) << memo;
  }
}

TEST(PaymentCodeTest, NoCodeIsNoMatch) {
  const std::string code = CodeFor(7);
  EXPECT_EQ(FindPaymentCode(""), std::nullopt);
  EXPECT_EQ(FindPaymentCode("chuyen tien an trua"), std::nullopt);
  EXPECT_EQ(FindPaymentCode("M4"), std::nullopt);
  // A code cut short, at the end of the memo, with or without trailing punctuation.
  EXPECT_EQ(FindPaymentCode("CK " + code.substr(0, 9)), std::nullopt);
  EXPECT_EQ(FindPaymentCode("CK " + code.substr(0, 6) + " " + code.substr(6, 3) + ". "),
            std::nullopt);
  // The right prefix followed by letters outside the alphabet, or the wrong prefix.
  EXPECT_EQ(FindPaymentCode("M4OOOOIIII"), std::nullopt);
  EXPECT_EQ(FindPaymentCode("m4 llll 1111 0000"), std::nullopt);
  EXPECT_EQ(FindPaymentCode("M5" + code.substr(2)), std::nullopt);
  // One symbol written as a look-alike: 0 or O, 1 or I or L.
  for (char look_alike : std::string("0O1IL")) {
    for (std::size_t at = 2; at < code.size(); ++at) {
      std::string misread = code;
      misread[at] = look_alike;
      EXPECT_EQ(FindPaymentCode("CK " + misread), std::nullopt) << misread;
    }
  }
}

// A code cut short and followed by more text joins that text in the folded memo; the check
// symbol refuses about 30 in 31 of the codes that this forms.
TEST(PaymentCodeTest, CutShortBeforeTextIsRarelyACode) {
  int false_codes = 0;
  const int kOrders = 3100;
  for (int order = 0; order < kOrders; ++order) {
    const std::string code = CodeFor(order);
    if (code[9] == 'C') continue;  // then the memo does hold the whole code
    false_codes += FindPaymentCode(code.substr(0, 9) + " CAM ON").has_value();
  }
  EXPECT_LT(false_codes, 2 * kOrders / 31);
}

TEST(PaymentCodeTest, SeveralCandidatesInMemoOrder) {
  const std::string first = CodeFor(1);
  const std::string second = CodeFor(2);
  const std::string memo = "tra " + first + " va " + Lower(second) + " va " + first;
  EXPECT_EQ(FindPaymentCodes(memo), (std::vector<std::string>{first, second}));
  EXPECT_EQ(FindPaymentCode(memo), first);
  // "M4" typed twice: the real code is among the candidates whatever comes before it.
  std::vector<std::string> twice = FindPaymentCodes("CK M4 " + first);
  EXPECT_NE(std::find(twice.begin(), twice.end(), first), twice.end());
}

}  // namespace payment_code_test
}  // namespace market4::engine
