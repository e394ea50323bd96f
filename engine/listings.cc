// Listings: what a merchant sells, at what price per unit, and how many units are left.
// Stock moves here (a merchant's edit) and in orders.cc (reserved by an order, released by
// a cancel or an expiry). Search is a read (Query::SearchListings).
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/text.h"

namespace market4::engine {
namespace {

Status CheckPrice(std::int64_t price) {
  if (price <= 0 || price > kMaxPriceDong) {
    return InvalidField("price must be 1.." + std::to_string(kMaxPriceDong) + " dong", "price");
  }
  return Status::Ok();
}

Status CheckStock(std::int64_t stock) {
  if (stock < 0 || stock > kMaxStock) {
    return InvalidField("stock must be 0.." + std::to_string(kMaxStock), "stock");
  }
  return Status::Ok();
}

const TextRule kTitle{"title", kMaxTitleChars};
const TextRule kDescription{"description", kMaxDescriptionChars, false, true};
const TextRule kCategory{"category", kMaxCategoryChars, false};
const TextRule kUnit{"unit", kMaxUnitChars};

// Cleans `text` into `*field` by `rule`; false (with *problem set) if it is refused.
bool Clean(const std::string& text, const TextRule& rule, std::string* field, Status* problem) {
  auto cleaned = CleanText(text, rule);
  if (!cleaned.ok()) {
    *problem = cleaned.status();
    return false;
  }
  *field = std::move(cleaned).value();
  return true;
}

// The listing's text and numbers from a create request: every field is present.
Status FillNew(const v1::CreateListingRequest& r, v1::Listing* listing) {
  Status problem;
  if (!Clean(r.title(), kTitle, listing->mutable_title(), &problem) ||
      !Clean(r.description(), kDescription, listing->mutable_description(), &problem) ||
      !Clean(r.category(), kCategory, listing->mutable_category(), &problem) ||
      !Clean(r.unit(), kUnit, listing->mutable_unit(), &problem)) {
    return problem;
  }
  for (Status s : {CheckPrice(r.price()), CheckStock(r.stock())}) {
    if (!s.ok()) return s;
  }
  listing->set_price(r.price());
  listing->set_stock(r.stock());
  return Status::Ok();
}

// Applies the fields an update request carries; the others stay as they are.
Status ApplyChanges(const v1::UpdateListingRequest& r, v1::Listing* listing) {
  Status problem;
  if ((r.has_title() && !Clean(r.title(), kTitle, listing->mutable_title(), &problem)) ||
      (r.has_description() &&
       !Clean(r.description(), kDescription, listing->mutable_description(), &problem)) ||
      (r.has_category() &&
       !Clean(r.category(), kCategory, listing->mutable_category(), &problem)) ||
      (r.has_unit() && !Clean(r.unit(), kUnit, listing->mutable_unit(), &problem))) {
    return problem;
  }
  if (r.has_price()) {
    if (Status s = CheckPrice(r.price()); !s.ok()) return s;
    listing->set_price(r.price());
  }
  if (r.has_stock()) {
    if (Status s = CheckStock(r.stock()); !s.ok()) return s;
    listing->set_stock(r.stock());
  }
  if (r.has_active()) listing->set_active(r.active());
  return Status::Ok();
}

// The merchant's own listing, or NOT_FOUND (another merchant's listing is not theirs to see).
Result<v1::Listing> OwnListing(Context& context, const std::string& merchant_id,
                               const std::string& listing_id) {
  auto it = context.market.listings.find(listing_id);
  if (it == context.market.listings.end() || it->second.merchant_id() != merchant_id) {
    return NotFound("listing", listing_id);
  }
  return it->second;
}

}  // namespace

Answer<v1::Listing> CreateListing::Apply(Context& context) const {
  const std::string scope = CallerScope({Role::kMerchant, merchant_id});
  const std::string fingerprint = Fingerprint("listing", "", request.SerializeAsString());
  if (!idempotency_key.empty()) {
    auto replay =
        context.market.idempotency.Recall<v1::Listing>(scope, idempotency_key, fingerprint);
    if (!replay.ok()) return replay.status();
    if (replay.value()) return {std::move(*replay.value()), true};
  }
  v1::Listing listing;
  if (Status s = FillNew(request, &listing); !s.ok()) return s;
  if (!context.market.merchants.count(merchant_id)) return NotFound("merchant", merchant_id);
  M4_ASSERT(IsValidId(id) && !context.market.listings.count(id), "the gateway made a bad id");
  listing.set_id(id);
  listing.set_merchant_id(merchant_id);
  listing.set_active(true);
  *listing.mutable_created_at() = At(context.now);
  *listing.mutable_updated_at() = At(context.now);
  PutListing(context, listing);
  if (!idempotency_key.empty()) {
    context.market.idempotency.Remember(scope, idempotency_key, fingerprint, listing,
                                        &context.batch);
  }
  return listing;
}

Answer<v1::Listing> UpdateListing::Apply(Context& context) const {
  auto listing = OwnListing(context, merchant_id, listing_id);
  if (!listing.ok()) return listing.status();
  const auto& r = request;
  if (!r.has_title() && !r.has_description() && !r.has_price() && !r.has_stock() &&
      !r.has_active() && !r.has_category() && !r.has_unit()) {
    return InvalidField("nothing to change", "body");
  }
  if (Status s = ApplyChanges(r, &listing.value()); !s.ok()) return s;
  *listing->mutable_updated_at() = At(context.now);
  PutListing(context, listing.value());
  return listing.value();
}

Answer<v1::Listing> DelistListing::Apply(Context& context) const {
  auto listing = OwnListing(context, merchant_id, listing_id);
  if (!listing.ok()) return listing.status();
  listing->set_active(false);
  *listing->mutable_updated_at() = At(context.now);
  PutListing(context, listing.value());
  return listing.value();
}

}  // namespace market4::engine
