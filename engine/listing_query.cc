// Listing reads: one listing, and the search buyers use to browse. Searches go through the
// listing index (engine/listing_index.h), never through the whole listings family: by title
// words, by merchant, category, stock or price, whichever the filter names first.
#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "common/limits.h"
#include "engine/listing_index.h"
#include "engine/query.h"
#include "engine/records.h"
#include "engine/search.h"
#include "engine/text.h"
#include "market4/v1/storage.pb.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

bool Matches(const v1::Listing& l, const ListingFilter& f) {
  return (f.include_inactive || l.active()) &&
         (f.merchant_id.empty() || l.merchant_id() == f.merchant_id) &&
         (f.category.empty() || l.category() == f.category) &&
         (f.min_price == 0 || l.price() >= f.min_price) &&
         (f.max_price == 0 || l.price() <= f.max_price) && (!f.in_stock_only || l.stock() > 0);
}

// The filter's texts in NFC, or INVALID_ARGUMENT naming the field that is not UTF-8.
Status Normalize(ListingFilter* filter) {
  for (auto [value, field] :
       {std::pair{&filter->text, "q"}, std::pair{&filter->category, "category"}}) {
    if (!IsValidUtf8(*value)) {
      return Status(Code::kInvalidArgument, std::string(field) + " is not valid UTF-8")
          .WithDetail("field", field);
    }
    auto nfc = ToNfc(*value);
    if (!nfc.ok()) return nfc.status();
    *value = std::move(nfc).value();
  }
  return Status::Ok();
}

// Which index a filter without title words walks, in id order within it (price order for
// "p"). `fixed` is the part of every key before the position a page token records.
struct IndexWalk {
  std::string fixed;
  std::string first;  // the first key to visit
};

IndexWalk ChooseWalk(const ListingFilter& f) {
  if (!f.merchant_id.empty()) {
    std::string p = ListingIndexPrefix(kListingsByMerchant, f.merchant_id);
    return {p, p};
  }
  if (!f.category.empty()) {
    std::string p = ListingIndexPrefix(kListingsByCategory, f.category);
    return {p, p};
  }
  if (f.in_stock_only) return {std::string(1, kListingsInStock), std::string(1, kListingsInStock)};
  if (f.min_price > 0 || f.max_price > 0) {
    std::string p(1, kListingsByPrice);
    std::int64_t from = std::max<std::int64_t>(f.min_price, 0);  // prices are positive
    return {p, p + storage::EncodeSequence(static_cast<std::uint64_t>(from))};
  }
  return {std::string(1, kListingsActive), std::string(1, kListingsActive)};
}

// The listing id at the end of an index key after `fixed`.
std::string_view IdOf(std::string_view key, const IndexWalk& walk) {
  key.remove_prefix(walk.fixed.size());
  if (walk.fixed.size() == 1 && walk.fixed[0] == kListingsByPrice) key.remove_prefix(8);
  return key;
}

// A candidate of a title search, its score, and where the scan found it (ties rank in
// scan order: whole-word matches by id, then started words in word order).
struct Ranked {
  int score;
  std::size_t position;
  std::string id;
};

Result<std::optional<v1::Listing>> ReadListing(const storage::ReadView& view, std::string_view id) {
  return ReadRecord<v1::Listing>(view, Family::kListings, std::string(id));
}

std::string SearchScope(const ListingFilter& f, const std::vector<std::string>& words) {
  std::string scope = "q";
  for (const auto& w : words) scope += w + '\0';
  return scope + f.merchant_id + '\0' + f.category + '\0' + std::to_string(f.min_price) + '\0' +
         std::to_string(f.max_price) + (f.in_stock_only ? "s" : "") +
         (f.include_inactive ? "i" : "");
}

// The words of an index entry's value (space-separated), as views into it.
void SplitWords(std::string_view joined, std::vector<std::string_view>* words) {
  words->clear();
  while (!joined.empty()) {
    std::size_t space = joined.find(' ');
    words->push_back(joined.substr(0, space));
    if (space == std::string_view::npos) break;
    joined.remove_prefix(space + 1);
  }
}

bool OnlyWords(const ListingFilter& f) {
  return f.merchant_id.empty() && f.category.empty() && f.min_price == 0 && f.max_price == 0 &&
         !f.in_stock_only;
}

// How well the listing `id`, whose title words are `joined` (an index entry's value), matches
// `words`; 0 if the filter's other conditions (read from the listing only when there are any)
// leave it out. `title` is scratch space.
Result<int> CandidateScore(const storage::ReadView& view, const ListingFilter& filter,
                           std::string_view id, std::string_view joined,
                           const std::vector<std::string>& words,
                           std::vector<std::string_view>* title) {
  SplitWords(joined, title);
  int score = SearchScore(*title, words);
  if (score == 0 || OnlyWords(filter)) return score;
  auto listing = ReadListing(view, id);
  if (!listing.ok()) return listing.status();
  if (!listing.value()) return Status(Code::kInternal, "listing index points at nothing");
  return Matches(*listing.value(), filter) ? score : 0;
}

// The listings whose titles hold every word of the filter's text (as a word or the start of
// one), best first, ties in index order (decision 64). Candidates come from the index entries of
// the query's longest word, at most kMaxSearchCandidates of them, ranked by the title words the
// entries carry; a listing is read only for the page shown, or when other filters need it. Pages
// are offsets into the ranking. Delisted listings have no word entries, so they are never found by
// words.
Result<v1::ListListingsResponse> SearchByWords(const storage::ReadView& view,
                                               const ListingFilter& filter, std::size_t size,
                                               const std::string& page_token) {
  std::vector<std::string> words = SearchWords(filter.text);
  auto position = PagePosition(PagedList::kListings, page_token, SearchScope(filter, words));
  if (!position.ok()) return position.status();
  std::size_t offset = 0;
  if (position.value()) {
    const std::string& p = *position.value();
    auto [end, error] = std::from_chars(p.data(), p.data() + p.size(), offset);
    if (error != std::errc() || end != p.data() + p.size()) return BadPageToken();
  }
  v1::ListListingsResponse response;
  if (words.empty()) return response;  // nothing a title could hold
  const std::string& driver = *std::max_element(
      words.begin(), words.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  std::vector<Ranked> ranked;
  std::vector<std::string_view> title;
  std::size_t examined = 0;
  // Entries of the driver as a whole word come first, in id order. Once a page's worth of them
  // score the best any title can, nothing after them can rank higher: stop there. Past them,
  // the driver is only started, so no new title can score more than `best_started`: once
  // that many distinct titles score at least that, stop too.
  const int best = SearchScore(words, words);
  const int best_started = best - (kExactWordScore - kStartedWordScore);
  const std::string exact = ListingIndexPrefix(kListingsByWord, driver);
  std::size_t best_found = 0;
  std::unordered_set<std::string> good;  // ids scoring at least best_started
  bool stopped = false;                  // at a page's worth of best matches: there may be more
  Status problem;
  Status s = view.Scan(Family::kListingIndex, std::string(1, kListingsByWord) + driver, false,
                       std::nullopt, [&](std::string_view key, std::string_view value) {
                         std::string_view id = key.substr(key.find('\0') + 1);
                         auto score = CandidateScore(view, filter, id, value, words, &title);
                         if (!score.ok()) {
                           problem = score.status();
                           return false;
                         }
                         if (score.value() > 0) {
                           ranked.push_back({score.value(), examined, std::string(id)});
                         }
                         const bool whole_word = key.starts_with(exact);
                         if (score.value() == best && whole_word && ++best_found == offset + size) {
                           stopped = true;
                           return false;
                         }
                         if (score.value() >= best_started) good.emplace(id);
                         if (!whole_word && good.size() >= offset + size) {
                           stopped = true;
                           return false;
                         }
                         return ++examined < kMaxSearchCandidates;
                       });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  // A title holding two words the driver starts is found twice, with the same score: keep
  // where it was found first.
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return a.id < b.id || (a.id == b.id && a.position < b.position);
  });
  ranked.erase(std::unique(ranked.begin(), ranked.end(),
                           [](const Ranked& a, const Ranked& b) { return a.id == b.id; }),
               ranked.end());
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return a.score > b.score || (a.score == b.score && a.position < b.position);
  });
  std::vector<std::string> page;
  for (std::size_t i = offset; i < ranked.size() && i < offset + size; ++i) {
    page.push_back(std::move(ranked[i].id));
  }
  auto listings = view.GetMany(Family::kListings, page);
  if (!listings.ok()) return listings.status();
  for (const auto& bytes : listings.value()) {
    if (!bytes) return Status(Code::kInternal, "listing index points at nothing");
    if (!response.add_listings()->ParseFromString(*bytes)) {
      return Status(Code::kInternal, "corrupt record in storage");
    }
  }
  if (offset + size < ranked.size() || (stopped && offset + size == ranked.size())) {
    response.set_next_page_token(
        PageToken(PagedList::kListings, std::to_string(offset + size), SearchScope(filter, words)));
  }
  return response;
}

}  // namespace

Result<v1::Listing> Query::GetListing(const std::string& id) const {
  return GetById<v1::Listing>(view_, Family::kListings, id, "listing");
}

Result<v1::ListListingsResponse> Query::SearchListings(const ListingFilter& filter,
                                                       std::size_t limit,
                                                       const std::string& page_token) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  ListingFilter normalized = filter;
  if (Status s = Normalize(&normalized); !s.ok()) return s;
  if (!normalized.text.empty()) return SearchByWords(view_, normalized, size.value(), page_token);
  IndexWalk walk = ChooseWalk(normalized);
  auto position = PagePosition(PagedList::kListings, page_token, walk.fixed);
  if (!position.ok()) return position.status();
  std::string start = walk.first;
  if (position.value()) start = std::max(start, walk.fixed + *position.value() + '\0');
  const bool by_price = walk.fixed.size() == 1 && walk.fixed[0] == kListingsByPrice;
  v1::ListListingsResponse response;
  std::size_t examined = 0;
  std::string last;  // position of the last key examined
  Status problem;
  Status s = view_.Scan(
      Family::kListingIndex, walk.fixed, false, start, [&](std::string_view key, std::string_view) {
        if (by_price && normalized.max_price > 0 &&
            storage::DecodeSequence(key.substr(1, 8)).value_or(0) >
                static_cast<std::uint64_t>(normalized.max_price)) {
          return false;  // past the highest price asked for: no more pages
        }
        if (static_cast<std::size_t>(response.listings_size()) == size.value() ||
            examined == kMaxScannedRecords) {
          response.set_next_page_token(PageToken(PagedList::kListings, last, walk.fixed));
          return false;
        }
        ++examined;
        last = std::string(key.substr(walk.fixed.size()));
        auto listing = ReadListing(view_, IdOf(key, walk));
        if (!listing.ok() || !listing.value()) {
          problem = Status(Code::kInternal, "listing index points at nothing");
          return false;
        }
        if (Matches(*listing.value(), normalized)) *response.add_listings() = *listing.value();
        return true;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return response;
}

}  // namespace market4::engine
