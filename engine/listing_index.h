// Private to engine/: the indexes that find listings without reading them all (family
// listing_index), written in the same batch as the listing itself. Keys (values empty except
// for "w", whose value is every word of the title, space-separated, for ranking):
//   "a" id                     active listings
//   "s" id                     active listings with stock
//   "m" merchant 0x00 id       every listing of a merchant, delisted ones too
//   "c" category 0x00 id       active listings of a category (as stored, NFC)
//   "p" price (8 bytes BE) id  active listings by price
//   "w" word 0x00 id           active listings by title word (SearchWords)
// Ids, merchants and categories hold no 0x00, so each prefix ends where it should.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "market4/v1/market.pb.h"
#include "storage/store.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

inline constexpr char kListingsActive = 'a';
inline constexpr char kListingsInStock = 's';
inline constexpr char kListingsByMerchant = 'm';
inline constexpr char kListingsByCategory = 'c';
inline constexpr char kListingsByPrice = 'p';
inline constexpr char kListingsByWord = 'w';

// Every index entry of `listing` (key, value), sorted by key, each key once.
std::vector<std::pair<std::string, std::string>> ListingIndexEntries(const v1::Listing& listing);
// The prefix of a merchant's, a category's or a title word's keys: kind, text, 0x00.
std::string ListingIndexPrefix(char kind, std::string_view text);

// Moves `listing`'s index entries from how it was (`before`, nullptr for a new listing) to
// how it is: deletes the keys it no longer has and puts the entries it gained or changed.
void IndexListing(const v1::Listing* before, const v1::Listing& listing, storage::Batch* batch);

// Meta key set once every stored listing has its index entries (see Market::Load).
inline constexpr char kMetaListingIndexVersion[] = "listing_index_version";

}  // namespace market4::engine
