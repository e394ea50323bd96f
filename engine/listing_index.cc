#include "engine/listing_index.h"

#include <algorithm>

#include "engine/search.h"
#include "storage/keys.h"

namespace market4::engine {

std::string ListingIndexPrefix(char kind, std::string_view text) {
  std::string prefix(1, kind);
  prefix.append(text);
  prefix.push_back('\0');
  return prefix;
}

std::vector<std::pair<std::string, std::string>> ListingIndexEntries(const v1::Listing& listing) {
  const std::string& id = listing.id();
  std::vector<std::pair<std::string, std::string>> entries{
      {ListingIndexPrefix(kListingsByMerchant, listing.merchant_id()) + id, ""}};
  if (listing.active()) {
    entries.emplace_back(kListingsActive + id, "");
    if (listing.stock() > 0) entries.emplace_back(kListingsInStock + id, "");
    entries.emplace_back(ListingIndexPrefix(kListingsByCategory, listing.category()) + id, "");
    entries.emplace_back(kListingsByPrice +
                             storage::EncodeSequence(static_cast<std::uint64_t>(listing.price())) +
                             id,
                         "");
    std::vector<std::string> words = SearchWords(listing.title());
    std::string joined;
    for (const std::string& word : words) joined += (joined.empty() ? "" : " ") + word;
    for (const std::string& word : words) {
      entries.emplace_back(ListingIndexPrefix(kListingsByWord, word) + id, joined);
    }
  }
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                entries.end());
  return entries;
}

namespace {

// Whether two versions of a listing have the same index entries: most changes are stock
// moving with orders, which need no folding of the title. It must name every field
// ListingIndexEntries reads (ListingsTest.TheIndexFollowsEveryChange changes each one).
bool SameEntries(const v1::Listing& a, const v1::Listing& b) {
  return a.active() == b.active() && (a.stock() > 0) == (b.stock() > 0) && a.price() == b.price() &&
         a.title() == b.title() && a.category() == b.category() &&
         a.merchant_id() == b.merchant_id();
}

}  // namespace

void IndexListing(const v1::Listing* before, const v1::Listing& listing, storage::Batch* batch) {
  if (before && SameEntries(*before, listing)) return;
  std::vector<std::pair<std::string, std::string>> old_entries;
  if (before) old_entries = ListingIndexEntries(*before);
  std::vector<std::pair<std::string, std::string>> new_entries = ListingIndexEntries(listing);
  auto by_key = [](const auto& entry, const std::string& key) { return entry.first < key; };
  for (const auto& [key, value] : old_entries) {
    auto it = std::lower_bound(new_entries.begin(), new_entries.end(), key, by_key);
    if (it == new_entries.end() || it->first != key) {
      batch->Delete(storage::Family::kListingIndex, key);
    }
  }
  for (const auto& entry : new_entries) {
    if (!std::binary_search(old_entries.begin(), old_entries.end(), entry)) {
      batch->Put(storage::Family::kListingIndex, entry.first, entry.second);
    }
  }
}

}  // namespace market4::engine
