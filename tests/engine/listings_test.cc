// Listings (engine/listings.cc) and their search (Query::SearchListings): bounds on price and
// stock, partial updates, ownership, delisting, filters and paging, and the index they are
// found through (engine/listing_index.h): Vietnamese words with or without diacritics,
// ranking, an index that follows every change, and old ledgers indexed at start.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/limits.h"
#include "engine/listing_index.h"
#include "storage/store.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace listings_test {

class ListingsTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ASSERT_TRUE(AddMerchant("m_1").ok());
    ASSERT_TRUE(AddMerchant("m_2").ok());
  }

  Answer<v1::Listing> Update(const std::string& merchant_id, const std::string& listing_id,
                             const v1::UpdateListingRequest& request) {
    return engine_->Execute(UpdateListing{merchant_id, listing_id, request});
  }

  // Ids of every listing matching `filter`, walking the pages.
  std::vector<std::string> Search(const ListingFilter& filter, std::size_t limit = kMaxPageSize) {
    std::vector<std::string> ids;
    std::string token;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = engine_->Read().SearchListings(filter, limit, token);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return ids;
      EXPECT_LE(static_cast<std::size_t>(page->listings_size()), limit);
      for (const auto& listing : page->listings()) ids.push_back(listing.id());
      token = page->next_page_token();
      if (token.empty()) return ids;
    }
    ADD_FAILURE() << "the search never ends";
    return ids;
  }

  // Four listings with different titles, categories, prices and stock.
  void AddCatalogue() {
    ASSERT_TRUE(AddListing("m_1", "l_1", 10'000, 5, "Rau Muống", "rau").ok());
    ASSERT_TRUE(AddListing("m_1", "l_2", 20'000, 0, "RAU cải ngọt", "rau").ok());
    ASSERT_TRUE(AddListing("m_2", "l_3", 50'000, 3, "Cá lóc đồng", "ca").ok());
    ASSERT_TRUE(AddListing("m_2", "l_4", 120'000, 10, "Thịt heo", "thit").ok());
  }

  void ExpectRefused(const Status& status, const std::string& field, const std::string& limit) {
    EXPECT_EQ(status.code(), Code::kInvalidArgument) << status.ToString();
    EXPECT_EQ(DetailOf(status, "field"), field) << status.ToString();
    EXPECT_NE(status.message().find(limit), std::string::npos)
        << "the message should state " << limit << ": " << status.message();
  }
};

TEST_F(ListingsTest, CreateKeepsEveryFieldAndIsActive) {
  v1::Listing listing = Ok(AddListing("m_1", "l_1", 15'000, 40, "Rau muống", "rau"));
  EXPECT_EQ(listing.id(), "l_1");
  EXPECT_EQ(listing.merchant_id(), "m_1");
  EXPECT_EQ(listing.title(), "Rau muống");
  EXPECT_EQ(listing.description(), "Tươi, hái sáng nay");
  EXPECT_EQ(listing.category(), "rau");
  EXPECT_EQ(listing.unit(), "bó");
  EXPECT_EQ(listing.price(), 15'000);
  EXPECT_EQ(listing.stock(), 40);
  EXPECT_TRUE(listing.active());
  EXPECT_EQ(NanosOf(listing.created_at()), clock_.NowNanos());
  EXPECT_EQ(NanosOf(listing.updated_at()), clock_.NowNanos());
  EXPECT_EQ(ListingOf("l_1").DebugString(), listing.DebugString());
}

TEST_F(ListingsTest, CreateForAnUnknownMerchantIsNotFound) {
  auto refused = AddListing("m_9", "l_1", 15'000, 40);
  EXPECT_EQ(refused.status.code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetListing("l_1").status().code(), Code::kNotFound);
}

TEST_F(ListingsTest, PriceBoundsComeFromTheLimits) {
  const std::string max = std::to_string(kMaxPriceDong);
  ExpectRefused(AddListing("m_1", "l_1", 0, 1).status, "price", max);
  ExpectRefused(AddListing("m_1", "l_1", -1, 1).status, "price", max);
  ExpectRefused(AddListing("m_1", "l_1", kMaxPriceDong + 1, 1).status, "price", max);
  EXPECT_EQ(engine_->Read().GetListing("l_1").status().code(), Code::kNotFound);
  EXPECT_EQ(Ok(AddListing("m_1", "l_1", 1, 1)).price(), 1);
  EXPECT_EQ(Ok(AddListing("m_1", "l_2", kMaxPriceDong, 1)).price(), kMaxPriceDong);
}

TEST_F(ListingsTest, StockBoundsComeFromTheLimits) {
  const std::string max = std::to_string(kMaxStock);
  ExpectRefused(AddListing("m_1", "l_1", 1'000, -1).status, "stock", max);
  ExpectRefused(AddListing("m_1", "l_1", 1'000, kMaxStock + 1).status, "stock", max);
  EXPECT_EQ(engine_->Read().GetListing("l_1").status().code(), Code::kNotFound);
  EXPECT_EQ(Ok(AddListing("m_1", "l_1", 1'000, 0)).stock(), 0);
  EXPECT_EQ(Ok(AddListing("m_1", "l_2", 1'000, kMaxStock)).stock(), kMaxStock);
}

TEST_F(ListingsTest, TextFieldsAreChecked) {
  auto no_title = AddListing("m_1", "l_1", 1'000, 1, "  ");
  EXPECT_EQ(no_title.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(no_title.status, "field"), "title");
  auto long_title = AddListing("m_1", "l_1", 1'000, 1, std::string(kMaxTitleChars + 1, 'x'));
  EXPECT_EQ(DetailOf(long_title.status, "field"), "title");
  auto long_category =
      AddListing("m_1", "l_1", 1'000, 1, "Rau", std::string(kMaxCategoryChars + 1, 'x'));
  EXPECT_EQ(DetailOf(long_category.status, "field"), "category");
  EXPECT_EQ(engine_->Read().GetListing("l_1").status().code(), Code::kNotFound);
  // The category is optional.
  EXPECT_EQ(Ok(AddListing("m_1", "l_1", 1'000, 1, "Rau", "")).category(), "");
}

TEST_F(ListingsTest, UpdateChangesOnlyTheFieldsItCarries) {
  v1::Listing created = Ok(AddListing("m_1", "l_1", 15'000, 40, "Rau muống", "rau"));
  clock_.Advance(std::chrono::minutes(3));
  v1::UpdateListingRequest price;
  price.set_price(17'000);
  v1::Listing updated = Ok(Update("m_1", "l_1", price));
  v1::Listing expected = created;
  expected.set_price(17'000);
  *expected.mutable_updated_at() = updated.updated_at();
  EXPECT_EQ(updated.DebugString(), expected.DebugString());
  EXPECT_EQ(NanosOf(updated.updated_at()), clock_.NowNanos());
  EXPECT_EQ(ListingOf("l_1").DebugString(), updated.DebugString());

  v1::UpdateListingRequest several;
  several.set_title("Rau muống hữu cơ");
  several.set_stock(0);
  several.set_category("rau-sach");
  several.set_unit("kg");
  several.set_description("");  // present and empty: the description is cleared
  v1::Listing changed = Ok(Update("m_1", "l_1", several));
  EXPECT_EQ(changed.title(), "Rau muống hữu cơ");
  EXPECT_EQ(changed.stock(), 0);
  EXPECT_EQ(changed.category(), "rau-sach");
  EXPECT_EQ(changed.unit(), "kg");
  EXPECT_EQ(changed.description(), "");
  EXPECT_EQ(changed.price(), 17'000);
  EXPECT_TRUE(changed.active());
}

TEST_F(ListingsTest, UpdateChecksTheSameBoundsAndChangesNothingWhenRefused) {
  v1::Listing created = Ok(AddListing("m_1", "l_1", 15'000, 40));
  v1::UpdateListingRequest bad_price;
  bad_price.set_title("Một tên mới");
  bad_price.set_price(kMaxPriceDong + 1);
  ExpectRefused(Update("m_1", "l_1", bad_price).status, "price", std::to_string(kMaxPriceDong));
  v1::UpdateListingRequest bad_stock;
  bad_stock.set_price(1);
  bad_stock.set_stock(-1);
  ExpectRefused(Update("m_1", "l_1", bad_stock).status, "stock", std::to_string(kMaxStock));
  v1::UpdateListingRequest bad_title;
  bad_title.set_title("");
  EXPECT_EQ(DetailOf(Update("m_1", "l_1", bad_title).status, "field"), "title");
  EXPECT_EQ(ListingOf("l_1").DebugString(), created.DebugString());
}

TEST_F(ListingsTest, UpdateWithNothingToChangeIsRefused) {
  v1::Listing created = Ok(AddListing("m_1", "l_1", 15'000, 40));
  auto refused = Update("m_1", "l_1", v1::UpdateListingRequest());
  EXPECT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(refused.status, "field"), "body");
  EXPECT_EQ(ListingOf("l_1").DebugString(), created.DebugString());
}

TEST_F(ListingsTest, AnotherMerchantsListingIsNotFound) {
  v1::Listing created = Ok(AddListing("m_1", "l_1", 15'000, 40));
  v1::UpdateListingRequest price;
  price.set_price(1);
  auto update = Update("m_2", "l_1", price);
  EXPECT_EQ(update.status.code(), Code::kNotFound);
  EXPECT_EQ(DetailOf(update.status, "listing_id"), "l_1");
  auto delist = engine_->Execute(DelistListing{"m_2", "l_1"});
  EXPECT_EQ(delist.status.code(), Code::kNotFound);
  EXPECT_EQ(Update("m_9", "l_1", price).status.code(), Code::kNotFound);
  EXPECT_EQ(Update("m_1", "l_9", price).status.code(), Code::kNotFound);
  EXPECT_EQ(engine_->Execute(DelistListing{"m_1", "l_9"}).status.code(), Code::kNotFound);
  EXPECT_EQ(ListingOf("l_1").DebugString(), created.DebugString());
}

TEST_F(ListingsTest, DelistHidesTheListingFromSearchUnlessAskedFor) {
  AddCatalogue();
  clock_.Advance(std::chrono::seconds(1));
  v1::Listing delisted = Ok(engine_->Execute(DelistListing{"m_2", "l_3"}));
  EXPECT_FALSE(delisted.active());
  EXPECT_EQ(NanosOf(delisted.updated_at()), clock_.NowNanos());
  EXPECT_FALSE(ListingOf("l_3").active());  // still readable by id

  EXPECT_EQ(Search({}), (std::vector<std::string>{"l_1", "l_2", "l_4"}));
  ListingFilter own;
  own.merchant_id = "m_2";
  EXPECT_EQ(Search(own), (std::vector<std::string>{"l_4"}));
  own.include_inactive = true;
  EXPECT_EQ(Search(own), (std::vector<std::string>{"l_3", "l_4"}));

  // Listing it again through an update brings it back.
  v1::UpdateListingRequest active;
  active.set_active(true);
  EXPECT_TRUE(Ok(Update("m_2", "l_3", active)).active());
  EXPECT_EQ(Search({}), (std::vector<std::string>{"l_1", "l_2", "l_3", "l_4"}));
}

TEST_F(ListingsTest, SearchByTextIgnoresCaseAndWordsMayBeStarted) {
  AddCatalogue();
  ListingFilter text;
  text.text = "rau";
  EXPECT_EQ(Search(text), (std::vector<std::string>{"l_1", "l_2"}));
  text.text = "RaU c";
  EXPECT_EQ(Search(text), (std::vector<std::string>{"l_2"}));
  text.text = "lóc";  // non-ASCII text matches as written
  EXPECT_EQ(Search(text), (std::vector<std::string>{"l_3"}));
  text.text = "HEO";
  EXPECT_EQ(Search(text), (std::vector<std::string>{"l_4"}));
  text.text = "bò";
  EXPECT_TRUE(Search(text).empty());
}

TEST_F(ListingsTest, SearchByCategoryPriceAndStock) {
  AddCatalogue();
  ListingFilter category;
  category.category = "rau";
  EXPECT_EQ(Search(category), (std::vector<std::string>{"l_1", "l_2"}));
  category.category = "ra";  // a category matches whole
  EXPECT_TRUE(Search(category).empty());

  ListingFilter price;
  price.min_price = 20'000;  // both bounds are inclusive
  price.max_price = 50'000;
  EXPECT_EQ(Search(price), (std::vector<std::string>{"l_2", "l_3"}));
  price.max_price = 0;
  EXPECT_EQ(Search(price), (std::vector<std::string>{"l_2", "l_3", "l_4"}));
  price.min_price = 0;
  price.max_price = 19'999;
  EXPECT_EQ(Search(price), (std::vector<std::string>{"l_1"}));
  price.min_price = -5;  // below every price: no bound at all
  EXPECT_EQ(Search(price), (std::vector<std::string>{"l_1"}));

  ListingFilter in_stock;
  in_stock.in_stock_only = true;
  EXPECT_EQ(Search(in_stock), (std::vector<std::string>{"l_1", "l_3", "l_4"}));

  ListingFilter all;
  all.text = "rau";
  all.category = "rau";
  all.in_stock_only = true;
  all.max_price = 10'000;
  EXPECT_EQ(Search(all), (std::vector<std::string>{"l_1"}));
}

TEST_F(ListingsTest, SearchPagesWithoutDuplicatesOrGaps) {
  std::vector<std::string> expected;
  for (int i = 0; i < 9; ++i) {
    std::string id = "l_" + std::to_string(i);
    ASSERT_TRUE(AddListing(i % 2 ? "m_1" : "m_2", id, 1'000 * (i + 1), i, "Hàng " + id).ok());
    expected.push_back(id);
  }
  for (std::size_t limit : {1, 2, 4, 9, 10}) {
    EXPECT_EQ(Search({}, limit), expected) << "limit " << limit;
  }
  // Paging a filtered search.
  ListingFilter m1;
  m1.merchant_id = "m_1";
  m1.in_stock_only = true;
  EXPECT_EQ(Search(m1, 1), (std::vector<std::string>{"l_1", "l_3", "l_5", "l_7"}));
  EXPECT_EQ(Search(m1, 3), (std::vector<std::string>{"l_1", "l_3", "l_5", "l_7"}));

  auto first = engine_->Read().SearchListings({}, 4, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->listings_size(), 4);
  EXPECT_EQ(first->listings(3).id(), "l_3");
  auto second = engine_->Read().SearchListings({}, 4, first->next_page_token());
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->listings_size(), 4);
  EXPECT_EQ(second->listings(0).id(), "l_4");
  EXPECT_EQ(engine_->Read().SearchListings({}, 4, "garbage").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().SearchListings({}, kMaxPageSize + 1, "").status().code(),
            Code::kInvalidArgument);
}

}  // namespace listings_test
}  // namespace market4::engine

namespace market4::engine {
namespace listings_test {

// Stored text is NFC; a search typed in NFD (as some phone keyboards send it) must find it,
// by title and by category.
TEST_F(ListingsTest, SearchComparesInNfc) {
  const std::string nfc_title = "C\u00e1 l\u00f3c";         // "Cá lóc", precomposed
  const std::string nfd_query = "c\u0061\u0301 lo\u0301c";  // the same, decomposed
  const std::string nfc_category = "c\u00e1";
  const std::string nfd_category = "c\u0061\u0301";
  ASSERT_TRUE(AddListing("m_1", "l_1", 10'000, 5, nfc_title, nfc_category).ok());
  ListingFilter by_title;
  by_title.text = nfd_query;
  auto found = engine_->Read().SearchListings(by_title, 10, "");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->listings_size(), 1);
  ListingFilter by_category;
  by_category.category = nfd_category;
  auto in_category = engine_->Read().SearchListings(by_category, 10, "");
  ASSERT_TRUE(in_category.ok());
  EXPECT_EQ(in_category->listings_size(), 1);
  ListingFilter broken;
  broken.text = "\xc0\xaf";
  EXPECT_EQ(engine_->Read().SearchListings(broken, 10, "").status().code(), Code::kInvalidArgument);
}

}  // namespace listings_test
}  // namespace market4::engine

namespace market4::engine {
namespace listings_test {

// What a buyer types on a phone, with or without the diacritics, in any case.
TEST_F(ListingsTest, SearchIgnoresDiacriticsAndCase) {
  AddCatalogue();
  ListingFilter text;
  for (const char* query : {"rau muong", "RAU MUỐNG", "muống", "Muong", "rau   muong!", "muo"}) {
    text.text = query;
    EXPECT_EQ(Search(text), (std::vector<std::string>{"l_1"})) << query;
  }
  for (const char* query : {"ca loc", "CÁ LÓC ĐỒNG", "dong", "lóc ca"}) {
    text.text = query;
    EXPECT_EQ(Search(text), (std::vector<std::string>{"l_3"})) << query;
  }
  for (const char* query : {"rau muong ngot", "uong", "!!!", "ca lac"}) {
    text.text = query;
    EXPECT_TRUE(Search(text).empty()) << query;
  }
}

// More whole words first, then the query's words together and in order, then at the start
// of the title; ties by id.
TEST_F(ListingsTest, SearchRanksTheBestMatchesFirst) {
  ASSERT_TRUE(AddListing("m_1", "l_1", 1'000, 1, "Bó rau muống to").ok());
  ASSERT_TRUE(AddListing("m_1", "l_2", 1'000, 1, "Muống và rau").ok());
  ASSERT_TRUE(AddListing("m_1", "l_3", 1'000, 1, "Rau muống").ok());
  ASSERT_TRUE(AddListing("m_1", "l_4", 1'000, 1, "Rau muốngg lạ").ok());
  ASSERT_TRUE(AddListing("m_1", "l_5", 1'000, 1, "Cải").ok());
  ListingFilter text;
  text.text = "rau muong";
  EXPECT_EQ(Search(text), (std::vector<std::string>{"l_3", "l_1", "l_2", "l_4"}));
  // Pages of a ranked search follow the ranking.
  EXPECT_EQ(Search(text, 1), (std::vector<std::string>{"l_3", "l_1", "l_2", "l_4"}));
  EXPECT_EQ(Search(text, 3), (std::vector<std::string>{"l_3", "l_1", "l_2", "l_4"}));
  // A token of another query, or of a browse, is refused.
  auto first = engine_->Read().SearchListings(text, 1, "");
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token().empty());
  ListingFilter other;
  other.text = "rau";
  EXPECT_EQ(engine_->Read().SearchListings(other, 1, first->next_page_token()).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().SearchListings({}, 1, first->next_page_token()).status().code(),
            Code::kInvalidArgument);
}

// A search stops reading once a page's worth of titles score the best any title can; paging
// on still walks the whole ranking, each listing once, the best first.
TEST_F(ListingsTest, PagesOfARankedSearchWalkTheWholeRankingOnce) {
  std::vector<std::string> best;
  std::vector<std::string> rest;
  for (int i = 10; i < 40; ++i) {
    std::string id = "l_" + std::to_string(i);
    bool at_start = i % 3 != 0;
    ASSERT_TRUE(
        AddListing("m_1", id, 1'000, 1, at_start ? "Rau muống " + id : "Bó rau muống").ok());
    (at_start ? best : rest).push_back(id);
  }
  std::vector<std::string> expected = best;
  expected.insert(expected.end(), rest.begin(), rest.end());
  ListingFilter text;
  text.text = "rau muong";
  for (std::size_t limit : {1, 7, 20, 30, 200}) {
    EXPECT_EQ(Search(text, limit), expected) << "limit " << limit;
  }
}

// A started word ("mu") has no whole-word entries: the search stops once a page's worth of
// titles score the best a started word can, and paging still walks every match once, best
// first, ties in word order ("mua" before "muoi" before "muong"), then by id.
TEST_F(ListingsTest, PagesOfAStartedWordSearchWalkEveryMatchOnce) {
  std::vector<std::string> expected_first;  // the word at the start of the title
  std::vector<std::string> expected_later;
  std::map<std::string, std::vector<std::string>> at_start_by_word;
  const std::vector<std::pair<std::string, std::string>> words = {
      {"Muống", "muong"}, {"Muối", "muoi"}, {"Mua", "mua"}};
  for (int i = 10; i < 46; ++i) {
    std::string id = "l_" + std::to_string(i);
    const auto& [word, folded] = words[static_cast<std::size_t>(i) % words.size()];
    bool at_start = i % 4 != 0;
    std::string title = at_start ? word + " " + id : "Rau " + word;
    ASSERT_TRUE(AddListing("m_1", id, 1'000, 1, title).ok());
    if (at_start) {
      at_start_by_word[folded].push_back(id);
    } else {
      expected_later.push_back(folded + " " + id);
    }
  }
  // Ties: by word, then by id (the index's order).
  for (const auto& [word, ids] : at_start_by_word) {
    std::vector<std::string> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    expected_first.insert(expected_first.end(), sorted.begin(), sorted.end());
  }
  std::sort(expected_later.begin(), expected_later.end());
  std::vector<std::string> expected = expected_first;
  for (const std::string& later : expected_later)
    expected.push_back(later.substr(later.find(' ') + 1));
  ListingFilter text;
  text.text = "mu";
  for (std::size_t limit : {1, 5, 13, 27, 200}) {
    EXPECT_EQ(Search(text, limit), expected) << "limit " << limit;
  }
}

// The index follows every change: a new title, a price, stock running out through orders,
// delisting, listing again.
TEST_F(ListingsTest, TheIndexFollowsEveryChange) {
  AddCatalogue();
  ListingFilter muong;
  muong.text = "muong";
  ListingFilter bap;
  bap.text = "bap cai";
  v1::UpdateListingRequest retitle;
  retitle.set_title("Bắp cải");
  Ok(Update("m_1", "l_1", retitle));
  EXPECT_TRUE(Search(muong).empty());
  EXPECT_EQ(Search(bap), (std::vector<std::string>{"l_1"}));

  ListingFilter cheap;
  cheap.max_price = 15'000;
  EXPECT_EQ(Search(cheap), (std::vector<std::string>{"l_1"}));
  v1::UpdateListingRequest price;
  price.set_price(130'000);
  Ok(Update("m_1", "l_1", price));
  EXPECT_TRUE(Search(cheap).empty());
  ListingFilter dear;
  dear.min_price = 100'000;  // by price, cheapest first
  EXPECT_EQ(Search(dear), (std::vector<std::string>{"l_4", "l_1"}));

  ListingFilter in_stock;
  in_stock.in_stock_only = true;
  ASSERT_TRUE(AddBuyer("b_1").ok());
  ASSERT_TRUE(Deposit("b_1", 1'000'000).ok());
  ASSERT_TRUE(Place("b_1", "o_1", {{"l_3", 3}}).ok());
  EXPECT_EQ(Search(in_stock), (std::vector<std::string>{"l_1", "l_4"}));
  ASSERT_TRUE(engine_->Execute(DelistListing{"m_2", "l_4"}).ok());
  EXPECT_EQ(Search(in_stock), (std::vector<std::string>{"l_1"}));
  EXPECT_EQ(Search(dear), (std::vector<std::string>{"l_1"}));
  ListingFilter heo;
  heo.text = "heo";
  EXPECT_TRUE(Search(heo).empty());
  v1::UpdateListingRequest active;
  active.set_active(true);
  Ok(Update("m_2", "l_4", active));
  EXPECT_EQ(Search(heo), (std::vector<std::string>{"l_4"}));
  EXPECT_EQ(Search(in_stock), (std::vector<std::string>{"l_1", "l_4"}));
}

// A ledger written before the index existed is indexed once when the engine starts.
TEST_F(ListingsTest, ListingsStoredBeforeTheIndexAreIndexedAtStart) {
  AddCatalogue();
  auto all = [](std::string_view) { return true; };
  ASSERT_GT(DropIndex(storage::Family::kListingIndex, {""}, all, kMetaListingIndexVersion), 10u);
  Open();
  ListingFilter text;
  text.text = "ca loc";
  EXPECT_EQ(Search(text), (std::vector<std::string>{"l_3"}));
  EXPECT_EQ(Search({}), (std::vector<std::string>{"l_1", "l_2", "l_3", "l_4"}));
  ListingFilter in_stock;
  in_stock.in_stock_only = true;
  EXPECT_EQ(Search(in_stock), (std::vector<std::string>{"l_1", "l_3", "l_4"}));
}

}  // namespace listings_test
}  // namespace market4::engine
