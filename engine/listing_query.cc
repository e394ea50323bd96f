// Listing reads: one listing, and the search buyers use to browse.
#include <algorithm>

#include "common/limits.h"
#include "engine/query.h"
#include "engine/records.h"
#include "engine/text.h"
#include "market4/v1/storage.pb.h"

namespace market4::engine {
namespace {

using storage::Family;

std::string Lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool Matches(const v1::Listing& l, const ListingFilter& f, const std::string& text) {
  return (f.include_inactive || l.active()) &&
         (f.merchant_id.empty() || l.merchant_id() == f.merchant_id) &&
         (f.category.empty() || l.category() == f.category) &&
         (f.min_price == 0 || l.price() >= f.min_price) &&
         (f.max_price == 0 || l.price() <= f.max_price) && (!f.in_stock_only || l.stock() > 0) &&
         (text.empty() || Lower(l.title()).find(text) != std::string::npos);
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
  auto start = ResumeAfterId(PagedList::kListings, page_token);
  if (!start.ok()) return start.status();
  ListingFilter normalized = filter;
  for (auto [value, field] :
       {std::pair{&normalized.text, "q"}, std::pair{&normalized.category, "category"}}) {
    auto nfc = IsValidUtf8(*value)
                   ? ToNfc(*value)
                   : Result<std::string>(
                         Status(Code::kInvalidArgument, std::string(field) + " is not valid UTF-8")
                             .WithDetail("field", field));
    if (!nfc.ok()) return nfc.status();
    *value = std::move(nfc).value();
  }
  v1::ListListingsResponse response;
  std::string text = Lower(normalized.text);
  std::size_t scanned = 0;
  Status s = ScanRecords<v1::Listing>(
      view_, Family::kListings, start.value(),
      [&](std::string_view key, const v1::Listing& listing) {
        if (Matches(listing, normalized, text)) *response.add_listings() = listing;
        bool more = static_cast<std::size_t>(response.listings_size()) < size.value() &&
                    ++scanned < kMaxScannedRecords;
        if (!more) response.set_next_page_token(PageToken(PagedList::kListings, key));
        return more;
      });
  if (!s.ok()) return s;
  return response;
}

}  // namespace market4::engine
