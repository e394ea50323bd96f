// Query (engine/query.h): the paging rules every list shares, checked the same way on each
// (accounts, merchants, buyers, listings, an account's transfers, orders), and the audit of
// the ledger's history after a mix of marketplace operations.
#include "engine/query.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/limits.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace query_test {

using std::chrono::hours;

// One page of any list: the ids on it and the token for the next.
struct Page {
  std::vector<std::string> ids;
  std::string next;
};
using Lister = std::function<Result<Page>(const Query&, std::size_t, const std::string&)>;

// `items` picks the repeated field of a response.
template <typename Response, typename Items>
Result<Page> PageOf(const Result<Response>& response, Items items) {
  if (!response.ok()) return response.status();
  Page page;
  for (const auto& item : items(response.value())) page.ids.push_back(item.id());
  page.next = response->next_page_token();
  return page;
}

class QueryTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    for (int i = 1; i <= 5; ++i) {
      std::string n = std::to_string(i);
      ASSERT_TRUE(AddMerchant("m_" + n).ok());
      ASSERT_TRUE(AddBuyer("b_" + n).ok());
      ASSERT_TRUE(AddListing(i % 2 ? "m_1" : "m_2", "l_" + n, 1'000 * i, 100).ok());
      ASSERT_TRUE(Deposit("b_1", 10'000 * i).ok());
    }
    for (int i = 1; i <= 5; ++i) {
      ASSERT_TRUE(Place("b_1", "o_" + std::to_string(i), {{i % 2 ? "l_1" : "l_2", i}}).ok());
    }
    ASSERT_TRUE(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay).ok());
    ASSERT_TRUE(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay).ok());

    lists_ = {
        {"accounts",
         [](const Query& q, std::size_t limit, const std::string& token) {
           return PageOf(
               q.ListAccounts(limit, token),
               [](const auto& r) -> const auto& { return r.accounts(); });
         }},
        {"merchants",
         [](const Query& q, std::size_t limit, const std::string& token) {
           return PageOf(
               q.ListMerchants(limit, token),
               [](const auto& r) -> const auto& { return r.merchants(); });
         }},
        {"buyers",
         [](const Query& q, std::size_t limit, const std::string& token) {
           return PageOf(
               q.ListBuyers(limit, token), [](const auto& r) -> const auto& { return r.buyers(); });
         }},
        {"listings",
         [](const Query& q, std::size_t limit, const std::string& token) {
           return PageOf(
               q.SearchListings({}, limit, token),
               [](const auto& r) -> const auto& { return r.listings(); });
         }},
        {"transfers",
         [](const Query& q, std::size_t limit, const std::string& token) {
           return PageOf(
               q.ListAccountTransfers("b_1.wallet", limit, token),
               [](const auto& r) -> const auto& { return r.transfers(); });
         }},
        {"orders",
         [](const Query& q, std::size_t limit, const std::string& token) {
           return PageOf(
               q.ListOrders(AsBuyer("b_1"), v1::ORDER_STATUS_UNSPECIFIED, limit, token),
               [](const auto& r) -> const auto& { return r.orders(); });
         }},
    };
  }

  Result<Page> List(const std::string& name, std::size_t limit, const std::string& token) {
    return lists_.at(name)(engine_->Read(), limit, token);
  }

  // A real next_page_token of `name`, from its first page of one.
  std::string TokenOf(const std::string& name) {
    auto page = List(name, 1, "");
    EXPECT_TRUE(page.ok()) << name << ": " << page.status().ToString();
    EXPECT_FALSE(page.ok() && page->next.empty()) << name << " has one item only";
    return page.ok() ? page->next : "";
  }

  // Every id of `name`, walking pages of `limit`.
  std::vector<std::string> Walk(const std::string& name, std::size_t limit) {
    std::vector<std::string> ids;
    std::string token;
    for (int pages = 0; pages < 1'000; ++pages) {
      auto page = List(name, limit, token);
      EXPECT_TRUE(page.ok()) << name << ": " << page.status().ToString();
      if (!page.ok()) return ids;
      EXPECT_LE(page->ids.size(), limit) << name;
      ids.insert(ids.end(), page->ids.begin(), page->ids.end());
      if (page->next.empty()) return ids;
      token = page->next;
    }
    ADD_FAILURE() << name << " never ends";
    return ids;
  }

  void ExpectBadToken(const std::string& name, const std::string& token) {
    auto page = List(name, 2, token);
    EXPECT_EQ(page.status().code(), Code::kInvalidArgument)
        << name << " took the page token '" << token << "'";
    EXPECT_EQ(DetailOf(page.status(), "field"), "page_token") << name << " '" << token << "'";
  }

  std::map<std::string, Lister> lists_;
};

TEST_F(QueryTest, EveryListFitsOnOneFullPage) {
  for (const auto& [name, list] : lists_) {
    auto all = List(name, kMaxPageSize, "");
    ASSERT_TRUE(all.ok()) << name << ": " << all.status().ToString();
    EXPECT_GE(all->ids.size(), 5u) << name;
    EXPECT_EQ(all->next, "") << name;
  }
}

TEST_F(QueryTest, WalkingPagesOfTwoGivesTheWholeListOnce) {
  for (const auto& [name, list] : lists_) {
    SCOPED_TRACE(name);
    auto all = List(name, kMaxPageSize, "");
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    for (std::size_t limit : {1, 2, 3}) {
      std::vector<std::string> walked = Walk(name, limit);
      EXPECT_EQ(walked, all->ids) << "limit " << limit;
      EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), walked.size());
    }
  }
}

TEST_F(QueryTest, ARealTokenContinuesWhereThePageEnded) {
  for (const auto& [name, list] : lists_) {
    SCOPED_TRACE(name);
    auto all = List(name, kMaxPageSize, "");
    ASSERT_TRUE(all.ok());
    auto first = List(name, 2, "");
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->ids.size(), 2u);
    ASSERT_FALSE(first->next.empty());
    auto second = List(name, 2, first->next);
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    ASSERT_EQ(second->ids.size(), 2u);
    EXPECT_EQ(second->ids[0], all->ids[2]);
    EXPECT_EQ(second->ids[1], all->ids[3]);
    // The same token gives the same page again.
    auto again = List(name, 2, first->next);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->ids, second->ids);
  }
}

TEST_F(QueryTest, GarbageTokensAreRefusedByEveryList) {
  for (const auto& [name, list] : lists_) {
    for (const std::string& token :
         {std::string("garbage"), std::string("x"), std::string(" "), std::string("00"),
          std::string("zz"), std::string(1, '\0'), std::string("a zz"), std::string("mzz"),
          std::string("bzz"), std::string("lzz"), std::string("tzz"), std::string("ozz")}) {
      ExpectBadToken(name, token);
    }
  }
}

TEST_F(QueryTest, AnotherListsTokenIsRefused) {
  std::map<std::string, std::string> tokens;
  for (const auto& [name, list] : lists_) tokens[name] = TokenOf(name);
  for (const auto& [name, list] : lists_) {
    for (const auto& [other, token] : tokens) {
      if (other != name) ExpectBadToken(name, token);
    }
  }
}

TEST_F(QueryTest, ATokenTruncatedByOneCharacterIsRefused) {
  for (const auto& [name, list] : lists_) {
    std::string token = TokenOf(name);
    ASSERT_GE(token.size(), 3u) << name;
    ExpectBadToken(name, token.substr(0, token.size() - 1));
    ExpectBadToken(name, token.substr(0, 1));
  }
}

// Dropping a whole byte of a token (its last two characters) must not make another valid
// position: the client would silently get pages it has already seen.
TEST_F(QueryTest, ATokenTruncatedByOneByteIsRefused) {
  for (const auto& [name, list] : lists_) {
    std::string token = TokenOf(name);
    ASSERT_GE(token.size(), 5u) << name;
    ExpectBadToken(name, token.substr(0, token.size() - 2));
  }
}

TEST_F(QueryTest, LimitAboveTheMaximumIsRefused) {
  for (const auto& [name, list] : lists_) {
    auto too_many = List(name, kMaxPageSize + 1, "");
    EXPECT_EQ(too_many.status().code(), Code::kInvalidArgument) << name;
    EXPECT_EQ(DetailOf(too_many.status(), "field"), "limit") << name;
    EXPECT_NE(too_many.status().message().find(std::to_string(kMaxPageSize)), std::string::npos)
        << name << ": " << too_many.status().message();
    EXPECT_TRUE(List(name, kMaxPageSize, "").ok()) << name;
    // Zero means the default page size.
    auto by_default = List(name, 0, "");
    ASSERT_TRUE(by_default.ok()) << name;
    EXPECT_EQ(by_default->ids, List(name, kDefaultPageSize, "")->ids) << name;
  }
}

TEST_F(QueryTest, OrdersAndTransfersAreNewestFirst) {
  auto orders = List("orders", kMaxPageSize, "");
  ASSERT_TRUE(orders.ok());
  EXPECT_EQ(orders->ids, (std::vector<std::string>{"o_5", "o_4", "o_3", "o_2", "o_1"}));
  auto transfers = engine_->Read().ListAccountTransfers("b_1.wallet", kMaxPageSize, "");
  ASSERT_TRUE(transfers.ok());
  ASSERT_EQ(transfers->transfers_size(), 7);  // five deposits, two payments
  for (int i = 1; i < transfers->transfers_size(); ++i) {
    EXPECT_GT(transfers->transfers(i - 1).sequence(), transfers->transfers(i).sequence());
  }
  EXPECT_EQ(transfers->transfers(0).id(), "o~o_2~pay");
}

TEST_F(QueryTest, OrdersAreReadOnlyByTheirPartiesAndOperators) {
  const Caller nobody{Role::kNobody, ""};
  Query query = engine_->Read();
  EXPECT_EQ(query.ListOrders(nobody, v1::ORDER_STATUS_UNSPECIFIED, 0, "").status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(query.GetOrder(nobody, "o_1").status().code(), Code::kNotFound);
  EXPECT_EQ(query.GetOrder(AsBuyer("b_2"), "o_1").status().code(), Code::kNotFound);
  EXPECT_EQ(query.GetOrder(AsMerchant("m_2"), "o_1").status().code(), Code::kNotFound);
  EXPECT_TRUE(query.GetOrder(AsBuyer("b_1"), "o_1").ok());
  EXPECT_TRUE(query.GetOrder(AsMerchant("m_1"), "o_1").ok());
  EXPECT_TRUE(query.GetOrder(AsOperator(), "o_1").ok());
  auto paid = query.ListOrders(AsOperator(), v1::PAID, 0, "");
  ASSERT_TRUE(paid.ok());
  ASSERT_EQ(paid->orders_size(), 2);
  EXPECT_EQ(paid->orders(0).id(), "o_2");
  EXPECT_EQ(paid->orders(1).id(), "o_1");
  auto of_m2 = query.ListOrders(AsMerchant("m_2"), v1::ORDER_STATUS_UNSPECIFIED, 0, "");
  ASSERT_TRUE(of_m2.ok());
  ASSERT_EQ(of_m2->orders_size(), 2);  // o_2 and o_4 are of l_2
  EXPECT_TRUE(
      query.ListOrders(AsBuyer("b_2"), v1::ORDER_STATUS_UNSPECIFIED, 0, "")->orders().empty());
}

TEST_F(QueryTest, AuditHistoryHoldsAfterAMixOfOperations) {
  // Completed, refunded, cancelled after payment, expired, auto-completed orders, and the
  // operator's own pending transfers, posted in part and voided.
  ASSERT_TRUE(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip).ok());
  ASSERT_TRUE(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm).ok());
  ASSERT_TRUE(Refund("m_1", "o_1", 300, "r-1").ok());
  ASSERT_TRUE(Act(AsMerchant("m_2"), "o_2", OrderAction::kCancel).ok());
  ASSERT_TRUE(Act(AsBuyer("b_1"), "o_3", OrderAction::kPay).ok());
  ASSERT_TRUE(Act(AsMerchant("m_1"), "o_3", OrderAction::kShip).ok());
  ASSERT_TRUE(CreateAccount("operator.float").ok());
  ASSERT_TRUE(Submit({Make("p1", "operator.float", "b_2.wallet", 5'000, true),
                      Make("p2", "operator.float", "b_3.wallet", 7'000, true, 60)})
                  .ok());
  ASSERT_TRUE(engine_->Execute(PostPending{"p1", 4'000}).ok());
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
  AdvanceAndTick(hours(24 * 8));  // o_4, o_5 expire, o_3 completes itself, p2 times out
  EXPECT_EQ(OrderOf("o_3").status(), v1::COMPLETED);
  EXPECT_EQ(OrderOf("o_4").status(), v1::EXPIRED);
  EXPECT_EQ(engine_->Read().GetTransfer("p2")->status(), v1::TRANSFER_STATUS_EXPIRED);
  Status audit = engine_->Read().AuditHistory();
  EXPECT_TRUE(audit.ok()) << audit.ToString();
  Reopen();
  audit = engine_->Read().AuditHistory();
  EXPECT_TRUE(audit.ok()) << audit.ToString();
  EXPECT_TRUE(engine_->Execute(VerifyInvariants{}).ok());
}

}  // namespace query_test
}  // namespace market4::engine

namespace market4::engine {
namespace query_test {

// A token names whose list it is: one account's history token is refused on another account,
// and one buyer's order-list token on another buyer's.
TEST_F(QueryTest, ATokenOfAnotherAccountOrCallerIsRefused) {
  ASSERT_TRUE(Deposit("b_2", 1'000).ok());
  ASSERT_TRUE(Deposit("b_2", 2'000).ok());
  auto first = engine_->Read().ListAccountTransfers("b_1.wallet", 1, "");
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token().empty());
  EXPECT_TRUE(engine_->Read().ListAccountTransfers("b_1.wallet", 1, first->next_page_token()).ok());
  auto other = engine_->Read().ListAccountTransfers("b_2.wallet", 1, first->next_page_token());
  EXPECT_EQ(other.status().code(), Code::kInvalidArgument);

  ASSERT_TRUE(Place("b_2", "o_b2", {{"l_1", 1}}).ok());
  auto orders = engine_->Read().ListOrders(AsBuyer("b_1"), v1::ORDER_STATUS_UNSPECIFIED, 1, "");
  ASSERT_TRUE(orders.ok());
  ASSERT_FALSE(orders->next_page_token().empty());
  auto foreign = engine_->Read().ListOrders(AsBuyer("b_2"), v1::ORDER_STATUS_UNSPECIFIED, 1,
                                            orders->next_page_token());
  EXPECT_EQ(foreign.status().code(), Code::kInvalidArgument);
}

}  // namespace query_test
}  // namespace market4::engine

namespace market4::engine {
namespace query_test {

// A page that ends exactly at the last record says so: no token leading to an empty page.
TEST_F(QueryTest, AFullLastPageHasNoToken) {
  auto merchants = engine_->Read().ListMerchants(5, "");  // exactly the five merchants
  ASSERT_TRUE(merchants.ok());
  EXPECT_EQ(merchants->merchants_size(), 5);
  EXPECT_EQ(merchants->next_page_token(), "");
  auto first = engine_->Read().ListBuyers(4, "");
  ASSERT_TRUE(first.ok());
  ASSERT_NE(first->next_page_token(), "");
  auto last = engine_->Read().ListBuyers(1, first->next_page_token());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->buyers_size(), 1);
  EXPECT_EQ(last->next_page_token(), "");
  auto all = engine_->Read().ListAccounts(kMaxPageSize, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->next_page_token(), "");
}

}  // namespace query_test
}  // namespace market4::engine
