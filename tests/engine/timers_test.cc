// The marketplace's timers (engine/timers.cc): unpaid orders expire at pay_by, shipped orders
// complete by themselves at auto_confirm_at, and a refused auto-confirm is retried an hour
// later unless the order was completed meanwhile. Also the Timers class on its own.
#include "engine/timers.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace timers_test {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;

// --- The Timers class ---

TEST(TimersClassTest, NothingIsDueWhenNothingIsScheduled) {
  Timers timers;
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, std::numeric_limits<std::int64_t>::max()),
            std::nullopt);
  EXPECT_EQ(timers.size(), 0u);
}

TEST(TimersClassTest, DueAtItsTimeNotBefore) {
  Timers timers;
  timers.Schedule(Timer::kPayDeadline, "o_1", 100);
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 99), std::nullopt);
  EXPECT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 100), "o_1");
  EXPECT_EQ(timers.size(), 0u);
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 1'000), std::nullopt);  // taken once
}

TEST(TimersClassTest, ScheduleReplacesTheEarlierTime) {
  Timers timers;
  timers.Schedule(Timer::kAutoConfirm, "o_1", 100);
  timers.Schedule(Timer::kAutoConfirm, "o_1", 200);
  EXPECT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 150), std::nullopt);
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 200), "o_1");
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 1'000), std::nullopt);
  // An earlier time replaces a later one too.
  timers.Schedule(Timer::kAutoConfirm, "o_2", 500);
  timers.Schedule(Timer::kAutoConfirm, "o_2", 50);
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 50), "o_2");
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 1'000), std::nullopt);
  EXPECT_EQ(timers.size(), 0u);
}

TEST(TimersClassTest, CancelRemovesOnlyThatTimer) {
  Timers timers;
  timers.Schedule(Timer::kPayDeadline, "o_1", 100);
  timers.Schedule(Timer::kAutoConfirm, "o_1", 100);
  timers.Schedule(Timer::kPayDeadline, "o_2", 100);
  EXPECT_EQ(timers.size(), 3u);
  timers.Cancel(Timer::kPayDeadline, "o_1");
  timers.Cancel(Timer::kPayDeadline, "o_9");  // unknown: nothing happens
  timers.Cancel(Timer::kAutoConfirm, "o_2");  // no timer of that kind: nothing happens
  EXPECT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 100), "o_2");
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 100), std::nullopt);
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 100), "o_1");
  timers.Cancel(Timer::kAutoConfirm, "o_1");  // already taken
  EXPECT_EQ(timers.size(), 0u);
  // A cancelled timer can be scheduled again.
  timers.Schedule(Timer::kPayDeadline, "o_1", 300);
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 300), "o_1");
}

TEST(TimersClassTest, TakeDueGoesByTimeThenById) {
  Timers timers;
  timers.Schedule(Timer::kPayDeadline, "o_b", 100);
  timers.Schedule(Timer::kPayDeadline, "o_d", 300);
  timers.Schedule(Timer::kPayDeadline, "o_a", 100);
  timers.Schedule(Timer::kPayDeadline, "o_c", 50);
  timers.Schedule(Timer::kAutoConfirm, "o_0", 10);  // another kind: not in this queue
  std::string taken;
  while (auto id = timers.TakeDue(Timer::kPayDeadline, 200)) taken += *id + " ";
  EXPECT_EQ(taken, "o_c o_a o_b ");
  EXPECT_EQ(timers.TakeDue(Timer::kPayDeadline, 300), "o_d");
  EXPECT_EQ(timers.TakeDue(Timer::kAutoConfirm, 10), "o_0");
  EXPECT_EQ(timers.size(), 0u);
}

// --- Timers in the engine ---

class TimersTest : public MarketFixture {
 protected:
  void SetUp() override {
    market_options_.max_unpaid_share = 0;  // one buyer holds most of a small listing here
    MarketFixture::SetUp();
    ASSERT_TRUE(AddMerchant("m_1").ok());
    ASSERT_TRUE(AddBuyer("b_1").ok());
    ASSERT_TRUE(Deposit("b_1", 100'000).ok());
    ASSERT_TRUE(AddListing("m_1", "l_1", 20'000, 10).ok());
  }

  // Advances the clock to `at_ns` and lets the engine see it.
  void TickAt(std::int64_t at_ns) {
    ASSERT_GE(at_ns, clock_.NowNanos());
    AdvanceAndTick(nanoseconds(at_ns - clock_.NowNanos()));
  }

  // An operator's pending transfer that fills m_1.available's credit side to the limit, so
  // that settling any order of m_1 would overflow it (kOverflow, not kInternal). Voiding it
  // removes the obstacle.
  void BlockMerchantCredits() {
    ASSERT_TRUE(CreateAccount("operator.source").ok());
    auto blocked = Submit({Make("block", "operator.source", "m_1.available",
                                std::numeric_limits<std::int64_t>::max(), /*pending=*/true)});
    ASSERT_TRUE(blocked.ok()) << blocked.status.ToString();
  }
  void UnblockMerchantCredits() {
    auto voided = engine_->Execute(VoidPending{"block"});
    ASSERT_TRUE(voided.ok()) << voided.status.ToString();
  }
};

TEST_F(TimersTest, UnpaidOrderExpiresExactlyAtPayBy) {
  v1::Order placed = Ok(Place("b_1", "o_1", {{"l_1", 3}}));
  const std::int64_t pay_by = NanosOf(placed.pay_by());
  EXPECT_EQ(Stock("l_1"), 7);
  TickAt(pay_by - 1);
  EXPECT_EQ(OrderOf("o_1").status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(Stock("l_1"), 7);
  TickAt(pay_by);
  v1::Order expired = OrderOf("o_1");
  EXPECT_EQ(expired.status(), v1::EXPIRED);
  EXPECT_EQ(Timeline(expired), "CREATED buyer 0, EXPIRED system 0");
  EXPECT_EQ(LastEventAt(expired), pay_by);
  EXPECT_EQ(Stock("l_1"), 10);
  EXPECT_EQ(Available("b_1.wallet"), 100'000);
  // Too late to pay now.
  auto late = Act(AsBuyer("b_1"), "o_1", OrderAction::kPay);
  EXPECT_EQ(late.status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(DetailOf(late.status, "status"), "EXPIRED");
  // And it expires once: later ticks change nothing.
  AdvanceAndTick(hours(24));
  EXPECT_EQ(OrderOf("o_1").DebugString(), expired.DebugString());
  EXPECT_EQ(Stock("l_1"), 10);
}

TEST_F(TimersTest, ABatchRunsDueTimersBeforeItsCommands) {
  v1::Order first = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  v1::Order second = Ok(Place("b_1", "o_2", {{"l_1", 1}}));
  // One nanosecond before the deadline a payment is in time.
  clock_.Advance(nanoseconds(NanosOf(first.pay_by()) - clock_.NowNanos() - 1));
  EXPECT_EQ(Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay)).status(), v1::PAID);
  // At the deadline, with no tick in between, the expiry comes first.
  clock_.Advance(nanoseconds(1));
  auto late = Act(AsBuyer("b_1"), "o_2", OrderAction::kPay);
  EXPECT_EQ(late.status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(OrderOf("o_2").status(), v1::EXPIRED);
  EXPECT_EQ(OrderOf("o_1").status(), v1::PAID);
  EXPECT_EQ(Available("b_1.wallet"), 80'000);
}

TEST_F(TimersTest, PaidOrCancelledOrdersDoNotExpire) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  Ok(Place("b_1", "o_2", {{"l_1", 1}}));
  v1::Order paid = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  v1::Order cancelled = Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kCancel));
  AdvanceAndTick(hours(24 * 30));
  EXPECT_EQ(OrderOf("o_1").DebugString(), paid.DebugString());
  EXPECT_EQ(OrderOf("o_2").DebugString(), cancelled.DebugString());
  EXPECT_EQ(Stock("l_1"), 9);
}

TEST_F(TimersTest, ShippedOrderCompletesItselfAtAutoConfirmAt) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 2}});
  const std::int64_t at = NanosOf(shipped.auto_confirm_at());
  TickAt(at - 1);
  EXPECT_EQ(OrderOf("o_1").DebugString(), shipped.DebugString());
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/0");
  TickAt(at);
  v1::Order done = OrderOf("o_1");
  EXPECT_EQ(done.status(), v1::COMPLETED);
  EXPECT_EQ(Timeline(done),
            "CREATED buyer 0, PAID buyer 40000, SHIPPED merchant 0, AUTO_COMPLETED system 40000");
  EXPECT_EQ(LastEventAt(done), at);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/39600");
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/400");
  EXPECT_EQ(Balances("m_1.escrow"), "0/40000/0/40000");
  EXPECT_EQ(Balances("b_1.wallet"), "0/40000/0/100000");
  const std::string ledger = LedgerPicture();
  AdvanceAndTick(hours(24 * 10));
  EXPECT_EQ(OrderOf("o_1").DebugString(), done.DebugString());
  EXPECT_EQ(LedgerPicture(), ledger);
}

TEST_F(TimersTest, ConfirmedByHandTheAutoConfirmNeverFires) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 1}});
  v1::Order done = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  const std::string ledger = LedgerPicture();
  TickAt(NanosOf(shipped.auto_confirm_at()));
  AdvanceAndTick(hours(24 * 10));
  EXPECT_EQ(OrderOf("o_1").DebugString(), done.DebugString());
  EXPECT_EQ(LedgerPicture(), ledger);
}

TEST_F(TimersTest, ManyOrdersFallDueInOneTick) {
  for (int i = 0; i < 4; ++i) Ok(Place("b_1", "o_p" + std::to_string(i), {{"l_1", 1}}));
  for (int i = 0; i < 2; ++i) ShippedOrder("b_1", "o_s" + std::to_string(i), {{"l_1", 1}});
  EXPECT_EQ(Stock("l_1"), 4);
  AdvanceAndTick(hours(24 * 8));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(OrderOf("o_p" + std::to_string(i)).status(), v1::EXPIRED);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(LastEvent(OrderOf("o_s" + std::to_string(i))), "AUTO_COMPLETED");
  }
  EXPECT_EQ(Stock("l_1"), 8);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/39600");
}

TEST_F(TimersTest, RefusedAutoConfirmIsRetriedAnHourLater) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 2}});
  const std::int64_t at = NanosOf(shipped.auto_confirm_at());
  const std::int64_t retry = nanoseconds(kAutoConfirmRetry).count();
  BlockMerchantCredits();
  const std::string blocked = LedgerPicture();
  TickAt(at);  // refused, leaving no trace
  EXPECT_EQ(OrderOf("o_1").DebugString(), shipped.DebugString());
  EXPECT_EQ(LedgerPicture(), blocked);

  // With the obstacle gone, the retry completes the order when it is due, not before.
  clock_.Advance(minutes(10));
  UnblockMerchantCredits();
  TickAt(at + retry - 1);
  EXPECT_EQ(OrderOf("o_1").DebugString(), shipped.DebugString());
  TickAt(at + retry);
  v1::Order done = OrderOf("o_1");
  EXPECT_EQ(done.status(), v1::COMPLETED);
  EXPECT_EQ(Timeline(done),
            "CREATED buyer 0, PAID buyer 40000, SHIPPED merchant 0, AUTO_COMPLETED system 40000");
  EXPECT_EQ(LastEventAt(done), at + retry);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/39600");
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/400");
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
}

TEST_F(TimersTest, ARefusedRetryIsRetriedAgain) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 2}});
  const std::int64_t at = NanosOf(shipped.auto_confirm_at());
  const std::int64_t retry = nanoseconds(kAutoConfirmRetry).count();
  BlockMerchantCredits();
  const std::string blocked = LedgerPicture();
  for (int attempt = 0; attempt < 3; ++attempt) {
    TickAt(at + attempt * retry);
    EXPECT_EQ(OrderOf("o_1").DebugString(), shipped.DebugString()) << "attempt " << attempt;
    EXPECT_EQ(LedgerPicture(), blocked) << "attempt " << attempt;
  }
  clock_.Advance(minutes(10));
  UnblockMerchantCredits();
  TickAt(at + 3 * retry - 1);
  EXPECT_EQ(OrderOf("o_1").status(), v1::SHIPPED);
  TickAt(at + 3 * retry);
  v1::Order done = OrderOf("o_1");
  EXPECT_EQ(done.status(), v1::COMPLETED);
  EXPECT_EQ(LastEventAt(done), at + 3 * retry);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/39600");
}

TEST_F(TimersTest, AfterAManualConfirmTheRetryDoesNotFire) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 2}});
  const std::int64_t at = NanosOf(shipped.auto_confirm_at());
  BlockMerchantCredits();
  TickAt(at);  // refused: a retry is now due at `at` + 1 hour
  EXPECT_EQ(OrderOf("o_1").status(), v1::SHIPPED);

  // While blocked, the buyer's own confirmation is refused the same way.
  clock_.Advance(minutes(10));
  auto refused = Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm);
  EXPECT_EQ(refused.status.code(), Code::kOverflow);
  EXPECT_EQ(DetailOf(refused.status, "account_id"), "m_1.available");
  EXPECT_EQ(OrderOf("o_1").DebugString(), shipped.DebugString());

  clock_.Advance(minutes(10));
  UnblockMerchantCredits();
  clock_.Advance(minutes(10));
  v1::Order done = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  EXPECT_EQ(Timeline(done),
            "CREATED buyer 0, PAID buyer 40000, SHIPPED merchant 0, COMPLETED buyer 40000");
  const std::string ledger = LedgerPicture();

  // The hour of the retry passes, and several more: nothing fires, nothing moves.
  for (int hour = 0; hour < 6; ++hour) {
    AdvanceAndTick(minutes(30));
    AdvanceAndTick(minutes(30));
    ASSERT_FALSE(HasFailure()) << "after " << hour << " hours";
    EXPECT_EQ(OrderOf("o_1").DebugString(), done.DebugString());
    EXPECT_EQ(LedgerPicture(), ledger);
  }
  // Nor after a restart.
  Reopen();
  AdvanceAndTick(hours(24 * 30));
  EXPECT_EQ(OrderOf("o_1").DebugString(), done.DebugString());
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/39600");
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
}

}  // namespace timers_test
}  // namespace market4::engine
