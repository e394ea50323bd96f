// Cash deposits at the desk (engine/deposits.cc): the money moves from platform.cash_desk to
// the buyer's wallet exactly once per Idempotency-Key, and a refused deposit moves nothing.
#include <gtest/gtest.h>

#include <future>
#include <limits>
#include <string>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace deposits_test {

class DepositsTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ASSERT_TRUE(AddBuyer("b_1").ok());
    ASSERT_TRUE(AddBuyer("b_2").ok());
    before_ = LedgerPicture();
  }

  // Nothing in the ledger changed since SetUp.
  void ExpectNothingMoved() {
    EXPECT_EQ(LedgerPicture(), before_);
    EXPECT_EQ(TransferCount(kCashDeskAccount), 0u);
  }

  std::string before_;
};

TEST_F(DepositsTest, CreditsTheWalletFromTheCashDesk) {
  v1::Deposit deposit = Ok(DepositWithKey("b_1", 50'000, "desk-1"));
  EXPECT_EQ(deposit.buyer_id(), "b_1");
  EXPECT_EQ(deposit.amount(), 50'000);
  EXPECT_EQ(NanosOf(deposit.created_at()), clock_.NowNanos());
  ASSERT_FALSE(deposit.transfer_id().empty());

  auto transfer = engine_->Read().GetTransfer(deposit.transfer_id());
  ASSERT_TRUE(transfer.ok()) << transfer.status().ToString();
  EXPECT_EQ(transfer->debit_account_id(), kCashDeskAccount);
  EXPECT_EQ(transfer->credit_account_id(), "b_1.wallet");
  EXPECT_EQ(transfer->amount(), 50'000);
  EXPECT_EQ(transfer->code(), kCodeDeposit);
  EXPECT_EQ(transfer->kind(), v1::TRANSFER_KIND_POSTED);
  EXPECT_EQ(transfer->status(), v1::TRANSFER_STATUS_COMPLETED);

  EXPECT_EQ(Balances("b_1.wallet"), "0/0/0/50000");
  EXPECT_EQ(Balances(kCashDeskAccount), "0/50000/0/0");
  EXPECT_EQ(Balances("b_2.wallet"), "0/0/0/0");
  auto wallet = engine_->Read().GetWallet("b_1");
  ASSERT_TRUE(wallet.ok());
  EXPECT_EQ(wallet->balance(), 50'000);
  EXPECT_EQ(wallet->held(), 0);
  ASSERT_EQ(wallet->movements_size(), 1);
  EXPECT_EQ(wallet->movements(0).kind(), "deposit");
  EXPECT_EQ(wallet->movements(0).amount(), 50'000);
  EXPECT_EQ(wallet->movements(0).transfer_id(), deposit.transfer_id());
}

TEST_F(DepositsTest, TwoDepositsAddUpUnderDistinctTransfers) {
  v1::Deposit first = Ok(DepositWithKey("b_1", 10'000, "desk-1"));
  v1::Deposit second = Ok(DepositWithKey("b_1", 15'000, "desk-2"));
  EXPECT_NE(first.transfer_id(), second.transfer_id());
  EXPECT_EQ(Available("b_1.wallet"), 25'000);
  EXPECT_EQ(TransferCount("b_1.wallet"), 2u);
}

TEST_F(DepositsTest, IdempotencyKeyIsRequired) {
  auto refused = DepositWithKey("b_1", 50'000, "");
  EXPECT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(refused.status, "field"), "Idempotency-Key");
  ExpectNothingMoved();
}

TEST_F(DepositsTest, SameKeyAndBodyReplaysTheFirstAnswer) {
  auto first = DepositWithKey("b_1", 50'000, "desk-1");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.replayed);
  clock_.Advance(std::chrono::minutes(5));
  auto again = DepositWithKey("b_1", 50'000, "desk-1");
  ASSERT_TRUE(again.ok()) << again.status.ToString();
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.value.DebugString(), first.value.DebugString());
  EXPECT_EQ(Available("b_1.wallet"), 50'000);
  EXPECT_EQ(TransferCount("b_1.wallet"), 1u);
  // Still so after a restart: the key is durable.
  Reopen();
  auto after_restart = DepositWithKey("b_1", 50'000, "desk-1");
  ASSERT_TRUE(after_restart.ok());
  EXPECT_TRUE(after_restart.replayed);
  EXPECT_EQ(after_restart.value.DebugString(), first.value.DebugString());
  EXPECT_EQ(Available("b_1.wallet"), 50'000);
}

TEST_F(DepositsTest, SameKeyInOneBatchMovesMoneyOnce) {
  // Both may land in one batch (the second then finds the first uncommitted) or in two;
  // either way exactly one of them moves money.
  std::promise<Answer<v1::Deposit>> first, second;
  for (auto* promise : {&first, &second}) {
    MakeDeposit command{AsOperator(), "b_1", "desk-1", {}};
    command.request.set_amount(7'000);
    engine_->Submit(
        command, [promise](Answer<v1::Deposit> answer) { promise->set_value(std::move(answer)); });
  }
  Answer<v1::Deposit> a = first.get_future().get();
  Answer<v1::Deposit> b = second.get_future().get();
  ASSERT_TRUE(a.ok()) << a.status.ToString();
  ASSERT_TRUE(b.ok()) << b.status.ToString();
  EXPECT_FALSE(a.replayed);
  EXPECT_TRUE(b.replayed);
  EXPECT_EQ(a.value.DebugString(), b.value.DebugString());
  EXPECT_EQ(Available("b_1.wallet"), 7'000);
  EXPECT_EQ(TransferCount("b_1.wallet"), 1u);
}

TEST_F(DepositsTest, SameKeyWithAnotherAmountIsAConflict) {
  Ok(DepositWithKey("b_1", 50'000, "desk-1"));
  std::string after_first = LedgerPicture();
  auto conflict = DepositWithKey("b_1", 60'000, "desk-1");
  EXPECT_EQ(conflict.status.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(DetailOf(conflict.status, "field"), "Idempotency-Key");
  EXPECT_EQ(LedgerPicture(), after_first);
  EXPECT_EQ(Available("b_1.wallet"), 50'000);
}

TEST_F(DepositsTest, SameKeyForAnotherBuyerIsAConflict) {
  Ok(DepositWithKey("b_1", 50'000, "desk-1"));
  std::string after_first = LedgerPicture();
  EXPECT_EQ(DepositWithKey("b_2", 50'000, "desk-1").status.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(LedgerPicture(), after_first);
}

TEST_F(DepositsTest, UnknownBuyerIsNotFound) {
  auto refused = DepositWithKey("b_9", 50'000, "desk-1");
  EXPECT_EQ(refused.status.code(), Code::kNotFound);
  EXPECT_EQ(DetailOf(refused.status, "buyer_id"), "b_9");
  ExpectNothingMoved();
}

TEST_F(DepositsTest, AmountMustBePositive) {
  for (std::int64_t amount : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{-50'000},
                              std::numeric_limits<std::int64_t>::min()}) {
    auto refused = DepositWithKey("b_1", amount, "desk-" + std::to_string(amount));
    EXPECT_EQ(refused.status.code(), Code::kInvalidArgument) << amount;
    EXPECT_EQ(DetailOf(refused.status, "field"), "amount") << amount;
  }
  ExpectNothingMoved();
}

TEST_F(DepositsTest, RefusedDepositCanBeRetriedUnderTheSameKey) {
  EXPECT_EQ(DepositWithKey("b_1", 0, "desk-1").status.code(), Code::kInvalidArgument);
  auto retried = DepositWithKey("b_1", 20'000, "desk-1");
  ASSERT_TRUE(retried.ok()) << retried.status.ToString();
  EXPECT_FALSE(retried.replayed);
  EXPECT_EQ(Available("b_1.wallet"), 20'000);

  // A deposit for a buyer who registers only later.
  EXPECT_EQ(DepositWithKey("b_3", 30'000, "desk-2").status.code(), Code::kNotFound);
  ASSERT_TRUE(AddBuyer("b_3").ok());
  auto later = DepositWithKey("b_3", 30'000, "desk-2");
  ASSERT_TRUE(later.ok()) << later.status.ToString();
  EXPECT_FALSE(later.replayed);
  EXPECT_EQ(Available("b_3.wallet"), 30'000);
  EXPECT_EQ(Balances(kCashDeskAccount), "0/50000/0/0");
}

TEST_F(DepositsTest, DepositThatWouldOverflowIsRefusedAndMovesNothing) {
  Ok(Deposit("b_1", std::numeric_limits<std::int64_t>::max()));
  std::string full = LedgerPicture();
  auto refused = Deposit("b_2", 1);
  EXPECT_EQ(refused.status.code(), Code::kOverflow);
  EXPECT_EQ(LedgerPicture(), full);
}

}  // namespace deposits_test
}  // namespace market4::engine
