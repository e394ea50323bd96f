#include "engine/search.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "common/assert.h"

namespace market4::engine {
namespace {

// Weights of SearchScore. One more whole word outweighs order and position together.
constexpr int kInOrder = 3;
constexpr int kAtStart = 2;
static_assert(kExactWordScore - kStartedWordScore > kInOrder + kAtStart);

constexpr UChar32 kDWithStroke = 0x0111;
constexpr UChar32 kCapitalDWithStroke = 0x0110;

void AppendUtf8(UChar32 c, std::string* out) {
  char bytes[U8_MAX_LENGTH];
  std::int32_t length = 0;
  UBool error = false;
  U8_APPEND(bytes, length, U8_MAX_LENGTH, c, error);
  if (!error) out->append(bytes, static_cast<std::size_t>(length));
}

// Ends the word being built, if any.
void EndWord(std::string* word, std::vector<std::string>* words) {
  if (word->empty()) return;
  if (words->size() < kMaxSearchWords) words->push_back(std::move(*word));
  word->clear();
}

bool IsPrefix(std::string_view prefix, std::string_view word) {
  return word.size() >= prefix.size() && word.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::vector<std::string> SearchWords(std::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
  icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
  icu::UnicodeString decomposed = U_SUCCESS(error) ? nfd->normalize(input, error) : input;
  if (U_FAILURE(error)) decomposed = input;
  std::vector<std::string> words;
  std::string word;
  for (std::int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    UChar32 c = decomposed.char32At(i);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;           // tones and vowel marks, after NFD
    if (c == kDWithStroke || c == kCapitalDWithStroke) c = 'd';  // NFD keeps the stroke
    if (!u_isalnum(c)) {
      EndWord(&word, &words);
      continue;
    }
    std::size_t before = word.size();
    AppendUtf8(u_foldCase(c, U_FOLD_CASE_DEFAULT), &word);
    if (word.size() > kMaxSearchWordBytes) word.resize(before);  // cut, whole characters
  }
  EndWord(&word, &words);
  return words;
}

int SearchScore(const std::vector<std::string>& title, const std::vector<std::string>& query) {
  return SearchScore(std::vector<std::string_view>(title.begin(), title.end()), query);
}

int SearchScore(const std::vector<std::string_view>& title, const std::vector<std::string>& query) {
  if (query.empty()) return 0;
  M4_ASSERT(query.size() <= kMaxSearchWords, "a query's words come from SearchWords");
  int score = 0;
  std::array<std::size_t, kMaxSearchWords> positions{};
  std::size_t count = 0;
  for (const std::string& q : query) {
    auto exact = std::find(title.begin(), title.end(), q);
    if (exact != title.end()) {
      score += kExactWordScore;
      positions[count++] = static_cast<std::size_t>(exact - title.begin());
      continue;
    }
    auto prefix = std::find_if(title.begin(), title.end(),
                               [&](std::string_view w) { return IsPrefix(q, w); });
    if (prefix == title.end()) return 0;
    score += kStartedWordScore;
    positions[count++] = static_cast<std::size_t>(prefix - title.begin());
  }
  bool adjacent = true;
  for (std::size_t i = 1; i < count; ++i) {
    adjacent = adjacent && positions[i] == positions[i - 1] + 1;
  }
  if (adjacent) score += kInOrder;
  if (adjacent && positions[0] == 0) score += kAtStart;
  return score;
}

}  // namespace market4::engine
