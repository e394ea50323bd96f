#include "engine/text.h"

#include <gtest/gtest.h>

namespace market4::engine {
namespace {

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
  EXPECT_TRUE(CheckText("Cô Ba", {"name", 200}).ok());
  Status empty = CheckText("   ", {"name", 200});
  EXPECT_EQ(empty.code(), Code::kInvalidArgument);
  EXPECT_EQ(empty.details().at("field"), "name");
  EXPECT_TRUE(CheckText("", {"category", 64, false}).ok());
  EXPECT_FALSE(CheckText(std::string(201, 'a'), {"title", 200}).ok());
  EXPECT_TRUE(CheckText(std::string(200, 'a'), {"title", 200}).ok());
  EXPECT_FALSE(CheckText("a\tb", {"title", 200}).ok());
  EXPECT_FALSE(CheckText("a\nb", {"title", 200}).ok());
  EXPECT_TRUE(CheckText("a\nb", {"description", 2000, false, true}).ok());
  EXPECT_FALSE(CheckText("a\x7f", {"title", 200}).ok());
}

}  // namespace
}  // namespace market4::engine
