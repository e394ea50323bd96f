// The market stall on the engine: payment codes on orders, bank credits matched by the code in
// their memo, stall payment requests (one-time, reusable, open amount, expiry), stall payments
// and refunds, with exact balances and the ledger's invariants after each.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "engine/payment_code.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace stall_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class StallTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    CreateProvider bank;
    bank.request.set_id("vcb");
    bank.request.set_name("Vietcombank");
    bank.request.set_scheme(v1::BANK_TRANSFER);
    bank.request.add_secrets(kSecret);
    bank.request.set_bank_bin("970436");
    bank.request.set_account_number("0011001234567");
    bank.request.set_account_name("HTX CHO VI THANH");
    Ok(engine_->Execute(bank));
    Ok(AddMerchant("m_1"));
    Ok(AddBuyer("b_1", "0912345678", "Nguyễn Văn A"));
    Ok(AddListing("m_1", "l_1", 62'000, 10, "Cá rô"));
  }

  v1::ProviderEvent Credit(const std::string& memo, std::int64_t amount, const std::string& txn) {
    ReceiveProviderEvent command;
    ++events_;
    command.event.set_id("ev_" + std::to_string(events_));
    command.exception_id = "ex_" + std::to_string(events_);
    command.event.set_provider("vcb");
    command.event.set_delivery_id("msg_" + std::to_string(events_));
    command.event.set_type("bank.credit");
    command.event.set_amount(amount);
    command.event.set_provider_txn_id(txn);
    command.event.set_memo(memo);
    return Ok(engine_->Execute(command));
  }

  Answer<v1::PaymentRequest> Request(std::int64_t amount, std::int64_t life_seconds = 0) {
    CreatePaymentRequest command{"m_1", "pr_" + std::to_string(++requests_), {}};
    command.request.set_amount(amount);
    command.request.set_note("2 bó rau muống");
    command.request.set_expires_in_seconds(life_seconds);
    return engine_->Execute(command);
  }

  Answer<v1::StallPayment> Pay(const std::string& code, std::int64_t amount = 0,
                               const std::string& buyer = "b_1") {
    PayPaymentRequest command{buyer, code, "sp_" + std::to_string(++payments_), FreshKey(), {}};
    command.request.set_amount(amount);
    return engine_->Execute(command);
  }

  Answer<v1::StallPayment> RefundStall(const std::string& id, std::int64_t amount) {
    RefundStallPayment command{"m_1", id, FreshKey(), {}};
    command.request.set_amount(amount);
    return engine_->Execute(command);
  }

  void ExpectLedgerSound() {
    EXPECT_TRUE(engine_->Execute(VerifyInvariants{}).ok());
    EXPECT_TRUE(engine_->Read().AuditHistory().ok());
  }

  // "M4ABCDEFGH" as a buyer's bank might write it: lower case, split, inside other words.
  static std::string Mangled(const std::string& code) {
    std::string lower;
    for (char c : code) lower.push_back(static_cast<char>(std::tolower(c)));
    return "NGUYEN VAN A CHUYEN KHOAN " + lower.substr(0, 2) + " " + lower.substr(2, 4) + " " +
           lower.substr(6);
  }

  int events_ = 0, requests_ = 0, payments_ = 0;
};

TEST_F(StallTest, EveryOrderGetsItsOwnValidPaymentCode) {
  Ok(Deposit("b_1", 1'000'000));
  std::set<std::string> codes;
  for (int i = 0; i < 5; ++i) {
    v1::Order order = Ok(Place("b_1", "o_" + std::to_string(i), {{"l_1", 1}}));
    EXPECT_TRUE(IsPaymentCode(order.payment_code())) << order.payment_code();
    codes.insert(order.payment_code());
    EXPECT_EQ(OrderOf(order.id()).payment_code(), order.payment_code());
  }
  EXPECT_EQ(codes.size(), 5u);
}

TEST_F(StallTest, BankCreditWithAMangledCodePaysTheOrder) {
  v1::Order order = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  v1::ProviderEvent credited = Credit(Mangled(order.payment_code()), 62'000, "FT001");
  EXPECT_EQ(credited.outcome(), v1::APPLIED);
  EXPECT_EQ(credited.reference(), "o_1");
  EXPECT_EQ(OrderOf("o_1").status(), v1::PAID);
  EXPECT_EQ(Balances(EscrowAccount("m_1")), "0/0/62000/0");
  EXPECT_EQ(Balances(ProviderAccount("vcb")), "0/62000/0/0");
  // The same bank transaction again moves nothing.
  EXPECT_EQ(Credit(Mangled(order.payment_code()), 62'000, "FT001").outcome(), v1::DUPLICATE);
  EXPECT_EQ(Balances(ProviderAccount("vcb")), "0/62000/0/0");
  ExpectLedgerSound();
}

TEST_F(StallTest, DiacriticsAroundTheCodeDoNotMatter) {
  v1::Order order = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  std::string code = order.payment_code();
  std::string memo = "Nguyễn Văn Á chuyển khoản " + code.substr(0, 6) + " " + code.substr(6) +
                     " tiền cá rô, cảm ơn";
  EXPECT_EQ(Credit(memo, 62'000, "FT001").outcome(), v1::APPLIED);
  EXPECT_EQ(OrderOf("o_1").status(), v1::PAID);
}

TEST_F(StallTest, WrongAmountOrNoCodeWaitsForAPersonAndTheOrderStaysUnpaid) {
  v1::Order order = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  v1::ProviderEvent short_paid = Credit(Mangled(order.payment_code()), 61'000, "FT001");
  EXPECT_EQ(short_paid.reason(), "AMOUNT_MISMATCH");
  std::string cut = Mangled(order.payment_code());
  cut.pop_back();  // the code cut short
  EXPECT_EQ(Credit(cut, 62'000, "FT002").reason(), "NO_PAYMENT_CODE");
  EXPECT_EQ(Credit("chuyen tien", 62'000, "FT003").reason(), "NO_PAYMENT_CODE");
  // A well-formed code that no order holds.
  EXPECT_EQ(Credit("CK " + PaymentCodeFrom("nobody's order"), 62'000, "FT004").reason(),
            "UNKNOWN_PAYMENT_CODE");
  EXPECT_EQ(OrderOf("o_1").status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(Balances(ProviderAccount("vcb")), "0/0/0/0");
  // An operator credits the short payment to the buyer.
  ResolveException resolve{short_paid.exception_id(), {}};
  resolve.request.set_action(v1::CREDIT_BUYER);
  resolve.request.set_buyer_id("b_1");
  Ok(engine_->Execute(resolve));
  EXPECT_EQ(Available(WalletAccount("b_1")), 61'000);
  ExpectLedgerSound();
}

TEST_F(StallTest, CreditForAnOrderThatCanNoLongerTakeItGoesToTheWallet) {
  v1::Order order = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kCancel));
  EXPECT_EQ(Credit(Mangled(order.payment_code()), 62'000, "FT001").outcome(), v1::APPLIED);
  EXPECT_EQ(Available(WalletAccount("b_1")), 62'000);
  EXPECT_EQ(LastEvent(OrderOf("o_1")), "PAYMENT_CREDITED_TO_WALLET");
  ExpectLedgerSound();
}

TEST_F(StallTest, OneTimeRequestIsPaidOnceIntoAvailableLessTheCommission) {
  Ok(Deposit("b_1", 100'000));
  v1::PaymentRequest request = Ok(Request(25'000));
  EXPECT_EQ(request.status(), "OPEN");
  EXPECT_TRUE(IsPaymentCode(request.code()));
  v1::StallPayment paid = Ok(Pay(request.code()));
  EXPECT_EQ(paid.amount(), 25'000);
  EXPECT_EQ(paid.commission(), 250);
  EXPECT_EQ(paid.buyer_name(), "Nguyễn Văn A");
  EXPECT_EQ(Available(AvailableAccount("m_1")), 24'750);
  EXPECT_EQ(Available(kFeesAccount), 250);
  EXPECT_EQ(Available(WalletAccount("b_1")), 75'000);
  EXPECT_EQ(Pay(request.code()).status.code(), Code::kAlreadyPaid);
  EXPECT_EQ(engine_->Read().GetPaymentRequest(request.code(), clock_.NowNanos())->status(), "PAID");
  EXPECT_EQ(Available(WalletAccount("b_1")), 75'000);
  ExpectLedgerSound();
}

TEST_F(StallTest, TwentyConcurrentPaysOfOneRequestExactlyOneSucceeds) {
  Ok(Deposit("b_1", 1'000'000));
  v1::PaymentRequest request = Ok(Request(25'000));
  std::vector<std::future<Answer<v1::StallPayment>>> answers;
  for (int i = 0; i < 20; ++i) {
    auto promise = std::make_shared<std::promise<Answer<v1::StallPayment>>>();
    answers.push_back(promise->get_future());
    PayPaymentRequest command{
        "b_1", request.code(), "sp_c" + std::to_string(i), "scan-" + std::to_string(i), {}};
    engine_->Submit<PayPaymentRequest>(std::move(command), [promise](Answer<v1::StallPayment> a) {
      promise->set_value(std::move(a));
    });
  }
  int paid = 0, already = 0;
  for (auto& answer : answers) {
    Answer<v1::StallPayment> a = answer.get();
    paid += a.ok();
    already += a.status.code() == Code::kAlreadyPaid;
  }
  EXPECT_EQ(paid, 1);
  EXPECT_EQ(already, 19);
  EXPECT_EQ(Available(WalletAccount("b_1")), 975'000);
  EXPECT_EQ(Available(AvailableAccount("m_1")), 24'750);
  ExpectLedgerSound();
}

TEST_F(StallTest, ExpiredRequestIsRefusedAndChangesNothing) {
  Ok(Deposit("b_1", 100'000));
  v1::PaymentRequest request = Ok(Request(25'000, 60));
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(Pay(request.code()).status.code(), Code::kExpired);
  EXPECT_EQ(engine_->Read().GetPaymentRequest(request.code(), clock_.NowNanos())->status(),
            "EXPIRED");
  EXPECT_EQ(Available(WalletAccount("b_1")), 100'000);
  EXPECT_EQ(Request(25'000, -1).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Request(25'000, 24 * 3600 + 1).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Request(-5).status.code(), Code::kInvalidArgument);
}

TEST_F(StallTest, ReusableOpenAmountQrTakesWhatTheBuyerTypesAndRefundsInParts) {
  Ok(Deposit("b_1", 100'000));
  std::string code = engine_->Read().GetMerchant("m_1")->stall_code();
  ASSERT_TRUE(IsPaymentCode(code));
  EXPECT_EQ(Pay(code, 0).status.code(), Code::kInvalidArgument);  // the amount must be typed
  v1::StallPayment first = Ok(Pay(code, 12'000));
  v1::StallPayment second = Ok(Pay(code, 30'000));
  EXPECT_EQ(Available(WalletAccount("b_1")), 58'000);
  EXPECT_EQ(Available(AvailableAccount("m_1")), 12'000 - 120 + 30'000 - 300);
  EXPECT_EQ(Ok(RefundStall(first.id(), 5'000)).refunded(), 5'000);
  EXPECT_EQ(RefundStall(first.id(), 7'001).status.code(), Code::kRefundExceedsPaid);
  EXPECT_EQ(Ok(RefundStall(first.id(), 7'000)).refunded(), 12'000);
  EXPECT_EQ(Available(WalletAccount("b_1")), 70'000);
  RefundStallPayment other{"m_2", second.id(), FreshKey(), {}};
  other.request.set_amount(1);
  EXPECT_EQ(engine_->Execute(other).status.code(), Code::kNotFound);
  auto listed = engine_->Read().ListStallPayments("m_1", 0, "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->payments_size(), 2);
  EXPECT_EQ(listed->payments(0).id(), second.id());
  // The fixed-amount rule: a request for 25,000 does not take 20,000.
  v1::PaymentRequest fixed = Ok(Request(25'000));
  EXPECT_EQ(Pay(fixed.code(), 20'000).status.code(), Code::kInvalidArgument);
  ExpectLedgerSound();
}

TEST_F(StallTest, StallPaymentsReachTheMerchantsLiveStream) {
  Ok(Deposit("b_1", 100'000));
  v1::PaymentRequest request = Ok(Request(25'000));
  Ok(Pay(request.code()));
  auto events = engine_->Read().ListMerchantEvents("m_1", 0, 0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->at(0).kind(), "stall");
  EXPECT_EQ(events->at(0).request_code(), request.code());
  EXPECT_EQ(events->at(0).amount(), 25'000);
  EXPECT_EQ(events->at(0).buyer_name(), "Nguyễn Văn A");
}

}  // namespace stall_test
}  // namespace market4::engine
