// Merchant events on the engine: each payment and payout change is stored with an increasing
// id, handed on only after its batch is durable, listed per merchant, and resumable.
#include <gtest/gtest.h>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace merchant_events_test {

class MerchantEventsTest : public MarketFixture {
 protected:
  void SetUp() override {
    market_options_.max_unpaid_share = 0;  // one buyer holds most of a small listing here
    MarketFixture::SetUp();
    Ok(AddMerchant("m_1"));
    Ok(AddMerchant("m_2", "0907654321", "Chú Năm"));
    Ok(AddBuyer("b_1"));
    Ok(Deposit("b_1", 500'000));
    Ok(AddListing("m_1", "l_1", 25'000, 10));
    Ok(AddListing("m_2", "l_2", 62'000, 10));
  }

  std::vector<v1::MerchantEvent> Stored(const std::string& merchant, std::uint64_t after = 0) {
    auto events = engine_->Read().ListMerchantEvents(merchant, after, 0);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? events.value() : std::vector<v1::MerchantEvent>();
  }

  std::vector<v1::MerchantEvent> Published() {
    std::lock_guard lock(published_mutex_);
    return published_;
  }
};

TEST_F(MerchantEventsTest, EachPaymentIsOneEventOfItsMerchantOnly) {
  Ok(Place("b_1", "o_1", {{"l_1", 2}}));
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  Ok(Place("b_1", "o_2", {{"l_2", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay));
  Ok(Place("b_1", "o_3", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_3", OrderAction::kPay));
  std::vector<v1::MerchantEvent> mine = Stored("m_1");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].name(), "payment.received");
  EXPECT_EQ(mine[0].kind(), "order");
  EXPECT_EQ(mine[0].order_id(), "o_1");
  EXPECT_EQ(mine[0].amount(), 50'000);
  EXPECT_EQ(mine[0].buyer_name(), "Anh Tư");
  EXPECT_EQ(mine[1].order_id(), "o_3");
  EXPECT_LT(mine[0].id(), mine[1].id());
  ASSERT_EQ(Stored("m_2").size(), 1u);
  EXPECT_EQ(Stored("m_2")[0].order_id(), "o_2");
  // Resuming after the first gives the rest.
  std::vector<v1::MerchantEvent> rest = Stored("m_1", mine[0].id());
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].order_id(), "o_3");
  EXPECT_TRUE(Stored("m_1", mine[1].id()).empty());
  // What was published after commit is exactly what was stored, in order.
  std::vector<v1::MerchantEvent> published = Published();
  ASSERT_EQ(published.size(), 3u);
  for (std::size_t i = 1; i < published.size(); ++i) {
    EXPECT_LT(published[i - 1].id(), published[i].id());
  }
  EXPECT_EQ(published[0].SerializeAsString(), mine[0].SerializeAsString());
}

TEST_F(MerchantEventsTest, RefusedPaymentsPublishNothingAndNumbersSurviveARestart) {
  Ok(Place("b_1", "o_1", {{"l_2", 9}}));  // 558,000: more than the wallet holds
  EXPECT_EQ(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay).status.code(), Code::kInsufficientFunds);
  EXPECT_TRUE(Published().empty());
  EXPECT_TRUE(Stored("m_2").empty());
  Ok(Place("b_1", "o_2", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay));
  std::uint64_t before = Stored("m_1").back().id();
  Reopen();
  Ok(Place("b_1", "o_3", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_3", OrderAction::kPay));
  EXPECT_GT(Stored("m_1").back().id(), before);
  EXPECT_EQ(Stored("m_1").size(), 2u);
}

TEST_F(MerchantEventsTest, PageSizeIsBounded) {
  EXPECT_EQ(engine_->Read().ListMerchantEvents("m_1", 0, kMaxPageSize + 1).status().code(),
            Code::kInvalidArgument);
}

}  // namespace merchant_events_test
}  // namespace market4::engine
