// The payment rails on the engine: top-ups, orders paid through a provider, payouts, provider
// events applied at most once, and the exceptions queue. Every test checks exact balances and
// the ledger's invariants; deliveries are the engine's view of what the gateway verified.
#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "engine/chart.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace rails_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kMomo = ProviderAccount("momo");

class RailsTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    AddProvider("momo");
    Ok(AddBuyer("b_1"));
    Ok(AddMerchant("m_1"));
    Ok(AddListing("m_1", "l_1", 40'000, 100));
  }

  void AddProvider(const std::string& id) {
    CreateProvider command;
    command.request.set_id(id);
    command.request.set_name(id);
    command.request.set_scheme(v1::STANDARD_WEBHOOKS);
    command.request.add_secrets(kSecret);
    Ok(engine_->Execute(command));
  }

  Answer<v1::TopUp> TopUp(const std::string& id, std::int64_t amount,
                          const std::string& buyer = "b_1", const std::string& provider = "momo") {
    RequestTopUp command{buyer, id, FreshKey(), {}};
    command.request.set_provider(provider);
    command.request.set_amount(amount);
    return engine_->Execute(command);
  }

  Answer<v1::Payout> Payout(const std::string& id, std::int64_t amount,
                            const std::string& key = "") {
    RequestPayout command{"m_1", id, key.empty() ? FreshKey() : key, {}};
    command.request.set_provider("momo");
    command.request.set_amount(amount);
    command.request.set_destination("0901234567");
    return engine_->Execute(command);
  }

  ReceiveProviderEvent Event(const std::string& type, const std::string& reference,
                             std::int64_t amount, const std::string& txn,
                             const std::string& delivery = "",
                             const std::string& provider = "momo") {
    ReceiveProviderEvent command;
    ++events_;
    command.event.set_id("ev_" + std::to_string(events_));
    command.exception_id = "ex_" + std::to_string(events_);
    command.event.set_provider(provider);
    command.event.set_delivery_id(delivery.empty() ? "msg_" + std::to_string(events_) : delivery);
    command.event.set_type(type);
    command.event.set_reference(reference);
    command.event.set_amount(amount);
    command.event.set_provider_txn_id(txn);
    command.event.set_scheme(v1::STANDARD_WEBHOOKS);
    command.event.set_raw_body("{\"type\":\"" + type + "\"}");
    return command;
  }

  v1::ProviderEvent Deliver(const std::string& type, const std::string& reference,
                            std::int64_t amount, const std::string& txn,
                            const std::string& delivery = "") {
    return Ok(engine_->Execute(Event(type, reference, amount, txn, delivery)));
  }

  v1::TopUp TopUpOf(const std::string& id, const std::string& buyer = "b_1") {
    auto top_up = engine_->Read().GetTopUp(buyer, id);
    EXPECT_TRUE(top_up.ok()) << top_up.status().ToString();
    return top_up.ok() ? top_up.value() : v1::TopUp();
  }

  v1::ProviderException ExceptionOf(const std::string& id) {
    auto exception = engine_->Read().GetException(id);
    EXPECT_TRUE(exception.ok()) << exception.status().ToString();
    return exception.ok() ? exception.value() : v1::ProviderException();
  }

  Answer<v1::ProviderException> Resolve(const std::string& id, v1::ExceptionAction action,
                                        const std::string& buyer = "",
                                        const std::string& note = "") {
    ResolveException command{id, {}};
    command.request.set_action(action);
    command.request.set_buyer_id(buyer);
    command.request.set_note(note);
    return engine_->Execute(command);
  }

  // The open exceptions listed; the engine's own count (the metrics gauge) must agree.
  std::size_t OpenExceptions() {
    auto listed = engine_->Read().ListExceptions(v1::OPEN, 0, "");
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::size_t open = listed.ok() ? static_cast<std::size_t>(listed->exceptions_size()) : 0;
    EXPECT_EQ(engine_->open_exceptions(), static_cast<std::int64_t>(open));
    return open;
  }

  void ExpectLedgerSound() {
    EXPECT_TRUE(engine_->Execute(VerifyInvariants{}).ok());
    EXPECT_TRUE(engine_->Read().AuditHistory().ok());
  }

  // A merchant with `amount` available: a completed order of that total with no commission
  // is not possible at the default rate, so the test deposits to a buyer and refunds nothing;
  // it moves money the way the market does and returns what the merchant then holds.
  std::int64_t EarnSomething() {
    Ok(Deposit("b_1", 200'000));
    CompletedOrder("b_1", "o_earn", {{"l_1", 4}});
    return Available(AvailableAccount("m_1"));
  }

  int events_ = 0;
};

TEST_F(RailsTest, TopUpSucceededCreditsTheWalletOnceHoweverOftenItIsDelivered) {
  v1::TopUp top_up = Ok(TopUp("tu_1", 100'000));
  EXPECT_EQ(top_up.status(), v1::PENDING);
  EXPECT_EQ(Available(WalletAccount("b_1")), 0);
  EXPECT_EQ(Deliver("topup.succeeded", "tu_1", 100'000, "T1", "msg_a").outcome(), v1::APPLIED);
  for (int i = 0; i < 4; ++i) {
    v1::ProviderEvent again = Deliver("topup.succeeded", "tu_1", 100'000, "T1", "msg_a");
    EXPECT_EQ(again.outcome(), v1::DUPLICATE);
    EXPECT_EQ(again.duplicate_of(), "ev_1");
  }
  // The same provider transaction under a new delivery id.
  EXPECT_EQ(Deliver("topup.succeeded", "tu_1", 100'000, "T1", "msg_b").outcome(), v1::DUPLICATE);
  EXPECT_EQ(Available(WalletAccount("b_1")), 100'000);
  EXPECT_EQ(Balances(kMomo), "0/100000/0/0");
  EXPECT_EQ(TopUpOf("tu_1").status(), v1::SUCCEEDED);
  EXPECT_EQ(TopUpOf("tu_1").provider_txn_id(), "T1");
  EXPECT_EQ(OpenExceptions(), 0u);
  auto stored = engine_->Read().GetProviderEvent("ev_1");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->raw_body(), "{\"type\":\"topup.succeeded\"}");
  EXPECT_EQ(stored->outcome(), v1::APPLIED);
  ExpectLedgerSound();
}

TEST_F(RailsTest, TwentyDeliveriesAtOnceApplyOnce) {
  Ok(TopUp("tu_1", 100'000));
  std::vector<std::future<Answer<v1::ProviderEvent>>> answers;
  std::vector<std::shared_ptr<std::promise<Answer<v1::ProviderEvent>>>> promises;
  for (int i = 0; i < 20; ++i) {
    auto promise = std::make_shared<std::promise<Answer<v1::ProviderEvent>>>();
    answers.push_back(promise->get_future());
    engine_->Submit<ReceiveProviderEvent>(
        Event("topup.succeeded", "tu_1", 100'000, "T1", "msg_same"),
        [promise](Answer<v1::ProviderEvent> a) { promise->set_value(std::move(a)); });
    promises.push_back(promise);
  }
  int applied = 0;
  for (auto& answer : answers) {
    v1::ProviderEvent event = Ok(answer.get());
    applied += event.outcome() == v1::APPLIED;
    EXPECT_NE(event.outcome(), v1::EXCEPTION);
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(Available(WalletAccount("b_1")), 100'000);
  ExpectLedgerSound();
}

TEST_F(RailsTest, DeliveriesStayDeduplicatedAcrossARestart) {
  Ok(TopUp("tu_1", 100'000));
  Deliver("topup.succeeded", "tu_1", 100'000, "T1", "msg_a");
  Reopen();
  EXPECT_EQ(Deliver("topup.succeeded", "tu_1", 100'000, "T1", "msg_a").outcome(), v1::DUPLICATE);
  EXPECT_EQ(Deliver("topup.succeeded", "tu_1", 100'000, "T1", "msg_b").outcome(), v1::DUPLICATE);
  EXPECT_EQ(Available(WalletAccount("b_1")), 100'000);
  ExpectLedgerSound();
}

TEST_F(RailsTest, FailedTopUpMovesNothingAndALaterSuccessWaitsForAPerson) {
  Ok(TopUp("tu_1", 100'000));
  EXPECT_EQ(Deliver("topup.failed", "tu_1", 0, "T1").outcome(), v1::APPLIED);
  EXPECT_EQ(TopUpOf("tu_1").status(), v1::FAILED);
  EXPECT_EQ(Available(WalletAccount("b_1")), 0);
  v1::ProviderEvent late = Deliver("topup.succeeded", "tu_1", 100'000, "T2");
  EXPECT_EQ(late.outcome(), v1::EXCEPTION);
  EXPECT_EQ(late.reason(), "SUCCESS_AFTER_FAILURE");
  EXPECT_EQ(Available(WalletAccount("b_1")), 0);
  v1::ProviderException exception = ExceptionOf(late.exception_id());
  EXPECT_EQ(exception.status(), v1::OPEN);
  EXPECT_EQ(exception.amount(), 100'000);
  EXPECT_EQ(exception.provider_txn_id(), "T2");
  EXPECT_EQ(exception.event_id(), late.id());
  // Credited once; the same decision again is a replay, another one is refused.
  v1::ProviderException resolved =
      Ok(Resolve(late.exception_id(), v1::CREDIT_BUYER, "b_1", "khách đã bị trừ tiền"));
  EXPECT_EQ(resolved.status(), v1::RESOLVED);
  EXPECT_EQ(resolved.resolution().transfer_id(), "ex~" + late.exception_id());
  auto again = Resolve(late.exception_id(), v1::CREDIT_BUYER, "b_1", "khách đã bị trừ tiền");
  EXPECT_TRUE(again.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(Resolve(late.exception_id(), v1::DISMISS).status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(Available(WalletAccount("b_1")), 100'000);
  EXPECT_EQ(Balances(kMomo), "0/100000/0/0");
  EXPECT_EQ(OpenExceptions(), 0u);
  ExpectLedgerSound();
}

TEST_F(RailsTest, EveryExceptionCauseIsQueued) {
  Ok(TopUp("tu_1", 100'000));
  Ok(TopUp("tu_2", 100'000));
  EXPECT_EQ(Deliver("topup.succeeded", "tu_nothing", 70'000, "T1").reason(), "UNKNOWN_REFERENCE");
  EXPECT_EQ(Deliver("topup.succeeded", "pi_wrongkind", 70'000, "T2").reason(), "UNKNOWN_REFERENCE");
  EXPECT_EQ(Deliver("topup.succeeded", "tu_1", 99'999, "T3").reason(), "AMOUNT_MISMATCH");
  EXPECT_EQ(TopUpOf("tu_1").status(), v1::PENDING);
  Deliver("topup.succeeded", "tu_2", 100'000, "T4");
  EXPECT_EQ(Deliver("topup.succeeded", "tu_2", 100'000, "T5").reason(), "ALREADY_SUCCEEDED");
  EXPECT_EQ(Deliver("topup.failed", "tu_2", 0, "T6").reason(), "FAILURE_AFTER_SUCCESS");
  ReceiveProviderEvent unreadable = Event("", "", 0, "");
  unreadable.event.set_problem("UNSUPPORTED_TYPE");
  EXPECT_EQ(Ok(engine_->Execute(unreadable)).reason(), "UNSUPPORTED_TYPE");
  EXPECT_EQ(Deliver("invoice.paid", "tu_1", 5, "T7").reason(), "UNSUPPORTED_TYPE");
  EXPECT_EQ(OpenExceptions(), 7u);
  EXPECT_EQ(Available(WalletAccount("b_1")), 100'000);  // tu_2 only
  // A top-up of another provider is unknown to this one.
  AddProvider("zalopay");
  Ok(TopUp("tu_z", 10'000, "b_1", "zalopay"));
  EXPECT_EQ(Deliver("topup.succeeded", "tu_z", 10'000, "T8").reason(), "UNKNOWN_REFERENCE");
  EXPECT_EQ(OpenExceptions(), 8u);
  // The count is rebuilt from the store at start, and follows each resolution.
  Reopen();
  EXPECT_EQ(OpenExceptions(), 8u);
  auto listed = engine_->Read().ListExceptions(v1::OPEN, 0, "");
  ASSERT_TRUE(listed.ok());
  Ok(Resolve(listed->exceptions(0).id(), v1::DISMISS, "", "trùng"));
  EXPECT_EQ(OpenExceptions(), 7u);
  ExpectLedgerSound();
}

TEST_F(RailsTest, UnknownReferenceCreditedToTheBuyerAnOperatorNames) {
  v1::ProviderEvent event = Deliver("topup.succeeded", "tu_lost", 70'000, "T1");
  ASSERT_EQ(event.outcome(), v1::EXCEPTION);
  Ok(AddBuyer("b_2", "0987654321"));
  EXPECT_EQ(Resolve(event.exception_id(), v1::CREDIT_BUYER, "b_nobody").status.code(),
            Code::kNotFound);
  EXPECT_EQ(Resolve(event.exception_id(), v1::EXCEPTION_ACTION_UNSPECIFIED).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Resolve(event.exception_id(), v1::DISMISS, "b_2").status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ExceptionOf(event.exception_id()).status(), v1::OPEN);
  Ok(Resolve(event.exception_id(), v1::CREDIT_BUYER, "b_2", "gọi điện xác nhận"));
  Ok(Resolve(event.exception_id(), v1::CREDIT_BUYER, "b_2", "gọi điện xác nhận"));
  EXPECT_EQ(Available(WalletAccount("b_2")), 70'000);
  EXPECT_EQ(Balances(kMomo), "0/70000/0/0");
  EXPECT_EQ(Resolve("ex_none", v1::DISMISS).status.code(), Code::kNotFound);
  ExpectLedgerSound();
}

TEST_F(RailsTest, OnlyMoneyThatCameInCanBeCredited) {
  v1::ProviderEvent event = Deliver("payout.succeeded", "po_unknown", 50'000, "T1");
  ASSERT_EQ(event.outcome(), v1::EXCEPTION);
  EXPECT_EQ(Resolve(event.exception_id(), v1::CREDIT_BUYER, "b_1").status.code(),
            Code::kFailedPrecondition);
  v1::ProviderException dismissed = Ok(Resolve(event.exception_id(), v1::DISMISS, "", "trùng"));
  EXPECT_EQ(dismissed.resolution().action(), v1::DISMISS);
  EXPECT_EQ(Available(WalletAccount("b_1")), 0);
  EXPECT_EQ(Balances(kMomo), "0/0/0/0");
}

TEST_F(RailsTest, OrderPaidThroughAProviderWorksLikeAWalletPayment) {
  Ok(Place("b_1", "o_1", {{"l_1", 2}}));  // 80,000
  ActOnOrder pay{AsBuyer("b_1"), "o_1", OrderAction::kPay, "", "momo", "pi_1"};
  v1::Order waiting = Ok(engine_->Execute(pay));
  EXPECT_EQ(waiting.status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(waiting.payment().status(), v1::PENDING);
  EXPECT_EQ(waiting.payment().amount(), 80'000);
  // A second provider payment while one is pending is refused.
  ActOnOrder twice{AsBuyer("b_1"), "o_1", OrderAction::kPay, "", "momo", "pi_2"};
  EXPECT_EQ(engine_->Execute(twice).status.code(), Code::kFailedPrecondition);
  // While the provider has it, the order does not expire, not even across a restart.
  AdvanceAndTick(std::chrono::hours(2));
  Reopen();
  AdvanceAndTick(std::chrono::hours(2));
  EXPECT_EQ(OrderOf("o_1").status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(Deliver("payment.succeeded", "pi_1", 80'000, "P1").outcome(), v1::APPLIED);
  v1::Order paid = OrderOf("o_1");
  EXPECT_EQ(paid.status(), v1::PAID);
  EXPECT_EQ(paid.payment().status(), v1::SUCCEEDED);
  EXPECT_EQ(LastEvent(paid), "PAID");
  EXPECT_EQ(paid.timeline().rbegin()->by(), "provider");
  EXPECT_EQ(Available(WalletAccount("b_1")), 0);
  EXPECT_EQ(Balances(EscrowAccount("m_1")), "0/0/80000/0");
  Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip));
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  EXPECT_EQ(Available(AvailableAccount("m_1")), 80'000 - 800);
  EXPECT_EQ(Available(kFeesAccount), 800);
  EXPECT_EQ(Balances(kMomo), "0/80000/0/0");
  ExpectLedgerSound();
}

TEST_F(RailsTest, LatePaymentToACancelledOrderGoesToTheWallet) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  Ok(engine_->Execute(ActOnOrder{AsBuyer("b_1"), "o_1", OrderAction::kPay, "", "momo", "pi_1"}));
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kCancel));
  EXPECT_EQ(Stock("l_1"), 100);
  EXPECT_EQ(Deliver("payment.succeeded", "pi_1", 40'000, "P1").outcome(), v1::APPLIED);
  v1::Order order = OrderOf("o_1");
  EXPECT_EQ(order.status(), v1::CANCELLED);
  EXPECT_EQ(LastEvent(order), "PAYMENT_CREDITED_TO_WALLET");
  EXPECT_TRUE(order.payment().credited_to_wallet());
  EXPECT_EQ(Available(WalletAccount("b_1")), 40'000);
  EXPECT_EQ(Balances(EscrowAccount("m_1")), "0/0/0/0");
  ExpectLedgerSound();
}

TEST_F(RailsTest, FailedProviderPaymentLetsTheOrderExpireOnTime) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  Ok(engine_->Execute(ActOnOrder{AsBuyer("b_1"), "o_1", OrderAction::kPay, "", "momo", "pi_1"}));
  AdvanceAndTick(std::chrono::hours(1));  // past the 30-minute pay_by, held by the provider
  EXPECT_EQ(OrderOf("o_1").status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(Deliver("payment.failed", "pi_1", 0, "P1").outcome(), v1::APPLIED);
  EXPECT_EQ(OrderOf("o_1").payment().status(), v1::FAILED);
  AdvanceAndTick(std::chrono::seconds(1));
  EXPECT_EQ(OrderOf("o_1").status(), v1::EXPIRED);
  EXPECT_EQ(Stock("l_1"), 100);
  // The provider contradicting itself later waits for a person.
  EXPECT_EQ(Deliver("payment.succeeded", "pi_1", 40'000, "P2").reason(), "SUCCESS_AFTER_FAILURE");
  EXPECT_EQ(Available(WalletAccount("b_1")), 0);
  ExpectLedgerSound();
}

TEST_F(RailsTest, PayoutFailureReturnsTheMoneyAndSuccessCompletesIt) {
  std::int64_t earned = EarnSomething();
  ASSERT_EQ(earned, 160'000 - 1'600);
  v1::Payout first = Ok(Payout("po_1", 50'000));
  EXPECT_EQ(first.status(), v1::PENDING);
  EXPECT_EQ(Available(AvailableAccount("m_1")), earned - 50'000);
  // No timer ever voids it.
  AdvanceAndTick(std::chrono::hours(24 * 100));
  EXPECT_EQ(Available(AvailableAccount("m_1")), earned - 50'000);
  EXPECT_EQ(Deliver("payout.failed", "po_1", 50'000, "W1").outcome(), v1::APPLIED);
  EXPECT_EQ(Available(AvailableAccount("m_1")), earned);
  EXPECT_EQ(engine_->Read().GetPayout(AsMerchant("m_1"), "po_1")->status(), v1::FAILED);
  Ok(Payout("po_2", 50'000));
  EXPECT_EQ(Deliver("payout.succeeded", "po_2", 50'000, "W2").outcome(), v1::APPLIED);
  EXPECT_EQ(Available(AvailableAccount("m_1")), earned - 50'000);
  EXPECT_EQ(Balances(kMomo), "0/0/0/50000");
  EXPECT_EQ(Deliver("payout.failed", "po_2", 50'000, "W3").reason(), "FAILURE_AFTER_SUCCESS");
  EXPECT_EQ(Available(AvailableAccount("m_1")), earned - 50'000);
  auto pending = engine_->Read().ListPayouts(AsOperator(), v1::PENDING, 0, "");
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->payouts_size(), 0);
  auto all = engine_->Read().ListPayouts(AsMerchant("m_1"), v1::RAIL_STATUS_UNSPECIFIED, 0, "");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->payouts_size(), 2);
  EXPECT_EQ(all->payouts(0).id(), "po_2");  // newest first
  // The merchant's live stream saw each payout change, in order.
  auto events = engine_->Read().ListMerchantEvents("m_1", 0, 0);
  ASSERT_TRUE(events.ok());
  std::string seen;
  for (const auto& e : events.value()) {
    if (e.name() == "payout.updated") seen += e.payout_id() + ":" + e.status() + " ";
  }
  EXPECT_EQ(seen, "po_1:PENDING po_1:FAILED po_2:PENDING po_2:SUCCEEDED ");
  ExpectLedgerSound();
}

TEST_F(RailsTest, PayoutRefusalsLeaveNothingBehind) {
  std::int64_t earned = EarnSomething();
  std::string before = LedgerPicture();
  EXPECT_EQ(Payout("po_1", earned + 1).status.code(), Code::kInsufficientFunds);
  EXPECT_EQ(Payout("po_2", 0).status.code(), Code::kInvalidArgument);
  RequestPayout no_provider{"m_1", "po_3", FreshKey(), {}};
  no_provider.request.set_provider("nope");
  no_provider.request.set_amount(1);
  no_provider.request.set_destination("0901234567");
  EXPECT_EQ(engine_->Execute(no_provider).status.code(), Code::kNotFound);
  RequestPayout no_key{"m_1", "po_4", "", {}};
  EXPECT_EQ(engine_->Execute(no_key).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(LedgerPicture(), before);
  EXPECT_EQ(engine_->Read().GetPayout(AsOperator(), "po_1").status().code(), Code::kNotFound);
  // A retry under the same key gets the first answer and moves nothing again.
  v1::Payout first = Ok(Payout("po_5", 10'000, "same"));
  auto retry = Payout("po_6", 10'000, "same");
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.value.id(), first.id());
  EXPECT_EQ(Available(AvailableAccount("m_1")), earned - 10'000);
}

TEST_F(RailsTest, TopUpsBelongToTheirBuyer) {
  Ok(AddBuyer("b_2", "0987654321"));
  Ok(TopUp("tu_1", 10'000));
  Ok(TopUp("tu_2", 20'000));
  EXPECT_EQ(engine_->Read().GetTopUp("b_2", "tu_1").status().code(), Code::kNotFound);
  auto mine = engine_->Read().ListTopUps("b_1", 1, "");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->top_ups_size(), 1);
  EXPECT_EQ(mine->top_ups(0).id(), "tu_2");
  auto rest = engine_->Read().ListTopUps("b_1", 1, mine->next_page_token());
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  ASSERT_EQ(rest->top_ups_size(), 1);
  EXPECT_EQ(rest->top_ups(0).id(), "tu_1");
  EXPECT_TRUE(rest->next_page_token().empty());
  EXPECT_EQ(engine_->Read().ListTopUps("b_2", 0, "")->top_ups_size(), 0);
  EXPECT_EQ(TopUp("tu_3", 0).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(TopUp("tu_4", 10, "b_1", "nope").status.code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().ListTopUps("b_1", 0, mine->next_page_token() + "x").status().code(),
            Code::kInvalidArgument);
}

}  // namespace rails_test
}  // namespace market4::engine
