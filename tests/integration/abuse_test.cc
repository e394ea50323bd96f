// The abuse limits at their defaults, over real sockets: a script that registers buyers from
// one address and has each try to hold a listing's stock with unpaid orders is soon refused
// (429 RATE_LIMITED, or a plain limit error), and a real buyer can still buy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "tests/gateway/gateway_fixture.h"

namespace market4::abuse_test {

class AbuseTest : public GatewayFixture {
 protected:
  void SetUp() override {
    limits_ = gateway::LimitOptions{};          // every limit at its default
    market_options_ = engine::MarketOptions{};  // 5 unpaid orders, 5,000,000 dong
    GatewayFixture::SetUp();
  }

  std::string Code(const ClientResponse& r) { return ParseJson<v1::Error>(r).code(); }
  std::string Limit(const ClientResponse& r) {
    auto error = ParseJson<v1::Error>(r);
    return error.details().count("limit") ? error.details().at("limit") : "";
  }
};

TEST_F(AbuseTest, AHoardingScriptIsStoppedAndARealBuyerStillBuys) {
  Principal merchant = NewMerchant();
  // 10,000 bags of rice at 20,000 dong: 200,000,000 dong of stock.
  std::string rice = NewListing(merchant, 20'000, 10'000, "Gạo ST25");
  Principal real = NewBuyer("Chị Mai");
  Deposit(real, 100'000);

  int registered = 0;
  int orders_held = 0;
  std::int64_t held = 0;
  ClientResponse refused_registration;
  for (int i = 0; i < 50; ++i) {
    ClientResponse r = Send("POST", "/v1/buyers", "", R"({"name":"Bot","phone":"0900000000"})");
    if (r.status == 429) {
      refused_registration = r;
      break;
    }
    ASSERT_EQ(r.status, 201) << r.body;
    ++registered;
    std::string token = ParseJson<v1::CreateBuyerResponse>(r).token();
    // What is left of the stock in one unpaid order: over max-unpaid-value by itself.
    ClientResponse whole = Send("POST", "/v1/orders", token,
                                R"({"items":[{"listing_id":")" + rice + R"(","quantity":")" +
                                    std::to_string(Stock(rice)) + R"("}]})",
                                "whole-" + std::to_string(i));
    EXPECT_EQ(whole.status, 400) << whole.body;
    EXPECT_NE(whole.body.find("max-unpaid-value"), std::string::npos) << whole.body;
    // Then as much as it can, 100 bags (2,000,000 dong) at a time, until refused.
    for (int j = 0; j < 10; ++j) {
      ClientResponse part = Send("POST", "/v1/orders", token,
                                 R"({"items":[{"listing_id":")" + rice + R"(","quantity":"100"}]})",
                                 "part-" + std::to_string(i) + "-" + std::to_string(j));
      if (part.status == 429) {
        EXPECT_EQ(Code(part), "RATE_LIMITED");
        EXPECT_EQ(Limit(part), "max-unpaid-value");
        EXPECT_EQ(part.Header("retry-after"), "1800");
        break;
      }
      ASSERT_EQ(part.status, 201) << part.body;
      ++orders_held;
      held += 100;
    }
  }
  // Registrations stopped after 19 (the real buyer was the 20th from this address).
  EXPECT_EQ(registered, 19);
  ASSERT_EQ(refused_registration.status, 429) << refused_registration.body;
  EXPECT_EQ(Code(refused_registration), "RATE_LIMITED");
  EXPECT_EQ(Limit(refused_registration), "registrations-per-address-hour");
  EXPECT_EQ(refused_registration.Header("retry-after"), "180");
  // Each bot held at most 5,000,000 dong: two orders of 2,000,000.
  EXPECT_EQ(orders_held, 2 * registered);
  EXPECT_EQ(Stock(rice), 10'000 - held);
  // The real buyer still buys.
  ClientResponse placed = Order(real, rice, 3);
  ASSERT_EQ(placed.status, 201) << placed.body;
  std::string id = ParseJson<v1::Order>(placed).id();
  EXPECT_EQ(Send("POST", "/v1/orders/" + id + "/pay", real.token, "", "pay-real").status, 200);
}

// A cheap listing: 300 bunches at 10,000 dong, 3,000,000 in all, less than max-unpaid-value,
// so only max-unpaid-share (20 % of a listing's units per buyer) stands between the bots and
// its whole stock.
TEST_F(AbuseTest, BotsCannotHoldACheapListingsWholeStock) {
  Principal merchant = NewMerchant();
  std::string greens = NewListing(merchant, 10'000, 300, "Rau muống");
  Principal real = NewBuyer("Chị Mai");
  Deposit(real, 100'000);

  int registered = 0;
  for (int i = 0; i < 50; ++i) {
    ClientResponse r = Send("POST", "/v1/buyers", "", R"({"name":"Bot","phone":"0900000000"})");
    if (r.status == 429) break;
    ASSERT_EQ(r.status, 201) << r.body;
    ++registered;
    Principal bot{"", ParseJson<v1::CreateBuyerResponse>(r).token()};
    std::int64_t stock = Stock(greens);
    // The whole stock: a plain 400 naming the limit, and nothing reserved.
    ClientResponse whole = Order(bot, greens, stock);
    EXPECT_EQ(whole.status, 400) << whole.body;
    EXPECT_EQ(Code(whole), "INVALID_ARGUMENT");
    EXPECT_EQ(Limit(whole), "max-unpaid-share");
    EXPECT_EQ(Stock(greens), stock);
    // A fifth of what is left is held; one more unit waits until that order is paid or
    // expires.
    ClientResponse share = Order(bot, greens, std::max<std::int64_t>(1, stock / 5));
    ASSERT_EQ(share.status, 201) << share.body;
    ClientResponse more = Order(bot, greens, 1);
    EXPECT_EQ(more.status, 429) << more.body;
    EXPECT_EQ(Code(more), "RATE_LIMITED");
    EXPECT_EQ(Limit(more), "max-unpaid-share");
    EXPECT_EQ(more.Header("retry-after"), "1800");
  }
  EXPECT_EQ(registered, 19);
  // 19 bots each held a fifth of what the one before left: 300 * 0.8^19, rounded, remains.
  EXPECT_EQ(Stock(greens), 7);
  ClientResponse placed = Order(real, greens, 3);
  ASSERT_EQ(placed.status, 201) << placed.body;
  std::string id = ParseJson<v1::Order>(placed).id();
  EXPECT_EQ(Send("POST", "/v1/orders/" + id + "/pay", real.token, "", "pay-real").status, 200);
}

}  // namespace market4::abuse_test
