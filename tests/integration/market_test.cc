// The marketplace over real HTTP: merchants, buyers, listings, orders paid through escrow,
// with exact balances at every step and every forbidden transition refused.
#include <thread>

#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace market_test {

using std::chrono::hours;
using std::chrono::minutes;

class MarketTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    merchant_ = NewMerchant();
    buyer_ = NewBuyer();
    Deposit(buyer_, 200'000);
    listing_ = NewListing(merchant_, 10'000, 50);
  }

  std::int64_t Fees() {
    return ParseJson<v1::Account>(Send("GET", "/v1/accounts/platform.fees", kOperatorToken))
        .credits_posted();
  }

  std::vector<std::string> Events(const std::string& order) {
    std::vector<std::string> out;
    v1::Order found = GetOrder(order);
    for (const auto& e : found.timeline()) out.push_back(e.event());
    return out;
  }

  Principal merchant_, buyer_;
  std::string listing_;
};

TEST_F(MarketTest, OrderPayShipConfirmWithExactBalances) {
  ClientResponse placed = Order(buyer_, listing_, 3);
  ASSERT_EQ(placed.status, 201) << placed.body;
  auto order = ParseJson<v1::Order>(placed);
  EXPECT_EQ(order.status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(order.total(), 30'000);
  EXPECT_EQ(order.commission(), 300);
  EXPECT_EQ(order.items(0).unit_price(), 10'000);
  EXPECT_EQ(Stock(listing_), 47);
  EXPECT_EQ(Wallet(buyer_).balance(), 200'000);

  ASSERT_EQ(Act(buyer_, order.id(), "pay").status, 200);
  EXPECT_EQ(Wallet(buyer_).balance(), 170'000);
  EXPECT_EQ(Wallet(buyer_).held(), 30'000);
  EXPECT_EQ(Balance(merchant_).escrow(), 30'000);
  EXPECT_EQ(Balance(merchant_).available(), 0);

  ASSERT_EQ(Act(merchant_, order.id(), "ship").status, 200);
  ClientResponse confirmed = Act(buyer_, order.id(), "confirm");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(ParseJson<v1::Order>(confirmed).status(), v1::COMPLETED);
  EXPECT_EQ(Wallet(buyer_).balance(), 170'000);
  EXPECT_EQ(Wallet(buyer_).held(), 0);
  EXPECT_EQ(Balance(merchant_).available(), 29'700);
  EXPECT_EQ(Balance(merchant_).escrow(), 0);
  EXPECT_EQ(Fees(), 300);
  EXPECT_EQ(Events(order.id()),
            (std::vector<std::string>{"CREATED", "PAID", "SHIPPED", "COMPLETED"}));
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
}

TEST_F(MarketTest, CommissionRoundsDownAndLosesNoDong) {
  std::string odd = NewListing(merchant_, 12'345, 5, "Cá lóc");
  std::string id = OrderId(buyer_, odd, 1);
  ASSERT_EQ(Act(buyer_, id, "pay").status, 200);
  ASSERT_EQ(Act(merchant_, id, "ship").status, 200);
  ASSERT_EQ(Act(buyer_, id, "confirm").status, 200);
  EXPECT_EQ(GetOrder(id).commission(), 123);  // 1 % of 12,345 is 123.45
  EXPECT_EQ(Balance(merchant_).available(), 12'222);
  EXPECT_EQ(Fees(), 123);
  EXPECT_EQ(Wallet(buyer_).balance(), 200'000 - 12'345);
}

TEST_F(MarketTest, CancelBeforeShippingReturnsMoneyAndStock) {
  std::string paid = OrderId(buyer_, listing_, 5);
  ASSERT_EQ(Act(buyer_, paid, "pay").status, 200);
  ClientResponse cancelled = Act(buyer_, paid, "cancel");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(ParseJson<v1::Order>(cancelled).status(), v1::CANCELLED);
  EXPECT_EQ(Wallet(buyer_).balance(), 200'000);
  EXPECT_EQ(Wallet(buyer_).held(), 0);
  EXPECT_EQ(Balance(merchant_).escrow(), 0);
  EXPECT_EQ(Stock(listing_), 50);
  std::string unpaid = OrderId(buyer_, listing_, 2);
  ASSERT_EQ(Act(merchant_, unpaid, "cancel").status, 200);
  EXPECT_EQ(Stock(listing_), 50);
}

TEST_F(MarketTest, PartialRefundsNeverExceedWhatWasPaid) {
  std::string id = OrderId(buyer_, listing_, 3);
  ASSERT_EQ(Act(buyer_, id, "pay").status, 200);
  ASSERT_EQ(Act(merchant_, id, "ship").status, 200);
  ASSERT_EQ(Act(buyer_, id, "confirm").status, 200);
  ClientResponse refund = Act(merchant_, id, "refund", R"({"amount":"5000"})");
  ASSERT_EQ(refund.status, 200) << refund.body;
  EXPECT_EQ(ParseJson<v1::Order>(refund).refunded(), 5'000);
  EXPECT_EQ(Wallet(buyer_).balance(), 175'000);
  EXPECT_EQ(Balance(merchant_).available(), 24'700);
  ClientResponse too_much = Act(merchant_, id, "refund", R"({"amount":"25001"})");
  EXPECT_EQ(too_much.status, 422);
  EXPECT_EQ(ErrorCode(too_much), "REFUND_EXCEEDS_PAID");
  // The merchant holds only 24,700 of the remaining 25,000: the ledger refuses the rest.
  ClientResponse short_of_funds = Act(merchant_, id, "refund", R"({"amount":"25000"})");
  EXPECT_EQ(ErrorCode(short_of_funds), "INSUFFICIENT_FUNDS");
  EXPECT_EQ(Act(merchant_, id, "refund", R"({"amount":"24700"})").status, 200);
  EXPECT_EQ(GetOrder(id).refunded(), 29'700);
  EXPECT_EQ(Wallet(buyer_).balance(), 199'700);
  EXPECT_EQ(Act(merchant_, id, "refund", R"({"amount":"0"})").status, 400);
}

TEST_F(MarketTest, UnpaidOrderExpiresAndReleasesStock) {
  std::string id = OrderId(buyer_, listing_, 4);
  EXPECT_EQ(Stock(listing_), 46);
  AdvanceAndTick(minutes(29));
  EXPECT_EQ(GetOrder(id).status(), v1::PENDING_PAYMENT);
  AdvanceAndTick(minutes(1));
  EXPECT_EQ(GetOrder(id).status(), v1::EXPIRED);
  EXPECT_EQ(Stock(listing_), 50);
  ClientResponse late = Act(buyer_, id, "pay");
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(ErrorCode(late), "FAILED_PRECONDITION");
  EXPECT_EQ(Wallet(buyer_).balance(), 200'000);
}

TEST_F(MarketTest, ShippedOrderAutoConfirmsAfterSevenDays) {
  std::string id = OrderId(buyer_, listing_, 1);
  ASSERT_EQ(Act(buyer_, id, "pay").status, 200);
  AdvanceAndTick(hours(24 * 10));  // unshipped paid orders wait for the merchant
  EXPECT_EQ(GetOrder(id).status(), v1::PAID);
  ASSERT_EQ(Act(merchant_, id, "ship").status, 200);
  AdvanceAndTick(hours(24 * 7) - minutes(1));
  EXPECT_EQ(GetOrder(id).status(), v1::SHIPPED);
  AdvanceAndTick(minutes(1));
  EXPECT_EQ(GetOrder(id).status(), v1::COMPLETED);
  EXPECT_EQ(Events(id).back(), "AUTO_COMPLETED");
  EXPECT_EQ(Balance(merchant_).available(), 9'900);
  EXPECT_EQ(Fees(), 100);
}

TEST_F(MarketTest, RefusedAutoConfirmKeepsTheOrderAndTheServerRunning) {
  std::string id = OrderId(buyer_, listing_, 1);
  ASSERT_EQ(Act(buyer_, id, "pay").status, 200);
  ASSERT_EQ(Act(merchant_, id, "ship").status, 200);
  // The fee account filled to the brim (in-process: over HTTP an operator's transfer into
  // platform.fees waits for a second operator): any commission now overflows it.
  ASSERT_EQ(Send("POST", "/v1/accounts", kOperatorToken, R"({"id":"x"})").status, 201);
  engine::CreateTransfers fill;
  v1::NewTransfer* transfer = fill.request.add_transfers();
  transfer->set_id("fill");
  transfer->set_debit_account_id("x");
  transfer->set_credit_account_id("platform.fees");
  transfer->set_amount(9223372036854775807);
  transfer->set_code(1);
  ASSERT_TRUE(engine_->Execute(std::move(fill)).ok());
  AdvanceAndTick(hours(24 * 8));
  EXPECT_EQ(GetOrder(id).status(), v1::SHIPPED);
  EXPECT_EQ(Balance(merchant_).escrow(), 10'000);
  EXPECT_EQ(ErrorCode(Act(buyer_, id, "confirm")), "OVERFLOW");
  AdvanceAndTick(hours(2));  // retried, refused again, still serving
  EXPECT_EQ(Send("GET", "/healthz", "").status, 200);
  EXPECT_TRUE(engine_->Execute(engine::VerifyInvariants{}).status.ok());
}

TEST_F(MarketTest, ForbiddenTransitionsChangeNothing) {
  std::string id = OrderId(buyer_, listing_, 2);
  EXPECT_EQ(Act(buyer_, id, "confirm").status, 409);  // before paying
  EXPECT_EQ(Act(merchant_, id, "ship").status, 409);  // before paying
  EXPECT_EQ(Act(merchant_, id, "refund", R"({"amount":"1"})").status, 409);
  ASSERT_EQ(Act(buyer_, id, "pay").status, 200);
  ClientResponse twice = Act(buyer_, id, "pay");  // pay twice
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(ErrorCode(twice), "FAILED_PRECONDITION");
  EXPECT_EQ(Wallet(buyer_).balance(), 180'000);
  ASSERT_EQ(Act(merchant_, id, "ship").status, 200);
  EXPECT_EQ(Act(buyer_, id, "cancel").status, 409);  // after shipping
  EXPECT_EQ(Act(merchant_, id, "cancel").status, 409);
  Principal other = NewMerchant("Chú Năm");
  EXPECT_EQ(Act(other, id, "ship").status, 404);  // someone else's order
  EXPECT_EQ(Act(other, id, "refund", R"({"amount":"1"})").status, 404);
  EXPECT_EQ(GetOrder(id).status(), v1::SHIPPED);
  EXPECT_EQ(Events(id), (std::vector<std::string>{"CREATED", "PAID", "SHIPPED"}));
}

TEST_F(MarketTest, PayWithoutEnoughMoneyChangesNothing) {
  // 200 in stock: 25 is within one buyer's unpaid share (max-unpaid-share, 20 %).
  std::string rice = NewListing(merchant_, 10'000, 200, "Gạo");
  std::string id = OrderId(buyer_, rice, 25);  // 250,000 > 200,000
  ClientResponse r = Act(buyer_, id, "pay");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(ErrorCode(r), "INSUFFICIENT_FUNDS");
  EXPECT_EQ(GetOrder(id).status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(Wallet(buyer_).balance(), 200'000);
  EXPECT_EQ(Balance(merchant_).escrow(), 0);
  Deposit(buyer_, 50'000);
  EXPECT_EQ(Act(buyer_, id, "pay").status, 200);
  EXPECT_EQ(Wallet(buyer_).balance(), 0);
}

TEST_F(MarketTest, OutOfStockReservesNothing) {
  std::string other = NewListing(merchant_, 1'000, 3, "Gạo");
  ClientResponse r =
      Send("POST", "/v1/orders", buyer_.token,
           R"({"items":[{"listing_id":")" + listing_ + R"(","quantity":"2"},{"listing_id":")" +
               other + R"(","quantity":"4"}]})",
           "k-oos");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorCode(r), "OUT_OF_STOCK");
  EXPECT_EQ(Stock(listing_), 50);
  EXPECT_EQ(Stock(other), 3);
}

TEST_F(MarketTest, RetriesReturnTheFirstResultAndMoveNothingAgain) {
  ClientResponse first = Order(buyer_, listing_, 2, "same-key");
  ClientResponse again = Order(buyer_, listing_, 2, "same-key");
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Stock(listing_), 48);
  ClientResponse other = Order(buyer_, listing_, 3, "same-key");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(ErrorCode(other), "IDEMPOTENCY_CONFLICT");
  EXPECT_EQ(Send("POST", "/v1/orders", buyer_.token, R"({"items":[]})").status, 400);  // no key

  std::string id = ParseJson<v1::Order>(first).id();
  ClientResponse paid = Send("POST", "/v1/orders/" + id + "/pay", buyer_.token, "{}", "pay-1");
  ClientResponse repaid = Send("POST", "/v1/orders/" + id + "/pay", buyer_.token, "{}", "pay-1");
  EXPECT_EQ(paid.status, 200);
  EXPECT_EQ(repaid.status, 200);
  EXPECT_EQ(repaid.body, paid.body);
  EXPECT_EQ(Wallet(buyer_).balance(), 180'000);

  auto deposit = [&] {
    return Send("POST", "/v1/buyers/" + buyer_.id + "/deposits", kOperatorToken,
                R"({"amount":"1000"})", "desk-7");
  };
  EXPECT_EQ(deposit().status, 201);
  EXPECT_EQ(deposit().Header("idempotent-replayed"), "true");
  EXPECT_EQ(Wallet(buyer_).balance(), 181'000);
  Principal someone = NewBuyer("Chị Sáu");
  ClientResponse elsewhere = Send("POST", "/v1/buyers/" + someone.id + "/deposits", kOperatorToken,
                                  R"({"amount":"1000"})", "desk-7");
  EXPECT_EQ(elsewhere.status, 422);  // the operator's key, reused for another buyer
  EXPECT_EQ(Wallet(someone).balance(), 0);
  EXPECT_EQ(
      Send("POST", "/v1/buyers/" + buyer_.id + "/deposits", kOperatorToken, R"({"amount":"1000"})")
          .status,
      400);  // a deposit needs an Idempotency-Key
}

TEST_F(MarketTest, RefundsAndOrderActionsReplayUnderTheirKey) {
  std::string id = OrderId(buyer_, listing_, 3);
  std::string other = OrderId(buyer_, listing_, 1);
  auto act = [&](const Principal& who, const std::string& order, const std::string& action,
                 const std::string& key, const std::string& body = "{}") {
    return Send("POST", "/v1/orders/" + order + "/" + action, who.token, body, key);
  };
  ASSERT_EQ(act(buyer_, id, "pay", "p1").status, 200);
  ASSERT_EQ(act(merchant_, id, "ship", "s1").status, 200);
  ClientResponse confirmed = act(buyer_, id, "confirm", "c1");
  ClientResponse again = act(buyer_, id, "confirm", "c1");
  ASSERT_EQ(confirmed.status, 200);
  EXPECT_EQ(again.status, 200);  // a retry, not "already completed"
  EXPECT_EQ(again.body, confirmed.body);
  EXPECT_EQ(act(buyer_, other, "pay", "p1").status, 422);  // same key, another order
  EXPECT_EQ(GetOrder(other).status(), v1::PENDING_PAYMENT);

  const std::string five = R"({"amount":"5000"})";
  ClientResponse no_key = act(merchant_, id, "refund", "", five);
  EXPECT_EQ(no_key.status, 400);
  ClientResponse refunded = act(merchant_, id, "refund", "r1", five);
  ClientResponse retried = act(merchant_, id, "refund", "r1", five);
  ASSERT_EQ(refunded.status, 200);
  EXPECT_EQ(retried.body, refunded.body);
  EXPECT_EQ(retried.Header("idempotent-replayed"), "true");
  EXPECT_EQ(act(merchant_, id, "refund", "r1", R"({"amount":"6000"})").status, 422);
  EXPECT_EQ(GetOrder(id).refunded(), 5'000);
  EXPECT_EQ(Wallet(buyer_).balance(), 175'000);
}

TEST_F(MarketTest, ServerOwnedFieldsAreRejected) {
  ClientResponse total = Send(
      "POST", "/v1/orders", buyer_.token,
      R"({"items":[{"listing_id":")" + listing_ + R"(","quantity":"1"}],"total":"1"})", "k-total");
  EXPECT_EQ(total.status, 400);
  ClientResponse status = Send("POST", "/v1/orders", buyer_.token,
                               R"({"items":[{"listing_id":")" + listing_ +
                                   R"(","quantity":"1","unit_price":"1"}],"status":"PAID"})",
                               "k-status");
  EXPECT_EQ(status.status, 400);
  EXPECT_EQ(Send("POST", "/v1/listings", merchant_.token,
                 R"({"title":"x","unit":"kg","price":"1","stock":"1","merchant_id":"m_x"})")
                .status,
            400);
  EXPECT_EQ(Stock(listing_), 50);
}

TEST_F(MarketTest, VietnameseTextRoundTripsAndBadTextIsRejected) {
  const std::string title = "Cá rô đồng kho tộ — Bánh tráng Trảng Bàng";
  std::string id = NewListing(merchant_, 45'000, 3, title);
  auto listing = ParseJson<v1::Listing>(Send("GET", "/v1/listings/" + id, ""));
  EXPECT_EQ(listing.title(), title);
  EXPECT_EQ(listing.unit(), "bó");
  auto bad = [&](const std::string& field_json) {
    return Send("POST", "/v1/listings", merchant_.token,
                R"({"unit":"kg","price":"1","stock":"1",)" + field_json + "}")
        .status;
  };
  EXPECT_EQ(bad(R"("title":"a\u0001b")"), 400);
  EXPECT_EQ(bad(R"("title":")" + std::string(201, 'a') + R"(")"), 400);
  EXPECT_EQ(bad(R"("title":"")"), 400);
  EXPECT_EQ(bad("\"title\":\"\xff\xfe\""), 400);
  EXPECT_EQ(bad(R"("title":"ok","description":"line one\nline two")"), 201);
  EXPECT_EQ(Send("POST", "/v1/listings", merchant_.token,
                 R"({"title":"x","unit":"kg","price":"0","stock":"1"})")
                .status,
            400);
}

TEST_F(MarketTest, ListingsFilterPageAndDelist) {
  Principal other = NewMerchant("Chú Năm");
  std::string fish = NewListing(other, 80'000, 0, "Cá lóc đồng");
  std::string rice = NewListing(other, 18'000, 100, "Gạo ST25");
  auto search = [&](const std::string& query) {
    return ParseJson<v1::ListListingsResponse>(Send("GET", "/v1/listings?" + query, ""));
  };
  EXPECT_EQ(search("merchant_id=" + other.id).listings_size(), 2);
  EXPECT_EQ(search("merchant_id=" + other.id + "&in_stock=true").listings_size(), 1);
  EXPECT_EQ(search("min_price=15000&max_price=20000").listings(0).id(), rice);
  EXPECT_EQ(search("q=g%E1%BA%A1o").listings(0).id(), rice);  // "gạo", lower case
  auto page = search("limit=2");
  ASSERT_EQ(page.listings_size(), 2);
  auto rest = search("limit=2&page_token=" + page.next_page_token());
  EXPECT_EQ(rest.listings_size(), 1);

  ClientResponse patched =
      Send("PATCH", "/v1/listings/" + rice, other.token, R"({"price":"20000","stock":"40"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(ParseJson<v1::Listing>(patched).price(), 20'000);
  EXPECT_EQ(Send("PATCH", "/v1/listings/" + rice, merchant_.token, R"({"price":"1"})").status, 404);
  EXPECT_EQ(Send("DELETE", "/v1/listings/" + rice, merchant_.token).status, 404);
  ASSERT_EQ(Send("DELETE", "/v1/listings/" + fish, other.token).status, 200);
  EXPECT_EQ(Send("GET", "/v1/listings/" + fish, "").status, 404);
  EXPECT_EQ(Send("GET", "/v1/listings/" + fish, other.token).status, 200);
  EXPECT_EQ(search("merchant_id=" + other.id).listings_size(), 1);
  EXPECT_EQ(Order(buyer_, fish, 1).status, 404);
}

TEST_F(MarketTest, OrdersListedPerCallerWithStatusFilter) {
  std::string a = OrderId(buyer_, listing_, 1);
  std::string b = OrderId(buyer_, listing_, 1);
  ASSERT_EQ(Act(buyer_, b, "pay").status, 200);
  Principal other = NewBuyer("Chị Sáu");
  Deposit(other, 10'000);
  std::string c = OrderId(other, listing_, 1);
  auto list = [&](const std::string& token, const std::string& query) {
    auto r = ParseJson<v1::ListOrdersResponse>(Send("GET", "/v1/orders" + query, token));
    std::vector<std::string> ids;
    for (const auto& o : r.orders()) ids.push_back(o.id());
    return ids;
  };
  EXPECT_EQ(list(buyer_.token, ""), (std::vector<std::string>{b, a}));
  EXPECT_EQ(list(buyer_.token, "?status=PAID"), (std::vector<std::string>{b}));
  EXPECT_EQ(list(other.token, ""), (std::vector<std::string>{c}));
  EXPECT_EQ(list(merchant_.token, ""), (std::vector<std::string>{c, b, a}));
  EXPECT_EQ(list(kOperatorToken, "?limit=2").size(), 2u);
  EXPECT_EQ(Send("GET", "/v1/orders/" + a, other.token).status, 404);
  EXPECT_EQ(Act(other, a, "pay").status, 404);
  EXPECT_EQ(Send("GET", "/v1/orders?status=NOPE", buyer_.token).status, 400);
}

TEST_F(MarketTest, FiftyBuyersRaceForTheLastTenUnits) {
  std::string last = NewListing(merchant_, 5'000, 10, "Xoài cát");
  constexpr int kBuyers = 50;
  std::vector<Principal> buyers;
  for (int i = 0; i < kBuyers; ++i) buyers.push_back(NewBuyer("Người mua " + std::to_string(i)));
  std::atomic<int> sold{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client("127.0.0.1", server_->port());
      ClientResponse r = client.Send(
          "POST", "/v1/orders", R"({"items":[{"listing_id":")" + last + R"(","quantity":"1"}]})",
          {{"Authorization", "Bearer " + buyers[i].token}, {"Idempotency-Key", "race"}});
      if (r.status == 201) ++sold;
      if (r.status == 409 && r.body.find("OUT_OF_STOCK") != std::string::npos) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sold.load(), 10);
  EXPECT_EQ(refused.load(), 40);
  EXPECT_EQ(Stock(last), 0);
}

TEST_F(MarketTest, TwoConcurrentPaysChargeOnce) {
  std::string id = OrderId(buyer_, listing_, 2);
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      HttpClient client("127.0.0.1", server_->port());
      ClientResponse r = client.Send("POST", "/v1/orders/" + id + "/pay", "{}",
                                     {{"Authorization", "Bearer " + buyer_.token}});
      if (r.status == 200) ++ok;
      if (r.status == 409) ++conflict;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 1);
  EXPECT_EQ(Wallet(buyer_).balance(), 180'000);
  EXPECT_EQ(Wallet(buyer_).held(), 20'000);
}

TEST_F(MarketTest, MeAndPrincipalsForTheOperator) {
  auto me = ParseJson<v1::Me>(Send("GET", "/v1/me", merchant_.token));
  EXPECT_EQ(me.role(), "merchant");
  EXPECT_EQ(me.merchant().location(), "Chợ Vị Thanh, sạp 12");
  EXPECT_EQ(ParseJson<v1::Me>(Send("GET", "/v1/me", buyer_.token)).buyer().id(), buyer_.id);
  EXPECT_EQ(ParseJson<v1::ListMerchantsResponse>(Send("GET", "/v1/merchants", kOperatorToken))
                .merchants_size(),
            1);
  EXPECT_EQ(Send("GET", "/v1/buyers/" + buyer_.id, kOperatorToken).status, 200);
  EXPECT_EQ(Send("GET", "/v1/me", "not-a-token").status, 401);
  EXPECT_EQ(Send("POST", "/v1/buyers", "", R"({"name":"x","phone":"12"})").status, 400);
}

TEST_F(MarketTest, RestartKeepsOrdersStockAndTimers) {
  std::string unpaid = OrderId(buyer_, listing_, 2);
  std::string shipped = OrderId(buyer_, listing_, 1);
  ASSERT_EQ(Act(buyer_, shipped, "pay").status, 200);
  ASSERT_EQ(Act(merchant_, shipped, "ship").status, 200);
  TearDown();
  GatewayFixture::SetUp();  // the same data directory, reopened
  EXPECT_EQ(Stock(listing_), 47);
  EXPECT_EQ(Wallet(buyer_).held(), 10'000);
  AdvanceAndTick(hours(24 * 8));
  EXPECT_EQ(GetOrder(unpaid).status(), v1::EXPIRED);
  EXPECT_EQ(GetOrder(shipped).status(), v1::COMPLETED);
  EXPECT_EQ(Stock(listing_), 49);
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
}

}  // namespace market_test
}  // namespace market4
