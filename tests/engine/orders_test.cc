// The order state machine (engine/orders.cc): placing reserves stock and copies prices,
// paying holds the buyer's money in escrow, shipping starts the auto-confirm clock,
// confirming pays the merchant and the platform, cancelling gives everything back. Each
// action belongs to one party, and an Idempotency-Key makes an action safe to retry.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/limits.h"
#include "storage/store.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace orders_test {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;

class OrdersTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    for (const char* id : {"m_1", "m_2"}) ASSERT_TRUE(AddMerchant(id).ok());
    for (const char* id : {"b_1", "b_2"}) ASSERT_TRUE(AddBuyer(id).ok());
    ASSERT_TRUE(Deposit("b_1", 100'000).ok());
    ASSERT_TRUE(Deposit("b_2", 10'000).ok());
    ASSERT_TRUE(AddListing("m_1", "l_1", 20'000, 10, "Cá lóc", "ca").ok());
    ASSERT_TRUE(AddListing("m_1", "l_2", 5'000, 3, "Rau muống", "rau").ok());
    ASSERT_TRUE(AddListing("m_2", "l_3", 8'000, 5, "Thịt heo", "thit").ok());
  }

  // The order's payment, a pending transfer from the wallet to the merchant's escrow.
  v1::Transfer Payment(const std::string& order_id) {
    auto transfer = engine_->Read().GetTransfer("o~" + order_id + "~pay");
    EXPECT_TRUE(transfer.ok()) << transfer.status().ToString();
    return transfer.ok() ? transfer.value() : v1::Transfer();
  }

  // The order was refused an action and is as it was.
  void ExpectUnchanged(const v1::Order& before) {
    EXPECT_EQ(OrderOf(before.id()).DebugString(), before.DebugString());
  }

  std::vector<std::string> OrderIds(const Caller& caller) {
    auto orders = engine_->Read().ListOrders(caller, v1::ORDER_STATUS_UNSPECIFIED, 0, "");
    EXPECT_TRUE(orders.ok()) << orders.status().ToString();
    std::vector<std::string> ids;
    if (orders.ok()) {
      for (const auto& order : orders->orders()) ids.push_back(order.id());
    }
    return ids;
  }
};

TEST_F(OrdersTest, PlaceReservesStockAndCopiesPrices) {
  v1::Order order = Ok(Place("b_1", "o_1", {{"l_1", 2}, {"l_2", 1}}));
  EXPECT_EQ(order.id(), "o_1");
  EXPECT_EQ(order.buyer_id(), "b_1");
  EXPECT_EQ(order.merchant_id(), "m_1");
  EXPECT_EQ(order.status(), v1::PENDING_PAYMENT);
  ASSERT_EQ(order.items_size(), 2);
  EXPECT_EQ(order.items(0).listing_id(), "l_1");
  EXPECT_EQ(order.items(0).title(), "Cá lóc");
  EXPECT_EQ(order.items(0).unit(), "bó");
  EXPECT_EQ(order.items(0).unit_price(), 20'000);
  EXPECT_EQ(order.items(0).quantity(), 2);
  EXPECT_EQ(order.items(0).line_total(), 40'000);
  EXPECT_EQ(order.items(1).line_total(), 5'000);
  EXPECT_EQ(order.total(), 45'000);
  EXPECT_EQ(order.commission_bps(), kDefaultCommissionBps);
  EXPECT_EQ(order.commission(), 450);
  EXPECT_EQ(order.refunded(), 0);
  EXPECT_EQ(NanosOf(order.created_at()), clock_.NowNanos());
  EXPECT_EQ(NanosOf(order.pay_by()) - clock_.NowNanos(), nanoseconds(kPayTimeoutDefault).count());
  EXPECT_FALSE(order.has_auto_confirm_at());
  EXPECT_EQ(Timeline(order), "CREATED buyer 0");
  EXPECT_EQ(OrderOf("o_1").DebugString(), order.DebugString());

  EXPECT_EQ(Stock("l_1"), 8);
  EXPECT_EQ(Stock("l_2"), 2);
  EXPECT_EQ(Stock("l_3"), 5);
  EXPECT_EQ(Available("b_1.wallet"), 100'000);  // no money moves before payment
  EXPECT_EQ(Balances("m_1.escrow"), "0/0/0/0");

  // Later price changes do not touch the order.
  v1::UpdateListingRequest price;
  price.set_price(25'000);
  ASSERT_TRUE(engine_->Execute(UpdateListing{"m_1", "l_1", price}).ok());
  EXPECT_EQ(OrderOf("o_1").DebugString(), order.DebugString());

  EXPECT_EQ(OrderIds(AsBuyer("b_1")), std::vector<std::string>{"o_1"});
  EXPECT_EQ(OrderIds(AsMerchant("m_1")), std::vector<std::string>{"o_1"});
  EXPECT_TRUE(OrderIds(AsBuyer("b_2")).empty());
  EXPECT_TRUE(OrderIds(AsMerchant("m_2")).empty());
  EXPECT_EQ(engine_->Read().GetOrder(AsBuyer("b_2"), "o_1").status().code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetOrder(AsMerchant("m_2"), "o_1").status().code(), Code::kNotFound);
}

TEST_F(OrdersTest, PayHoldsTheWalletMoneyInEscrow) {
  Ok(Place("b_1", "o_1", {{"l_1", 2}}));
  clock_.Advance(minutes(1));
  v1::Order paid = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  EXPECT_EQ(paid.status(), v1::PAID);
  EXPECT_EQ(Timeline(paid), "CREATED buyer 0, PAID buyer 40000");
  EXPECT_EQ(LastEventAt(paid), clock_.NowNanos());
  EXPECT_EQ(OrderOf("o_1").DebugString(), paid.DebugString());

  EXPECT_EQ(Balances("b_1.wallet"), "40000/0/0/100000");
  EXPECT_EQ(Balances("m_1.escrow"), "0/0/40000/0");
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/0");
  v1::Transfer payment = Payment("o_1");
  EXPECT_EQ(payment.debit_account_id(), "b_1.wallet");
  EXPECT_EQ(payment.credit_account_id(), "m_1.escrow");
  EXPECT_EQ(payment.amount(), 40'000);
  EXPECT_EQ(payment.code(), kCodeOrderPayment);
  EXPECT_EQ(payment.status(), v1::TRANSFER_STATUS_PENDING);

  auto wallet = engine_->Read().GetWallet("b_1");
  ASSERT_TRUE(wallet.ok());
  EXPECT_EQ(wallet->balance(), 60'000);
  EXPECT_EQ(wallet->held(), 40'000);
  auto balance = engine_->Read().GetMerchantBalance("m_1");
  ASSERT_TRUE(balance.ok());
  EXPECT_EQ(balance->escrow(), 40'000);
  EXPECT_EQ(balance->available(), 0);
}

TEST_F(OrdersTest, ShipSetsAutoConfirmAt) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  clock_.Advance(hours(5));
  v1::Order shipped = Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip));
  EXPECT_EQ(shipped.status(), v1::SHIPPED);
  EXPECT_EQ(NanosOf(shipped.auto_confirm_at()),
            clock_.NowNanos() + nanoseconds(kAutoConfirmDefault).count());
  EXPECT_EQ(Timeline(shipped), "CREATED buyer 0, PAID buyer 20000, SHIPPED merchant 0");
  // Shipping moves no money.
  EXPECT_EQ(Balances("b_1.wallet"), "20000/0/0/100000");
  EXPECT_EQ(Balances("m_1.escrow"), "0/0/20000/0");
}

TEST_F(OrdersTest, ConfirmPaysTheMerchantTotalLessCommission) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 2}, {"l_2", 1}});
  clock_.Advance(hours(30));
  v1::Order done = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  EXPECT_EQ(done.status(), v1::COMPLETED);
  EXPECT_EQ(Timeline(done),
            "CREATED buyer 0, PAID buyer 45000, SHIPPED merchant 0, COMPLETED buyer 45000");
  EXPECT_EQ(OrderOf("o_1").DebugString(), done.DebugString());

  EXPECT_EQ(Balances("b_1.wallet"), "0/45000/0/100000");
  EXPECT_EQ(Balances("m_1.escrow"), "0/45000/0/45000");
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/44550");
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/450");
  EXPECT_EQ(Payment("o_1").status(), v1::TRANSFER_STATUS_POSTED);
  EXPECT_EQ(Payment("o_1").posted_amount(), 45'000);
  auto settle = engine_->Read().GetTransfer("o~o_1~settle");
  ASSERT_TRUE(settle.ok());
  EXPECT_EQ(settle->debit_account_id(), "m_1.escrow");
  EXPECT_EQ(settle->credit_account_id(), "m_1.available");
  EXPECT_EQ(settle->amount(), 44'550);
  EXPECT_EQ(settle->code(), kCodeOrderSettlement);
  auto fee = engine_->Read().GetTransfer("o~o_1~fee");
  ASSERT_TRUE(fee.ok());
  EXPECT_EQ(fee->debit_account_id(), "m_1.escrow");
  EXPECT_EQ(fee->credit_account_id(), kFeesAccount);
  EXPECT_EQ(fee->amount(), 450);
  EXPECT_EQ(fee->code(), kCodeCommission);

  auto balance = engine_->Read().GetMerchantBalance("m_1");
  ASSERT_TRUE(balance.ok());
  EXPECT_EQ(balance->available(), 44'550);
  EXPECT_EQ(balance->escrow(), 0);
  // Sold units stay sold.
  EXPECT_EQ(Stock("l_1"), 8);
  EXPECT_EQ(Stock("l_2"), 2);
}

TEST_F(OrdersTest, CancelAfterPayVoidsThePaymentAndReleasesStock) {
  struct Case {
    Caller by;
    const char* name;
  };
  int n = 0;
  for (const Case& c : {Case{AsBuyer("b_1"), "buyer"}, Case{AsMerchant("m_1"), "merchant"},
                        Case{AsOperator(), "operator"}}) {
    SCOPED_TRACE(c.name);
    std::string id = "o_" + std::to_string(++n);
    Ok(Place("b_1", id, {{"l_1", 3}}));
    Ok(Act(AsBuyer("b_1"), id, OrderAction::kPay));
    EXPECT_EQ(Stock("l_1"), 7);
    v1::Order cancelled = Ok(Act(c.by, id, OrderAction::kCancel));
    EXPECT_EQ(cancelled.status(), v1::CANCELLED);
    EXPECT_EQ(Timeline(cancelled),
              "CREATED buyer 0, PAID buyer 60000, CANCELLED " + std::string(c.name) + " 60000");
    EXPECT_EQ(Payment(id).status(), v1::TRANSFER_STATUS_VOIDED);
    EXPECT_EQ(Stock("l_1"), 10);
    EXPECT_EQ(Available("b_1.wallet"), 100'000);
    EXPECT_EQ(Balances("m_1.escrow"), "0/0/0/0");
  }
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/0");
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/0");
}

TEST_F(OrdersTest, CancelBeforePayReleasesStockAndMovesNoMoney) {
  const std::string before = LedgerPicture();
  Ok(Place("b_1", "o_1", {{"l_1", 4}, {"l_2", 3}}));
  EXPECT_EQ(Stock("l_2"), 0);
  v1::Order cancelled = Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kCancel));
  EXPECT_EQ(cancelled.status(), v1::CANCELLED);
  EXPECT_EQ(Timeline(cancelled), "CREATED buyer 0, CANCELLED merchant 0");
  EXPECT_EQ(Stock("l_1"), 10);
  EXPECT_EQ(Stock("l_2"), 3);
  EXPECT_EQ(LedgerPicture(), before);
  // Its pay deadline went with it: nothing happens when it comes.
  AdvanceAndTick(hours(1));
  EXPECT_EQ(OrderOf("o_1").DebugString(), cancelled.DebugString());
  EXPECT_EQ(Stock("l_1"), 10);
}

TEST_F(OrdersTest, CancelAfterShipIsRefused) {
  v1::Order shipped = ShippedOrder("b_1", "o_1", {{"l_1", 1}});
  const std::string ledger = LedgerPicture();
  for (const Caller& by : {AsBuyer("b_1"), AsMerchant("m_1"), AsOperator()}) {
    auto refused = Act(by, "o_1", OrderAction::kCancel);
    EXPECT_EQ(refused.status.code(), Code::kFailedPrecondition) << refused.status.ToString();
    EXPECT_EQ(DetailOf(refused.status, "status"), "SHIPPED");
  }
  ExpectUnchanged(shipped);
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(Stock("l_1"), 9);

  v1::Order done = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  auto after_completion = Act(AsBuyer("b_1"), "o_1", OrderAction::kCancel);
  EXPECT_EQ(after_completion.status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(DetailOf(after_completion.status, "status"), "COMPLETED");
  ExpectUnchanged(done);
}

TEST_F(OrdersTest, ActionsOutOfOrderAreRefused) {
  v1::Order placed = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  EXPECT_EQ(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip).status.code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm).status.code(),
            Code::kFailedPrecondition);
  ExpectUnchanged(placed);
  v1::Order paid = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  auto twice = Act(AsBuyer("b_1"), "o_1", OrderAction::kPay);
  EXPECT_EQ(twice.status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(DetailOf(twice.status, "status"), "PAID");
  EXPECT_EQ(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm).status.code(),
            Code::kFailedPrecondition);
  ExpectUnchanged(paid);
  EXPECT_EQ(Balances("b_1.wallet"), "20000/0/0/100000");
  Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip));
  v1::Order done = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  for (OrderAction action : {OrderAction::kPay, OrderAction::kConfirm}) {
    EXPECT_EQ(Act(AsBuyer("b_1"), "o_1", action).status.code(), Code::kFailedPrecondition);
  }
  EXPECT_EQ(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip).status.code(),
            Code::kFailedPrecondition);
  ExpectUnchanged(done);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/19800");
}

TEST_F(OrdersTest, PayWithInsufficientFundsLeavesTheOrderAwaitingPayment) {
  v1::Order placed = Ok(Place("b_2", "o_1", {{"l_1", 1}}));  // 20,000 > 10,000
  const std::string ledger = LedgerPicture();
  auto refused = Act(AsBuyer("b_2"), "o_1", OrderAction::kPay);
  EXPECT_EQ(refused.status.code(), Code::kInsufficientFunds);
  EXPECT_EQ(DetailOf(refused.status, "account_id"), "b_2.wallet");
  ExpectUnchanged(placed);
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(engine_->Read().GetTransfer("o~o_1~pay").status().code(), Code::kNotFound);

  // A refused action did not spend its key: once the wallet holds enough, the same order
  // can be paid under it.
  EXPECT_EQ(Act(AsBuyer("b_2"), "o_1", OrderAction::kPay, "pay-1").status.code(),
            Code::kInsufficientFunds);
  Ok(Deposit("b_2", 10'000));
  auto paid = Act(AsBuyer("b_2"), "o_1", OrderAction::kPay, "pay-1");
  ASSERT_TRUE(paid.ok()) << paid.status.ToString();
  EXPECT_FALSE(paid.replayed);
  EXPECT_EQ(paid.value.status(), v1::PAID);
  EXPECT_EQ(Balances("b_2.wallet"), "20000/0/0/20000");
}

TEST_F(OrdersTest, EachActionByTheWrongPartyIsNotFound) {
  const Caller nobody{Role::kNobody, ""};
  auto expect_not_found = [&](const Caller& by, OrderAction action) {
    auto refused = Act(by, "o_1", action);
    EXPECT_EQ(refused.status.code(), Code::kNotFound)
        << RoleName(by.role) << " " << by.id << " " << ActionName(action) << ": "
        << refused.status.ToString();
    EXPECT_EQ(DetailOf(refused.status, "order_id"), "o_1");
  };
  v1::Order placed = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  for (const Caller& by :
       {AsMerchant("m_1"), AsBuyer("b_2"), AsOperator(), nobody, AsMerchant("b_1")}) {
    expect_not_found(by, OrderAction::kPay);
  }
  for (const Caller& by : {AsBuyer("b_2"), AsMerchant("m_2"), nobody, AsBuyer("m_1")}) {
    expect_not_found(by, OrderAction::kCancel);
  }
  ExpectUnchanged(placed);

  v1::Order paid = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  for (const Caller& by : {AsBuyer("b_1"), AsMerchant("m_2"), AsOperator(), nobody}) {
    expect_not_found(by, OrderAction::kShip);
  }
  ExpectUnchanged(paid);

  v1::Order shipped = Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip));
  for (const Caller& by : {AsMerchant("m_1"), AsBuyer("b_2"), AsOperator(), nobody}) {
    expect_not_found(by, OrderAction::kConfirm);
  }
  ExpectUnchanged(shipped);
  EXPECT_EQ(Balances("m_1.escrow"), "0/0/20000/0");

  auto unknown = Act(AsBuyer("b_1"), "o_9", OrderAction::kPay);
  EXPECT_EQ(unknown.status.code(), Code::kNotFound);
  EXPECT_EQ(Act(AsOperator(), "", OrderAction::kCancel).status.code(), Code::kNotFound);
  EXPECT_EQ(Act(AsOperator(), "not an id!", OrderAction::kCancel).status.code(), Code::kNotFound);
}

TEST_F(OrdersTest, SameKeyAndActionReplaysTheFirstAnswer) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  auto paid = Act(AsBuyer("b_1"), "o_1", OrderAction::kPay, "pay-1");
  ASSERT_TRUE(paid.ok());
  EXPECT_FALSE(paid.replayed);
  auto again = Act(AsBuyer("b_1"), "o_1", OrderAction::kPay, "pay-1");
  ASSERT_TRUE(again.ok()) << again.status.ToString();
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.value.DebugString(), paid.value.DebugString());
  EXPECT_EQ(Balances("b_1.wallet"), "20000/0/0/100000");  // held once
  // Without the key a second pay is what it is: the order is already paid.
  EXPECT_EQ(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay).status.code(), Code::kFailedPrecondition);

  auto shipped = Act(AsMerchant("m_1"), "o_1", OrderAction::kShip, "ship-1");
  ASSERT_TRUE(shipped.ok());
  // The replay is the first answer, even though the order has moved on since.
  auto pay_replay = Act(AsBuyer("b_1"), "o_1", OrderAction::kPay, "pay-1");
  ASSERT_TRUE(pay_replay.ok());
  EXPECT_TRUE(pay_replay.replayed);
  EXPECT_EQ(pay_replay.value.status(), v1::PAID);
  auto ship_replay = Act(AsMerchant("m_1"), "o_1", OrderAction::kShip, "ship-1");
  ASSERT_TRUE(ship_replay.ok());
  EXPECT_TRUE(ship_replay.replayed);
  EXPECT_EQ(ship_replay.value.DebugString(), shipped.value.DebugString());
  EXPECT_EQ(OrderOf("o_1").status(), v1::SHIPPED);
}

TEST_F(OrdersTest, SameKeyOnPayThenCancelIsAConflict) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  v1::Order paid = Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay, "k"));
  const std::string ledger = LedgerPicture();
  auto conflict = Act(AsBuyer("b_1"), "o_1", OrderAction::kCancel, "k");
  EXPECT_EQ(conflict.status.code(), Code::kIdempotencyConflict) << conflict.status.ToString();
  EXPECT_EQ(DetailOf(conflict.status, "field"), "Idempotency-Key");
  ExpectUnchanged(paid);
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(Stock("l_1"), 9);
  // The same action on another order is another request too.
  v1::Order other = Ok(Place("b_1", "o_2", {{"l_2", 1}}));
  EXPECT_EQ(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay, "k").status.code(),
            Code::kIdempotencyConflict);
  ExpectUnchanged(other);
  // A fresh key cancels.
  EXPECT_EQ(Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kCancel, "k2")).status(), v1::CANCELLED);
}

TEST_F(OrdersTest, AKeyBelongsToItsCaller) {
  Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  Ok(Place("b_2", "o_2", {{"l_2", 1}}));
  EXPECT_FALSE(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay, "k").replayed);
  auto other_buyer = Act(AsBuyer("b_2"), "o_2", OrderAction::kPay, "k");
  ASSERT_TRUE(other_buyer.ok()) << other_buyer.status.ToString();
  EXPECT_FALSE(other_buyer.replayed);
  EXPECT_EQ(other_buyer.value.id(), "o_2");
  auto merchant = Act(AsMerchant("m_1"), "o_1", OrderAction::kShip, "k");
  ASSERT_TRUE(merchant.ok()) << merchant.status.ToString();
  EXPECT_FALSE(merchant.replayed);
  EXPECT_EQ(merchant.value.status(), v1::SHIPPED);
}

TEST_F(OrdersTest, PlaceOrderUnderTheSameKeyPlacesItOnce) {
  auto missing = engine_->Execute(MakeOrder("b_1", "o_0", {{"l_1", 1}}, ""));
  EXPECT_EQ(missing.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(missing.status, "field"), "Idempotency-Key");
  EXPECT_EQ(Stock("l_1"), 10);

  auto first = engine_->Execute(MakeOrder("b_1", "o_1", {{"l_1", 2}}, "place-1"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.replayed);
  // A retry comes with a new server-made id; it gets the first order.
  auto retry = engine_->Execute(MakeOrder("b_1", "o_2", {{"l_1", 2}}, "place-1"));
  ASSERT_TRUE(retry.ok()) << retry.status.ToString();
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.value.DebugString(), first.value.DebugString());
  EXPECT_EQ(Stock("l_1"), 8);
  EXPECT_EQ(engine_->Read().GetOrder(AsOperator(), "o_2").status().code(), Code::kNotFound);

  auto other_body = engine_->Execute(MakeOrder("b_1", "o_3", {{"l_1", 3}}, "place-1"));
  EXPECT_EQ(other_body.status.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(Stock("l_1"), 8);
  auto other_buyer = engine_->Execute(MakeOrder("b_2", "o_4", {{"l_1", 1}}, "place-1"));
  ASSERT_TRUE(other_buyer.ok()) << other_buyer.status.ToString();
  EXPECT_FALSE(other_buyer.replayed);
  EXPECT_EQ(other_buyer.value.id(), "o_4");
  EXPECT_EQ(Stock("l_1"), 7);
  EXPECT_EQ(OrderIds(AsOperator()), (std::vector<std::string>{"o_4", "o_1"}));
}

TEST_F(OrdersTest, ItemsFromTwoMerchantsAreRefused) {
  auto refused = Place("b_1", "o_1", {{"l_1", 1}, {"l_3", 1}});
  EXPECT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(refused.status, "field"), "items");
  EXPECT_EQ(Stock("l_1"), 10);
  EXPECT_EQ(Stock("l_3"), 5);
  EXPECT_EQ(engine_->Read().GetOrder(AsOperator(), "o_1").status().code(), Code::kNotFound);
  EXPECT_TRUE(OrderIds(AsOperator()).empty());
}

TEST_F(OrdersTest, MoreThanTheStockIsOutOfStock) {
  auto refused = Place("b_1", "o_1", {{"l_1", 1}, {"l_2", 4}});
  EXPECT_EQ(refused.status.code(), Code::kOutOfStock);
  EXPECT_EQ(DetailOf(refused.status, "listing_id"), "l_2");
  EXPECT_EQ(DetailOf(refused.status, "stock"), "3");
  EXPECT_EQ(Stock("l_1"), 10);  // nothing reserved for a refused order
  EXPECT_EQ(Stock("l_2"), 3);

  Ok(Place("b_1", "o_2", {{"l_2", 3}}));
  EXPECT_EQ(Stock("l_2"), 0);
  auto none_left = Place("b_2", "o_3", {{"l_2", 1}});
  EXPECT_EQ(none_left.status.code(), Code::kOutOfStock);
  EXPECT_EQ(DetailOf(none_left.status, "stock"), "0");
  // Units come back when the order holding them is cancelled.
  Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kCancel));
  EXPECT_TRUE(Place("b_2", "o_4", {{"l_2", 1}}).ok());
}

TEST_F(OrdersTest, ItemsAreChecked) {
  auto expect_invalid = [&](const Items& items, const std::string& field) {
    auto refused = Place("b_1", "o_1", items);
    EXPECT_EQ(refused.status.code(), Code::kInvalidArgument) << refused.status.ToString();
    EXPECT_EQ(DetailOf(refused.status, "field"), field) << refused.status.ToString();
  };
  expect_invalid({}, "items");
  expect_invalid({{"l_1", 0}}, "quantity");
  expect_invalid({{"l_1", -1}}, "quantity");
  expect_invalid({{"l_1", kMaxQuantity + 1}}, "quantity");
  expect_invalid({{"l_1", 1}, {"l_1", 1}}, "items");
  Items too_many(kMaxOrderItems + 1, {"l_1", 1});
  expect_invalid(too_many, "items");

  EXPECT_EQ(Place("b_1", "o_1", {{"l_9", 1}}).status.code(), Code::kNotFound);
  EXPECT_EQ(Place("b_9", "o_1", {{"l_1", 1}}).status.code(), Code::kNotFound);
  ASSERT_TRUE(engine_->Execute(DelistListing{"m_1", "l_2"}).ok());
  auto delisted = Place("b_1", "o_1", {{"l_2", 1}});
  EXPECT_EQ(delisted.status.code(), Code::kNotFound);
  EXPECT_EQ(DetailOf(delisted.status, "listing_id"), "l_2");
  EXPECT_EQ(Stock("l_1"), 10);
  EXPECT_TRUE(OrderIds(AsOperator()).empty());
}

TEST_F(OrdersTest, RestartKeepsOpenOrdersAndTheirTimers) {
  v1::Order awaiting = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  clock_.Advance(minutes(1));
  Ok(Place("b_1", "o_2", {{"l_1", 1}}));
  v1::Order paid = Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay));
  v1::Order shipped = ShippedOrder("b_1", "o_3", {{"l_2", 1}});
  v1::Order done = CompletedOrder("b_1", "o_4", {{"l_2", 1}});
  const std::string ledger = LedgerPicture();

  Reopen();
  for (const v1::Order& order : {awaiting, paid, shipped, done}) ExpectUnchanged(order);
  EXPECT_EQ(LedgerPicture(), ledger);
  EXPECT_EQ(Stock("l_1"), 8);
  EXPECT_EQ(Stock("l_2"), 1);

  // Orders go on being numbered after the ones before the restart.
  clock_.Advance(minutes(1));
  Ok(Place("b_1", "o_5", {{"l_1", 1}}));
  EXPECT_EQ(OrderIds(AsOperator()), (std::vector<std::string>{"o_5", "o_4", "o_3", "o_2", "o_1"}));
  EXPECT_EQ(OrderIds(AsMerchant("m_1")),
            (std::vector<std::string>{"o_5", "o_4", "o_3", "o_2", "o_1"}));

  // The pay deadline of o_1 survived: it fires exactly at pay_by, not before.
  AdvanceAndTick(nanoseconds(NanosOf(awaiting.pay_by()) - clock_.NowNanos() - 1));
  EXPECT_EQ(OrderOf("o_1").status(), v1::PENDING_PAYMENT);
  AdvanceAndTick(nanoseconds(1));
  EXPECT_EQ(OrderOf("o_1").status(), v1::EXPIRED);
  EXPECT_EQ(OrderOf("o_5").status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(Stock("l_1"), 8);  // o_1's unit came back, o_5 holds one

  // The auto-confirm of o_3 survived too.
  AdvanceAndTick(nanoseconds(NanosOf(shipped.auto_confirm_at()) - clock_.NowNanos()));
  v1::Order auto_completed = OrderOf("o_3");
  EXPECT_EQ(auto_completed.status(), v1::COMPLETED);
  EXPECT_EQ(LastEvent(auto_completed), "AUTO_COMPLETED");
  EXPECT_EQ(OrderOf("o_2").status(), v1::PAID);  // a paid order waits for its merchant
  EXPECT_EQ(OrderOf("o_5").status(), v1::EXPIRED);
  ExpectUnchanged(done);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/9900");
}

// A market whose rules differ from the defaults: 2.5 % commission, 10 minutes to pay, two
// days to confirm.
class OrdersWithOptionsTest : public OrdersTest {
 protected:
  void SetUp() override {
    market_options_.commission_bps = 250;
    market_options_.pay_timeout = minutes(10);
    market_options_.auto_confirm_after = hours(48);
    OrdersTest::SetUp();
  }
};

TEST_F(OrdersWithOptionsTest, CommissionComesFromTheOptions) {
  v1::Order placed = Ok(Place("b_1", "o_1", {{"l_1", 2}}));
  EXPECT_EQ(placed.total(), 40'000);
  EXPECT_EQ(placed.commission_bps(), 250);
  EXPECT_EQ(placed.commission(), 1'000);
  EXPECT_EQ(NanosOf(placed.pay_by()) - NanosOf(placed.created_at()),
            nanoseconds(minutes(10)).count());
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  v1::Order shipped = Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip));
  EXPECT_EQ(NanosOf(shipped.auto_confirm_at()) - clock_.NowNanos(), nanoseconds(hours(48)).count());
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/39000");
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/1000");
}

TEST_F(OrdersWithOptionsTest, CommissionIsRoundedDown) {
  v1::UpdateListingRequest price;
  price.set_price(39'999);
  ASSERT_TRUE(engine_->Execute(UpdateListing{"m_1", "l_1", price}).ok());
  v1::Order placed = Ok(Place("b_1", "o_1", {{"l_1", 1}}));
  EXPECT_EQ(placed.commission(), 999);         // 39,999 * 250 / 10,000 = 999.975
  CompletedOrder("b_2", "o_2", {{"l_2", 1}});  // 5,000 * 2.5 % = 125 exactly
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  Ok(Act(AsMerchant("m_1"), "o_1", OrderAction::kShip));
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kConfirm));
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/" + std::to_string(39'000 + 4'875));
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/1124");
}

TEST_F(OrdersWithOptionsTest, CommissionIsFixedWhenTheOrderIsPlaced) {
  Ok(Place("b_1", "o_1", {{"l_1", 2}}));
  market_options_.commission_bps = 100;
  Reopen();
  Ok(Place("b_1", "o_2", {{"l_1", 1}}));
  for (const char* id : {"o_1", "o_2"}) {
    Ok(Act(AsBuyer("b_1"), id, OrderAction::kPay));
    Ok(Act(AsMerchant("m_1"), id, OrderAction::kShip));
    Ok(Act(AsBuyer("b_1"), id, OrderAction::kConfirm));
  }
  EXPECT_EQ(OrderOf("o_1").commission(), 1'000);
  EXPECT_EQ(OrderOf("o_2").commission(), 200);
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/1200");
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/58800");
}

TEST_F(OrdersWithOptionsTest, NoCommissionAndWholeCommission) {
  market_options_.commission_bps = 0;
  Reopen();
  v1::Order free = CompletedOrder("b_1", "o_1", {{"l_2", 1}});
  EXPECT_EQ(free.commission(), 0);
  EXPECT_EQ(engine_->Read().GetTransfer("o~o_1~fee").status().code(), Code::kNotFound);
  market_options_.commission_bps = kBasisPointsPerWhole;
  Reopen();
  v1::Order all = CompletedOrder("b_1", "o_2", {{"l_2", 1}});
  EXPECT_EQ(all.commission(), 5'000);
  EXPECT_EQ(engine_->Read().GetTransfer("o~o_2~settle").status().code(), Code::kNotFound);
  EXPECT_EQ(Balances("m_1.available"), "0/0/0/5000");
  EXPECT_EQ(Balances(kFeesAccount), "0/0/0/5000");
  EXPECT_EQ(Balances("m_1.escrow"), "0/10000/0/10000");
}

namespace market4::engine {
namespace orders_test {

// Units an order reserved come back in full, even past the most a merchant may set.
TEST_F(OrdersTest, CancelReturnsEveryUnitEvenPastTheStockCap) {
  Ok(Place("b_1", "o_1", {{"l_1", 3}}));
  UpdateListing restock{"m_1", "l_1", {}};
  restock.request.set_stock(kMaxStock);
  ASSERT_TRUE(engine_->Execute(restock).ok());
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kCancel));
  EXPECT_EQ(Stock("l_1"), kMaxStock + 3);
}

}  // namespace orders_test
}  // namespace market4::engine

namespace market4::engine {
namespace orders_test {

class OrdersByStatusTest : public OrdersTest {
 protected:
  std::vector<std::string> Ids(const Caller& caller, v1::OrderStatus status,
                               std::size_t limit = 0) {
    std::vector<std::string> ids;
    std::string token;
    for (int pages = 0; pages < 50; ++pages) {
      auto page = engine_->Read().ListOrders(caller, status, limit, token);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const auto& order : page->orders()) {
        EXPECT_EQ(order.status(), status);
        ids.push_back(order.id());
      }
      token = page->next_page_token();
      if (token.empty()) break;
    }
    return ids;
  }

  // o_1 awaiting payment, o_2 paid, o_3 shipped, o_4 cancelled, o_5 completed.
  void PlaceFive() {
    Ok(Place("b_1", "o_1", {{"l_1", 1}}));
    Ok(Place("b_1", "o_2", {{"l_1", 1}}));
    Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kPay));
    ShippedOrder("b_1", "o_3", {{"l_1", 1}});
    Ok(Place("b_1", "o_4", {{"l_1", 1}}));
    Ok(Act(AsBuyer("b_1"), "o_4", OrderAction::kCancel));
    ShippedOrder("b_1", "o_5", {{"l_1", 1}});
    Ok(Act(AsBuyer("b_1"), "o_5", OrderAction::kConfirm));
  }

  void ExpectLists() {
    for (const Caller& caller : {AsOperator(), AsBuyer("b_1"), AsMerchant("m_1")}) {
      EXPECT_EQ(Ids(caller, v1::PENDING_PAYMENT), std::vector<std::string>{"o_1"});
      EXPECT_EQ(Ids(caller, v1::PAID), std::vector<std::string>{"o_2"});
      EXPECT_EQ(Ids(caller, v1::SHIPPED), std::vector<std::string>{"o_3"});
      EXPECT_EQ(Ids(caller, v1::CANCELLED), std::vector<std::string>{"o_4"});
      EXPECT_EQ(Ids(caller, v1::COMPLETED), std::vector<std::string>{"o_5"});
    }
    EXPECT_TRUE(Ids(AsBuyer("b_2"), v1::PAID).empty());
  }
};

// Each status has its own index, moved in the batch of every change.
TEST_F(OrdersByStatusTest, EachStatusListsExactlyItsOrdersNewestFirst) {
  PlaceFive();
  ExpectLists();
  Ok(Act(AsMerchant("m_1"), "o_2", OrderAction::kShip));
  EXPECT_EQ(Ids(AsOperator(), v1::SHIPPED, 1), (std::vector<std::string>{"o_3", "o_2"}));
  EXPECT_TRUE(Ids(AsOperator(), v1::PAID).empty());
  // A page token of one status is refused by another.
  auto page = engine_->Read().ListOrders(AsOperator(), v1::SHIPPED, 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token().empty());
  EXPECT_EQ(engine_->Read()
                .ListOrders(AsOperator(), v1::PAID, 1, page->next_page_token())
                .status()
                .code(),
            Code::kInvalidArgument);
}

// A ledger written before the status index is indexed once at start, and orders then keep
// moving between statuses.
TEST_F(OrdersByStatusTest, OrdersStoredBeforeTheIndexAreIndexedAtStart) {
  PlaceFive();
  auto status_keys = [](std::string_view key) { return key[0] == 'S' || key[0] == '#'; };
  ASSERT_EQ(DropIndex(storage::Family::kOrderIndex, {""}, status_keys, "order_status_index"),
            5u * 3 + 5);
  Open();
  ExpectLists();
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  Ok(Act(AsBuyer("b_1"), "o_3", OrderAction::kConfirm));
  EXPECT_TRUE(Ids(AsOperator(), v1::PENDING_PAYMENT).empty());
  EXPECT_EQ(Ids(AsOperator(), v1::PAID), (std::vector<std::string>{"o_2", "o_1"}));
  EXPECT_EQ(Ids(AsMerchant("m_1"), v1::COMPLETED), (std::vector<std::string>{"o_5", "o_3"}));
}

}  // namespace orders_test
}  // namespace market4::engine

// A buyer may hold only so many unpaid orders, and only so much in them: every unpaid order
// holds stock that other buyers cannot have (the stock-hoarding abuse).
class UnpaidLimitsTest : public MarketFixture {
 protected:
  void SetUp() override {
    market_options_.max_unpaid_orders = 3;
    market_options_.max_unpaid_value = 100'000;
    MarketFixture::SetUp();
    ASSERT_TRUE(AddMerchant("m_1").ok());
    for (const char* id : {"b_1", "b_2"}) ASSERT_TRUE(AddBuyer(id).ok());
    ASSERT_TRUE(Deposit("b_1", 1'000'000).ok());
    ASSERT_TRUE(AddListing("m_1", "l_1", 10'000, 1'000, "Rau muống", "rau").ok());
  }
};

TEST_F(UnpaidLimitsTest, TheNextUnpaidOrderWaitsUntilOneIsPaidOrExpires) {
  for (int i = 1; i <= 3; ++i) Ok(Place("b_1", "o_" + std::to_string(i), {{"l_1", 1}}));
  AdvanceAndTick(std::chrono::minutes(10));
  Answer<v1::Order> refused = Place("b_1", "o_4", {{"l_1", 1}});
  ASSERT_EQ(refused.status.code(), Code::kRateLimited);
  EXPECT_EQ(DetailOf(refused.status, "limit"), "max-unpaid-orders");
  // The first unpaid order runs out of time 30 minutes after it was placed: 20 from now.
  EXPECT_EQ(DetailOf(refused.status, std::string(kRetryAfterDetail)), "1200");
  EXPECT_EQ(Stock("l_1"), 997);  // the refusal reserved nothing
  // Another buyer is not limited by b_1's orders.
  Ok(Place("b_2", "o_5", {{"l_1", 1}}));
  // Paying one makes room.
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  Ok(Place("b_1", "o_4", {{"l_1", 1}}));
  EXPECT_EQ(Place("b_1", "o_6", {{"l_1", 1}}).status.code(), Code::kRateLimited);
  // So does cancelling one, and so does expiry.
  Ok(Act(AsBuyer("b_1"), "o_2", OrderAction::kCancel));
  Ok(Place("b_1", "o_6", {{"l_1", 1}}));
  EXPECT_EQ(Place("b_1", "o_7", {{"l_1", 1}}).status.code(), Code::kRateLimited);
  AdvanceAndTick(std::chrono::minutes(21));  // o_3 expires
  Ok(Place("b_1", "o_7", {{"l_1", 1}}));
}

TEST_F(UnpaidLimitsTest, UnpaidValueIsCappedAndTheCountSurvivesARestart) {
  // 100,000 dong at most, the new order included.
  Ok(Place("b_1", "o_1", {{"l_1", 6}}));                          // 60,000
  Answer<v1::Order> refused = Place("b_1", "o_2", {{"l_1", 5}});  // would be 110,000
  ASSERT_EQ(refused.status.code(), Code::kRateLimited);
  EXPECT_EQ(DetailOf(refused.status, "limit"), "max-unpaid-value");
  Ok(Place("b_1", "o_2", {{"l_1", 4}}));  // exactly 100,000
  // An order over the limit by itself can never wait unpaid: a plain 400, no wait helps.
  Answer<v1::Order> whole_stock = Place("b_2", "o_3", {{"l_1", 990}});
  EXPECT_EQ(whole_stock.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Stock("l_1"), 990);
  // The unpaid orders are counted again after a restart (they are loaded as open orders).
  Reopen();
  EXPECT_EQ(Place("b_1", "o_4", {{"l_1", 1}}).status.code(), Code::kRateLimited);
  Ok(Act(AsBuyer("b_1"), "o_1", OrderAction::kPay));
  Ok(Place("b_1", "o_4", {{"l_1", 1}}));
}

// One buyer's unpaid orders may hold at most max_unpaid_share percent (20) of a listing's
// units: a cheap listing, whose whole stock is worth less than max_unpaid_value, cannot be
// emptied by buyers who never pay.
TEST_F(UnpaidLimitsTest, AListingsUnitsAreSharedAmongBuyersWhoHaveNotPaid) {
  for (const char* id : {"b_3", "b_4"}) ASSERT_TRUE(AddBuyer(id).ok());
  Ok(AddListing("m_1", "l_2", 1'000, 50, "Rau muống", "rau"));  // 50,000 dong in all
  // The whole stock in one unpaid order: a plain 400 (no wait helps), nothing reserved.
  Answer<v1::Order> whole = Place("b_2", "o_1", {{"l_2", 50}});
  ASSERT_EQ(whole.status.code(), Code::kInvalidArgument) << whole.status.ToString();
  EXPECT_EQ(DetailOf(whole.status, "limit"), "max-unpaid-share");
  EXPECT_EQ(DetailOf(whole.status, "listing_id"), "l_2");
  EXPECT_EQ(Stock("l_2"), 50);
  Ok(Place("b_2", "o_1", {{"l_2", 10}}));  // 20 % of 50
  // One more unit would pass the share of what there is plus what b_2 holds (40 + 10): it
  // waits for the order to be paid or to expire, 30 minutes from now.
  Answer<v1::Order> more = Place("b_2", "o_2", {{"l_2", 1}});
  ASSERT_EQ(more.status.code(), Code::kRateLimited) << more.status.ToString();
  EXPECT_EQ(DetailOf(more.status, "limit"), "max-unpaid-share");
  EXPECT_EQ(DetailOf(more.status, std::string(kRetryAfterDetail)), "1800");
  // Other listings are not limited by it.
  Ok(Place("b_2", "o_2", {{"l_1", 1}}));
  // The next buyer gets 20 % of what is left, 8 of 40.
  EXPECT_EQ(Place("b_3", "o_3", {{"l_2", 9}}).status.code(), Code::kInvalidArgument);
  Ok(Place("b_3", "o_3", {{"l_2", 8}}));
  EXPECT_EQ(Stock("l_2"), 32);
  // A buyer whose wallet covers all their unpaid orders may hold more: they can pay now.
  Ok(Place("b_1", "o_4", {{"l_2", 30}}));
  Ok(Act(AsBuyer("b_1"), "o_4", OrderAction::kPay));
  EXPECT_EQ(Stock("l_2"), 2);
  // The last units: anyone may hold one.
  Ok(Place("b_4", "o_5", {{"l_2", 1}}));
  EXPECT_EQ(Place("b_4", "o_6", {{"l_2", 1}}).status.code(), Code::kRateLimited);
  // The share is counted again after a restart, from the open orders.
  Reopen();
  EXPECT_EQ(Place("b_2", "o_6", {{"l_2", 1}}).status.code(), Code::kRateLimited);
  // Once b_2's order expires its units come back, and b_2 may hold a share again.
  AdvanceAndTick(std::chrono::minutes(31));
  EXPECT_EQ(Stock("l_2"), 50 - 30);
  Ok(Place("b_2", "o_6", {{"l_2", 4}}));  // 20 % of 20
}

}  // namespace orders_test
}  // namespace market4::engine
