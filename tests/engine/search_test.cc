// SearchWords and SearchScore (engine/search.h): how titles and queries become words.
#include "engine/search.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace market4::engine {
namespace search_test {

using Words = std::vector<std::string>;

TEST(SearchWordsTest, DropsDiacriticsAndCase) {
  EXPECT_EQ(SearchWords("Rau muống"), (Words{"rau", "muong"}));
  EXPECT_EQ(SearchWords("RAU MUỐNG"), (Words{"rau", "muong"}));
  EXPECT_EQ(SearchWords("Cá lóc đồng"), (Words{"ca", "loc", "dong"}));
  EXPECT_EQ(SearchWords("ĐẬU PHỤ Đà Lạt"), (Words{"dau", "phu", "da", "lat"}));
  EXPECT_EQ(SearchWords("Gạo ST25 (5kg)"), (Words{"gao", "st25", "5kg"}));
  // Decomposed input (some keyboards) folds the same as precomposed.
  EXPECT_EQ(SearchWords("mu\u006f\u0302\u0301ng"), (Words{"muong"}));
}

TEST(SearchWordsTest, OtherScriptsKeepTheirLettersAndPunctuationSeparates) {
  EXPECT_EQ(SearchWords("Trà 绿茶-xanh"), (Words{"tra", "绿茶", "xanh"}));
  EXPECT_EQ(SearchWords("  ...  "), Words{});
  EXPECT_EQ(SearchWords(""), Words{});
}

TEST(SearchWordsTest, WordsAndTheirLengthAreBounded) {
  std::string many;
  for (int i = 0; i < 40; ++i) many += "w" + std::to_string(i) + " ";
  EXPECT_EQ(SearchWords(many).size(), kMaxSearchWords);
  std::string long_word(200, 'a');
  EXPECT_EQ(SearchWords(long_word), (Words{std::string(kMaxSearchWordBytes, 'a')}));
  // A word of two-byte letters is cut between letters, never inside one.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\u00f0";  // ð: two bytes, no decomposition
  Words cut = SearchWords(accented);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].size(), kMaxSearchWordBytes);
}

TEST(SearchScoreTest, EveryQueryWordMustBeAWordOrTheStartOfOne) {
  Words title{"rau", "muong", "to"};
  EXPECT_GT(SearchScore(title, {"rau", "muong"}), 0);
  EXPECT_GT(SearchScore(title, {"mu"}), 0);
  EXPECT_EQ(SearchScore(title, {"uong"}), 0);
  EXPECT_EQ(SearchScore(title, {"rau", "cai"}), 0);
  EXPECT_EQ(SearchScore(title, {}), 0);
}

TEST(SearchScoreTest, OrdersMatchesAsABuyerWould) {
  Words query{"rau", "muong"};
  int at_start = SearchScore(Words{"rau", "muong"}, query);
  int later = SearchScore(Words{"bo", "rau", "muong"}, query);
  int started = SearchScore(Words{"rau", "muongg"}, query);
  int scattered = SearchScore(Words{"muong", "va", "rau"}, query);
  EXPECT_GT(at_start, later);
  EXPECT_GT(later, scattered);
  EXPECT_GT(scattered, started);  // one more whole word counts more than the order
  EXPECT_GT(started, 0);
}

}  // namespace search_test
}  // namespace market4::engine
