#include "engine/text.h"

#include <gtest/gtest.h>

#include <string>

namespace market4::engine {
namespace text_test {

const TextRule kTitle{"title", 200};
const TextRule kDescription{"description", 2000, false, true};

// The message CleanText gives for `text` under `rule`, or "ok".
std::string Why(std::string_view text, const TextRule& rule = kTitle) {
  Result<std::string> clean = CleanText(text, rule);
  return clean.ok() ? "ok" : clean.status().message();
}

std::string Repeat(std::string_view piece, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += piece;
  return text;
}

TEST(TextTest, AcceptsVietnameseAndRejectsMalformedUtf8) {
  EXPECT_TRUE(IsValidUtf8("Rau muống, cà chua Đà Lạt, bánh tráng — 1 bó"));
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x90\x9f"));   // U+1F41F, a fish
  EXPECT_FALSE(IsValidUtf8("\xff"));              // never valid
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("a\x80z"));            // lone continuation byte
}

TEST(TextTest, RulesNameTheField) {
  EXPECT_TRUE(CleanText("Cô Ba", {"name", 200}).ok());
  Status empty = CleanText("   ", {"name", 200}).status();
  EXPECT_EQ(empty.code(), Code::kInvalidArgument);
  EXPECT_EQ(empty.details().at("field"), "name");
  EXPECT_TRUE(CleanText("", {"category", 64, false}).ok());
  EXPECT_FALSE(CleanText(std::string(201, 'a'), {"title", 200}).ok());
  EXPECT_TRUE(CleanText(std::string(200, 'a'), {"title", 200}).ok());
  EXPECT_FALSE(CleanText("a\tb", {"title", 200}).ok());
  EXPECT_FALSE(CleanText("a\nb", {"title", 200}).ok());
  EXPECT_TRUE(CleanText("a\nb", {"description", 2000, false, true}).ok());
  EXPECT_FALSE(CleanText("a\x7f", {"title", 200}).ok());
}

TEST(TextTest, VietnameseInNfcAndNfdIsStoredAsTheSameNfcBytes) {
  const std::string nfc = "Rau mu\u1ed1ng, s\u1eefa, c\u00e1 ng\u1eeb";
  // o + circumflex + acute; u + horn + tilde; a + acute; u + horn + grave.
  const std::string nfd = "Rau muo\u0302\u0301ng, su\u031b\u0303a, ca\u0301 ngu\u031b\u0300";
  ASSERT_NE(nfc, nfd);
  Result<std::string> from_nfc = CleanText(nfc, kTitle);
  Result<std::string> from_nfd = CleanText(nfd, kTitle);
  ASSERT_TRUE(from_nfc.ok()) << from_nfc.status().message();
  ASSERT_TRUE(from_nfd.ok()) << from_nfd.status().message();
  EXPECT_EQ(from_nfc.value(), nfc);
  EXPECT_EQ(from_nfd.value(), nfc);
  // Marks in a non-canonical order still compose: dot below before circumflex is "ệ".
  EXPECT_EQ(CleanText("e\u0323\u0302", kTitle).value(), "\u1ec7");
  EXPECT_EQ(CleanText("e\u0302\u0323", kTitle).value(), "\u1ec7");
}

TEST(TextTest, LengthIsCodePointsAfterNfc) {
  const std::string o_nfc = "\u1ed1";         // 3 bytes, 1 code point
  const std::string o_nfd = "o\u0302\u0301";  // 5 bytes, 3 code points, NFC 1
  EXPECT_EQ(Why(Repeat(o_nfc, 200)), "ok");
  EXPECT_EQ(Why(Repeat(o_nfd, 200)), "ok");
  EXPECT_EQ(CleanText(Repeat(o_nfd, 200), kTitle).value(), Repeat(o_nfc, 200));
  EXPECT_EQ(Why(Repeat(o_nfc, 201)), "title must be at most 200 characters");
  EXPECT_EQ(Why(Repeat(o_nfd, 201)), "title must be at most 200 characters");
  EXPECT_EQ(Why(Repeat("\U0001F41F", 32), {"unit", 32}), "ok");
  EXPECT_EQ(Why(Repeat("\U0001F41F", 33), {"unit", 32}), "unit must be at most 32 characters");
}

// Lengths are characters, not bytes: 100 Vietnamese letters of 3 bytes each fit a title.
TEST(TextTest, LengthsAreCharactersNotBytes) {
  const std::string text = Repeat("\u1ed1", 100);  // 100 characters, 300 bytes
  EXPECT_TRUE(CleanText(text, kTitle).ok());
  EXPECT_EQ(CleanText("Rau \u202egnoum\u202c", kTitle).status().message(),
            "title must not contain bidirectional text controls");
}

TEST(TextTest, RefusesMalformedUtf8) {
  for (std::string bad : {"a\xc0\xaf", "\xed\xa0\x80", "x\xed\xbf\xbfy", "\xf4\x90\x80\x80",
                          "\xe0\x80\xaf", "\xff", "ab\xc3"}) {
    Result<std::string> clean = CleanText(bad, kTitle);
    ASSERT_FALSE(clean.ok());
    EXPECT_EQ(clean.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(clean.status().message(), "title is not valid UTF-8");
    EXPECT_EQ(clean.status().details().at("field"), "title");
  }
}

TEST(TextTest, RefusesControlCharacters) {
  const std::string control = "title must not contain control characters";
  EXPECT_EQ(Why(std::string("a\0b", 3)), control);
  EXPECT_EQ(Why("a\tb"), control);
  EXPECT_EQ(Why("a\rb"), control);
  EXPECT_EQ(Why("a\x7f"), control);
  EXPECT_EQ(Why("\u0085"), "title must not be empty");  // NEL alone holds nothing visible
  EXPECT_EQ(Why("a\u0085"), control);
  EXPECT_EQ(Why("\u009b"), "title must not be empty");
  EXPECT_EQ(Why("a\u009b[31m"), control);
  EXPECT_EQ(Why("a\nb"), control);
  EXPECT_EQ(Why("a\nb", kDescription), "ok");
  EXPECT_EQ(Why("a\r\nb", kDescription), "description must not contain control characters");
  EXPECT_EQ(Why("a\u2028b", kDescription), "description must not contain control characters");
  EXPECT_EQ(Why("a\u2029b", kDescription), "description must not contain control characters");
  EXPECT_EQ(Why("a\u0085b", kDescription), "description must not contain control characters");
}

TEST(TextTest, RefusesBidiControlsAndMarks) {
  const std::string bidi = "title must not contain bidirectional text controls";
  EXPECT_EQ(Why("Rau \u202egnoum\u202c"), bidi);
  for (std::string control : {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                              "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"}) {
    EXPECT_EQ(Why("Gi\u00e1 " + control + "100"), bidi) << control;
  }
}

TEST(TextTest, RefusesNoncharacters) {
  const std::string non = "title must not contain Unicode noncharacters";
  EXPECT_EQ(Why("a\ufffe"), non);
  EXPECT_EQ(Why("a\uffff"), non);
  EXPECT_EQ(Why("a\ufdd0"), non);
  EXPECT_EQ(Why("a\ufdef"), non);
  EXPECT_EQ(Why("a\U0001fffe"), non);
  EXPECT_EQ(Why("a\U0010ffff"), non);
  EXPECT_EQ(Why("a\ufdcf"), "ok");  // just below the block: an (unassigned) character
  EXPECT_EQ(Why("a\ufffd"), "ok");  // the replacement character is a symbol
}

TEST(TextTest, InvisibleOnlyTextIsEmpty) {
  const std::string empty = "title must not be empty";
  EXPECT_EQ(Why(""), empty);
  EXPECT_EQ(Why("\u200b\ufeff"), empty);
  EXPECT_EQ(Why(" \u00a0\u3000\u2003"), empty);
  EXPECT_EQ(Why("\u2060\u200c\u200d"), empty);
  EXPECT_EQ(Why("\u3164"), empty);        // Hangul filler: a letter that draws nothing
  EXPECT_EQ(Why("\u2800\u2800"), empty);  // blank Braille pattern
  EXPECT_EQ(Why("\u0301"), empty);        // a combining mark alone
  EXPECT_EQ(Why("\ufe0f"), empty);
  Result<std::string> clean = CleanText("\u200b", kTitle);
  EXPECT_EQ(clean.status().details().at("field"), "title");
  // An optional field may be empty, but not invisible junk.
  EXPECT_EQ(CleanText("", kDescription).value(), "");
  EXPECT_EQ(Why("\u200b", kDescription), "description must not contain invisible characters");
  EXPECT_EQ(Why("\u200d", kDescription),
            "description may hold joiners and variation selectors only between visible "
            "characters");
}

TEST(TextTest, ZeroWidthCharactersInsideText) {
  const std::string invisible = "title must not contain invisible characters";
  const std::string misplaced =
      "title may hold joiners and variation selectors only between visible characters";
  EXPECT_EQ(Why("C\u00f4\u200bBa"), invisible);
  EXPECT_EQ(Why("C\u00f4\ufeffBa"), invisible);
  EXPECT_EQ(Why("\ufeffC\u00f4 Ba"), invisible);
  EXPECT_EQ(Why("C\u00f4\u2060Ba"), invisible);
  EXPECT_EQ(Why("C\u00f4\u00adBa"), invisible);         // soft hyphen
  EXPECT_EQ(Why("C\u00f4 \u3164Ba"), invisible);        // Hangul filler
  EXPECT_EQ(Why("Ba\U000E0041\U000E0042"), invisible);  // tag characters hide ASCII
  EXPECT_EQ(Why("a\u180eb"), invisible);                // Mongolian vowel separator
  // Joiners and selectors that belong to emoji and scripts.
  EXPECT_EQ(Why("\U0001F468\u200d\U0001F469\u200d\U0001F467"), "ok");        // family
  EXPECT_EQ(Why("\u2764\ufe0f\u200d\U0001F525"), "ok");                      // heart on fire
  EXPECT_EQ(Why("1\ufe0f\u20e3"), "ok");                                     // keycap 1
  EXPECT_EQ(Why("\U0001F44D\U0001F3FD"), "ok");                              // skin tone
  EXPECT_EQ(Why("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"), "ok");  // ZWNJ, Persian
  EXPECT_EQ(Why("\u0915\u094d\u200d\u0937"), "ok");  // ZWJ after a virama, Devanagari
  // Anywhere else they are refused.
  EXPECT_EQ(Why("\u200dabc"), misplaced);
  EXPECT_EQ(Why("abc\u200d"), misplaced);
  EXPECT_EQ(Why("abc\u200c"), misplaced);
  EXPECT_EQ(Why("a\u200d\u200db"), misplaced);
  EXPECT_EQ(Why("a \u200d b"), misplaced);
  EXPECT_EQ(Why("a\u200d b"), misplaced);
  EXPECT_EQ(Why("a\ufe0f\ufe0f"), misplaced);
  EXPECT_EQ(Why("\ufe0fa"), misplaced);
  EXPECT_EQ(Why("a \ufe0f"), misplaced);
  EXPECT_EQ(Why("a\u200d\ufe0fb"), misplaced);
  EXPECT_EQ(Why("a" + Repeat("\U000E0100", 8)), misplaced);  // bytes hidden in selectors
}

TEST(TextTest, MessagesNeverRepeatTheText) {
  for (std::string bad :
       {std::string("<script>\u202e"), std::string("<script>\x01"), std::string("<script>\xc0\xaf"),
        std::string("<script>\ufffe"), std::string("<script>\u200b"), Repeat("<script>", 30)}) {
    Result<std::string> clean = CleanText(bad, kTitle);
    ASSERT_FALSE(clean.ok());
    EXPECT_EQ(clean.status().message().find("script"), std::string::npos)
        << clean.status().message();
    EXPECT_EQ(clean.status().details().size(), 1u);
    EXPECT_EQ(clean.status().details().at("field"), "title");
  }
}

TEST(TextTest, ToValidUtf8ReplacesEachBadByte) {
  EXPECT_EQ(ToValidUtf8("Rau mu\u1ed1ng"), "Rau mu\u1ed1ng");
  EXPECT_EQ(ToValidUtf8("a\xc0\xafz"), "a\ufffd\ufffdz");
  EXPECT_EQ(ToValidUtf8("\xed\xa0\x80"), "\ufffd\ufffd\ufffd");
  EXPECT_EQ(ToValidUtf8("ab\xe1\xbb"), "ab\ufffd\ufffd");
  EXPECT_EQ(ToValidUtf8(""), "");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xff\xfe\x80\xf4\x90\x80\x80")));
}

}  // namespace text_test
}  // namespace market4::engine
