// Refunds (engine/refunds.cc): a merchant returns part or all of a completed order from its
// available balance to the buyer's wallet; refunds never add up to more than the total, and
// each Idempotency-Key moves money once.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <string>
#include <vector>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace refunds_test {

class RefundsTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    for (const char* id : {"m_1", "m_2"}) ASSERT_TRUE(AddMerchant(id).ok());
    ASSERT_TRUE(AddBuyer("b_1").ok());
    ASSERT_TRUE(Deposit("b_1", 200'000).ok());
    ASSERT_TRUE(AddListing("m_1", "l_1", 20'000, 20).ok());
    ASSERT_TRUE(AddListing("m_2", "l_2", 8'000, 20).ok());
    // Two completed orders of 40,000: m_1 has 2 * 39,600 available.
    completed_ = CompletedOrder("b_1", "o_1", {{"l_1", 2}});
    CompletedOrder("b_1", "o_2", {{"l_1", 2}});
    ASSERT_EQ(Available("m_1.available"), 79'200);
    ASSERT_EQ(Available("b_1.wallet"), 120'000);
  }

  // The refund transfers that reached the wallet, newest first.
  std::vector<v1::Transfer> RefundTransfers() {
    auto transfers = engine_->Read().ListAccountTransfers("b_1.wallet", kMaxPageSize, "");
    EXPECT_TRUE(transfers.ok()) << transfers.status().ToString();
    std::vector<v1::Transfer> refunds;
    if (!transfers.ok()) return refunds;
    for (const auto& t : transfers->transfers()) {
      if (t.code() == kCodeRefund) refunds.push_back(t);
    }
    return refunds;
  }

  v1::Order completed_;
};

TEST_F(RefundsTest, MovesMoneyFromAvailableToTheWallet) {
  const std::int64_t fees = Available(kFeesAccount);
  clock_.Advance(std::chrono::hours(2));
  v1::Order refunded = Ok(Refund("m_1", "o_1", 10'000, "r-1"));
  EXPECT_EQ(refunded.refunded(), 10'000);
  EXPECT_EQ(refunded.status(), v1::COMPLETED);
  EXPECT_EQ(Timeline(refunded),
            "CREATED buyer 0, PAID buyer 40000, SHIPPED merchant 0, COMPLETED buyer 40000, "
            "REFUNDED merchant 10000");
  EXPECT_EQ(LastEventAt(refunded), clock_.NowNanos());
  EXPECT_EQ(OrderOf("o_1").DebugString(), refunded.DebugString());

  EXPECT_EQ(Available("m_1.available"), 69'200);
  EXPECT_EQ(Available("b_1.wallet"), 130'000);
  EXPECT_EQ(Available(kFeesAccount), fees);  // the platform keeps its commission
  std::vector<v1::Transfer> refunds = RefundTransfers();
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(refunds[0].debit_account_id(), "m_1.available");
  EXPECT_EQ(refunds[0].credit_account_id(), "b_1.wallet");
  EXPECT_EQ(refunds[0].amount(), 10'000);
  EXPECT_EQ(refunds[0].kind(), v1::TRANSFER_KIND_POSTED);
  EXPECT_EQ(refunds[0].id().rfind("o~o_1~refund~", 0), 0u) << refunds[0].id();

  auto wallet = engine_->Read().GetWallet("b_1");
  ASSERT_TRUE(wallet.ok());
  ASSERT_GT(wallet->movements_size(), 0);
  EXPECT_EQ(wallet->movements(0).kind(), "refund");
  EXPECT_EQ(wallet->movements(0).amount(), 10'000);
  EXPECT_EQ(OrderOf("o_2").refunded(), 0);
}

TEST_F(RefundsTest, PartialRefundsAddUpToAtMostTheTotal) {
  EXPECT_EQ(Ok(Refund("m_1", "o_1", 10'000, "r-1")).refunded(), 10'000);
  EXPECT_EQ(Ok(Refund("m_1", "o_1", 25'000, "r-2")).refunded(), 35'000);
  std::string ledger = LedgerPicture();
  auto too_much = Refund("m_1", "o_1", 5'001, "r-3");
  EXPECT_EQ(too_much.status.code(), Code::kRefundExceedsPaid);
  EXPECT_EQ(DetailOf(too_much.status, "refundable"), "5000");
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(OrderOf("o_1").refunded(), 35'000);
  // The refused key was not spent.
  EXPECT_EQ(Ok(Refund("m_1", "o_1", 5'000, "r-3")).refunded(), 40'000);
  auto nothing_left = Refund("m_1", "o_1", 1, "r-4");
  EXPECT_EQ(nothing_left.status.code(), Code::kRefundExceedsPaid);
  EXPECT_EQ(DetailOf(nothing_left.status, "refundable"), "0");
  // The whole total went back, more than this order earned the merchant (39,600).
  EXPECT_EQ(Available("m_1.available"), 79'200 - 40'000);
  EXPECT_EQ(Available("b_1.wallet"), 160'000);
  EXPECT_EQ(RefundTransfers().size(), 3u);
}

TEST_F(RefundsTest, RefundsInOneBatchCannotExceedTheTotal) {
  // Submitted together they may share a batch, where the order is read back from memory
  // before its first refund is committed; either way only two fit in 40,000.
  std::vector<std::promise<Answer<v1::Order>>> answers(3);
  for (int i = 0; i < 3; ++i) {
    RefundOrder command{"m_1", "o_1", "r-" + std::to_string(i), {}};
    command.request.set_amount(15'000);
    engine_->Submit(command, [&answers, i](Answer<v1::Order> answer) {
      answers[i].set_value(std::move(answer));
    });
  }
  std::vector<Answer<v1::Order>> got;
  for (auto& answer : answers) got.push_back(answer.get_future().get());
  EXPECT_TRUE(got[0].ok()) << got[0].status.ToString();
  EXPECT_TRUE(got[1].ok()) << got[1].status.ToString();
  EXPECT_EQ(got[2].status.code(), Code::kRefundExceedsPaid);
  EXPECT_EQ(DetailOf(got[2].status, "refundable"), "10000");
  EXPECT_EQ(OrderOf("o_1").refunded(), 30'000);
  EXPECT_EQ(Available("b_1.wallet"), 150'000);
}

TEST_F(RefundsTest, OnlyCompletedOrdersCanBeRefunded) {
  Ok(Place("b_1", "o_3", {{"l_1", 1}}));
  Ok(Place("b_1", "o_4", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_4", OrderAction::kPay));
  ShippedOrder("b_1", "o_5", {{"l_1", 1}});
  Ok(Place("b_1", "o_6", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_6", OrderAction::kCancel));
  std::string ledger = LedgerPicture();
  for (const auto& [id, status] : std::vector<std::pair<std::string, std::string>>{
           {"o_3", "PENDING_PAYMENT"}, {"o_4", "PAID"}, {"o_5", "SHIPPED"}, {"o_6", "CANCELLED"}}) {
    auto refused = Refund("m_1", id, 1'000, "r-" + id);
    EXPECT_EQ(refused.status.code(), Code::kFailedPrecondition) << id;
    EXPECT_EQ(DetailOf(refused.status, "status"), status) << id;
    EXPECT_EQ(OrderOf(id).refunded(), 0) << id;
  }
  EXPECT_EQ(LedgerPicture(), ledger);
}

TEST_F(RefundsTest, IdempotencyKeyIsRequired) {
  std::string ledger = LedgerPicture();
  auto refused = Refund("m_1", "o_1", 1'000, "");
  EXPECT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(refused.status, "field"), "Idempotency-Key");
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(OrderOf("o_1").DebugString(), completed_.DebugString());
}

TEST_F(RefundsTest, AmountMustBePositive) {
  for (std::int64_t amount : {std::int64_t{0}, std::int64_t{-1}}) {
    auto refused = Refund("m_1", "o_1", amount, "r-" + std::to_string(amount));
    EXPECT_EQ(refused.status.code(), Code::kInvalidArgument) << amount;
    EXPECT_EQ(DetailOf(refused.status, "field"), "amount") << amount;
  }
  EXPECT_EQ(OrderOf("o_1").DebugString(), completed_.DebugString());
}

TEST_F(RefundsTest, SameKeyReplaysTheFirstAnswer) {
  auto first = Refund("m_1", "o_1", 10'000, "r-1");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.replayed);
  Ok(Refund("m_1", "o_1", 5'000, "r-2"));
  std::string ledger = LedgerPicture();
  auto again = Refund("m_1", "o_1", 10'000, "r-1");
  ASSERT_TRUE(again.ok()) << again.status.ToString();
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.value.DebugString(), first.value.DebugString());  // the first answer
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(OrderOf("o_1").refunded(), 15'000);

  auto other_amount = Refund("m_1", "o_1", 10'001, "r-1");
  EXPECT_EQ(other_amount.status.code(), Code::kIdempotencyConflict);
  auto other_order = Refund("m_1", "o_2", 10'000, "r-1");
  EXPECT_EQ(other_order.status.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(OrderOf("o_2").refunded(), 0);
}

TEST_F(RefundsTest, TwoRefundsGetDistinctTransfers) {
  Ok(Refund("m_1", "o_1", 1'000, "r-1"));
  Ok(Refund("m_1", "o_1", 1'000, "r-2"));
  std::vector<v1::Transfer> refunds = RefundTransfers();
  ASSERT_EQ(refunds.size(), 2u);
  EXPECT_NE(refunds[0].id(), refunds[1].id());
  for (const auto& t : refunds) {
    EXPECT_EQ(t.amount(), 1'000);
    EXPECT_EQ(t.debit_account_id(), "m_1.available");
  }
  EXPECT_EQ(OrderOf("o_1").refunded(), 2'000);
  EXPECT_EQ(Available("b_1.wallet"), 122'000);
}

TEST_F(RefundsTest, AnotherMerchantsOrderIsNotFound) {
  std::string ledger = LedgerPicture();
  auto refused = Refund("m_2", "o_1", 1'000, "r-1");
  EXPECT_EQ(refused.status.code(), Code::kNotFound);
  EXPECT_EQ(DetailOf(refused.status, "order_id"), "o_1");
  EXPECT_EQ(Refund("m_9", "o_1", 1'000, "r-1").status.code(), Code::kNotFound);
  EXPECT_EQ(Refund("m_1", "o_9", 1'000, "r-1").status.code(), Code::kNotFound);
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(OrderOf("o_1").DebugString(), completed_.DebugString());
  // The refused key is still free for the right merchant.
  EXPECT_EQ(Ok(Refund("m_1", "o_1", 1'000, "r-1")).refunded(), 1'000);
}

TEST_F(RefundsTest, RefundBeyondTheMerchantsAvailableBalanceIsRefused) {
  CompletedOrder("b_1", "o_3", {{"l_2", 1}});  // m_2 earns 8,000 - 80
  ASSERT_EQ(Available("m_2.available"), 7'920);
  std::string ledger = LedgerPicture();
  auto refused = Refund("m_2", "o_3", 8'000, "r-1");
  EXPECT_EQ(refused.status.code(), Code::kInsufficientFunds);
  EXPECT_EQ(DetailOf(refused.status, "account_id"), "m_2.available");
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(OrderOf("o_3").refunded(), 0);
  EXPECT_EQ(Ok(Refund("m_2", "o_3", 7'920, "r-1")).refunded(), 7'920);
  EXPECT_EQ(Available("m_2.available"), 0);
}

TEST_F(RefundsTest, RefundsSurviveARestart) {
  v1::Order first = Ok(Refund("m_1", "o_1", 10'000, "r-1"));
  Reopen();
  EXPECT_EQ(OrderOf("o_1").DebugString(), first.DebugString());
  auto replay = Refund("m_1", "o_1", 10'000, "r-1");
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay.replayed);
  auto too_much = Refund("m_1", "o_1", 30'001, "r-2");
  EXPECT_EQ(too_much.status.code(), Code::kRefundExceedsPaid);
  EXPECT_EQ(DetailOf(too_much.status, "refundable"), "30000");
  EXPECT_EQ(Ok(Refund("m_1", "o_1", 30'000, "r-2")).refunded(), 40'000);
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
}

}  // namespace refunds_test
}  // namespace market4::engine
