// Words for finding listings by title in Vietnamese as people type it: with or without
// diacritics, in any case. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace market4::engine {

// Most words of a title that are indexed, and of a query that are looked for.
inline constexpr std::size_t kMaxSearchWords = 16;
// Longest word kept, in bytes; longer words are cut (on a character boundary).
inline constexpr std::size_t kMaxSearchWordBytes = 48;

// The words of `text` (valid UTF-8) folded for search: decomposed (NFD) with the combining
// marks dropped, so the tones and vowel marks go ("muống" -> "muong"); 'đ' and 'Đ' become
// 'd'; case-folded. Letters and digits of any script make words, everything else separates
// them. In text order, repeats kept, at most kMaxSearchWords.
std::vector<std::string> SearchWords(std::string_view text);

// What one query word adds to SearchScore when it is a word of the title, and when it only
// starts one.
inline constexpr int kExactWordScore = 10;
inline constexpr int kStartedWordScore = 4;

// How well a title matches a query, both given as SearchWords; 0 when some query word is
// neither a word of the title nor the start of one. Higher is better: more whole words first;
// then the query's words side by side and in order; then a title that starts with them.
int SearchScore(const std::vector<std::string_view>& title, const std::vector<std::string>& query);
int SearchScore(const std::vector<std::string>& title, const std::vector<std::string>& query);

}  // namespace market4::engine
