// Randomized marketplace test: random deposits, orders, payments, shipping, confirmations,
// cancellations, refunds, stock changes and clock jumps (expiries, auto-confirm), driven
// straight into the engine. After every step the ledger invariants must hold; every few steps
// the orders, the stock and every balance are cross-checked against each other:
//   stock + units held or sold by orders = what the merchant put up;
//   a buyer's held money = the totals of its paid, unconfirmed orders; its balance = deposits
//   - what it paid for orders not cancelled + refunds;
//   a merchant's escrow and available balance, and the platform fees, likewise.
// Prints its seed; replay with MARKET4_SEED=<seed>.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/market.h"
#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace random_market_test {

constexpr int kSteps = 2000;
constexpr int kMerchants = 3;
constexpr int kBuyers = 6;
constexpr int kListingsPerMerchant = 2;

class RandomMarketTest : public EngineFixture {
 protected:
  void SetUp() override { Open(/*sync=*/false); }
};

std::uint64_t Seed() {
  if (const char* text = std::getenv("MARKET4_SEED")) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

bool Holds(v1::OrderStatus s) { return s == v1::PAID || s == v1::SHIPPED; }
bool UsesStock(v1::OrderStatus s) {
  return s == v1::PENDING_PAYMENT || s == v1::PAID || s == v1::SHIPPED || s == v1::COMPLETED;
}

TEST_F(RandomMarketTest, OrdersStockAndMoneyAgreeAfterEveryStep) {
  const std::uint64_t seed = Seed();
  std::printf("random_market_test seed: %llu (replay with MARKET4_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  int next_id = 0;
  auto fresh = [&](const char* prefix) { return prefix + std::to_string(next_id++); };

  std::vector<std::string> merchants, buyers, listings, orders;
  std::map<std::string, std::int64_t> deposited, base_stock;
  for (int i = 0; i < kMerchants; ++i) {
    CreateMerchant c{fresh("m_"), "hash-m" + std::to_string(i), {}};
    c.request.set_name("Người bán " + std::to_string(i));
    c.request.set_phone("0901234567");
    c.request.set_location("Chợ");
    ASSERT_TRUE(engine_->Execute(c).status.ok());
    merchants.push_back(c.id);
    for (int j = 0; j < kListingsPerMerchant; ++j) {
      CreateListing l{c.id, fresh("l_"), {}};
      l.request.set_title("Hàng " + std::to_string(j));
      l.request.set_unit("kg");
      l.request.set_price(1'000 + static_cast<std::int64_t>(pick(50'000)));
      l.request.set_stock(static_cast<std::int64_t>(pick(30)));
      ASSERT_TRUE(engine_->Execute(l).status.ok());
      listings.push_back(l.id);
      base_stock[l.id] = l.request.stock();
    }
  }
  for (int i = 0; i < kBuyers; ++i) {
    CreateBuyer c{fresh("b_"), "hash-b" + std::to_string(i), {}};
    c.request.set_name("Người mua " + std::to_string(i));
    c.request.set_phone("0912345678");
    ASSERT_TRUE(engine_->Execute(c).status.ok());
    buyers.push_back(c.id);
  }

  auto order_of = [&](const std::string& id) {
    auto order = engine_->Read().GetOrder(Caller{Role::kOperator, ""}, id);
    EXPECT_TRUE(order.ok()) << id << " " << order.status().ToString();
    return order.ok() ? order.value() : v1::Order();
  };
  auto act = [&](const std::string& id, OrderAction action, Role role) {
    v1::Order order = order_of(id);
    std::string who = role == Role::kBuyer ? order.buyer_id() : order.merchant_id();
    if (pick(10) == 0)
      who = role == Role::kBuyer ? buyers[pick(kBuyers)] : merchants[pick(kMerchants)];
    return engine_->Execute(ActOnOrder{Caller{role, who}, id, action, "", "", ""});
  };

  auto cross_check = [&] {
    std::map<std::string, std::int64_t> held, escrow, earned, spent, refunded, used;
    std::int64_t fees = 0;
    for (const auto& id : orders) {
      v1::Order o = order_of(id);
      if (Holds(o.status())) {
        held[o.buyer_id()] += o.total();
        escrow[o.merchant_id()] += o.total();
      }
      if (Holds(o.status()) || o.status() == v1::COMPLETED) spent[o.buyer_id()] += o.total();
      if (o.status() == v1::COMPLETED) {
        earned[o.merchant_id()] += o.total() - o.commission() - o.refunded();
        refunded[o.buyer_id()] += o.refunded();
        fees += o.commission();
      }
      if (UsesStock(o.status())) {
        for (const auto& item : o.items()) used[item.listing_id()] += item.quantity();
      }
    }
    for (const auto& id : listings) {
      auto listing = engine_->Read().GetListing(id);
      ASSERT_TRUE(listing.ok());
      ASSERT_GE(listing->stock(), 0) << id;
      ASSERT_EQ(listing->stock() + used[id], base_stock[id]) << id;
    }
    for (const auto& id : buyers) {
      auto wallet = engine_->Read().GetWallet(id);
      ASSERT_TRUE(wallet.ok());
      ASSERT_EQ(wallet->held(), held[id]) << id;
      ASSERT_EQ(wallet->balance(), deposited[id] - spent[id] + refunded[id]) << id;
    }
    for (const auto& id : merchants) {
      auto balance = engine_->Read().GetMerchantBalance(id);
      ASSERT_TRUE(balance.ok());
      ASSERT_EQ(balance->escrow(), escrow[id]) << id;
      ASSERT_EQ(balance->available(), earned[id]) << id;
    }
    ASSERT_EQ(engine_->Read().GetAccount(kFeesAccount)->credits_posted(), fees);
  };

  std::map<std::string, int> ok;
  for (int step = 0; step < kSteps; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    std::size_t op = pick(12);
    if (orders.empty() && op >= 3 && op <= 9) op = 1;
    // Act mostly on recent orders, which are still open.
    std::string order =
        orders.empty() ? ""
                       : orders[orders.size() - 1 - pick(std::min<std::size_t>(orders.size(), 8))];
    Status out;
    const char* name = "";
    if (op == 0) {
      std::string buyer = buyers[pick(kBuyers)];
      std::int64_t amount = 1 + static_cast<std::int64_t>(pick(200'000));
      out = engine_->Execute(MakeDeposit{Caller{Role::kOperator, ""}, buyer, fresh("k"), {}})
                .status;  // amount 0: refused
      ASSERT_EQ(out.code(), Code::kInvalidArgument);
      MakeDeposit deposit{Caller{Role::kOperator, ""}, buyer, fresh("k"), {}};
      deposit.request.set_amount(amount);
      out = engine_->Execute(deposit).status;
      if (out.ok()) deposited[buyer] += amount;
      name = "deposit";
    } else if (op <= 2) {
      std::size_t m = pick(kMerchants);
      PlaceOrder place{buyers[pick(kBuyers)], fresh("o_"), fresh("k"), {}};
      for (int j = 0; j < kListingsPerMerchant; ++j) {
        if (pick(2) == 0 && j + 1 < kListingsPerMerchant) continue;
        auto* item = place.request.add_items();
        item->set_listing_id(listings[m * kListingsPerMerchant + j]);
        item->set_quantity(1 + static_cast<std::int64_t>(pick(6)));
      }
      out = engine_->Execute(place).status;
      if (out.ok()) orders.push_back(place.id);
      name = "order";
    } else if (op <= 5) {
      out = act(order, OrderAction::kPay, Role::kBuyer).status;  // 3 in 12: payments often fail
      name = "pay";
    } else if (op == 6) {
      out = act(order, OrderAction::kShip, Role::kMerchant).status;
      name = "ship";
    } else if (op == 7) {
      out = act(order, OrderAction::kConfirm, Role::kBuyer).status;
      name = "confirm";
    } else if (op == 8) {
      out = act(order, OrderAction::kCancel, pick(2) ? Role::kBuyer : Role::kMerchant).status;
      name = "cancel";
    } else if (op == 9) {
      // Refund part of a completed order, sometimes more than is left.
      std::vector<v1::Order> completed;
      for (const auto& id : orders) {
        if (v1::Order o = order_of(id); o.status() == v1::COMPLETED) completed.push_back(o);
      }
      v1::Order target = completed.empty() ? order_of(order) : completed[pick(completed.size())];
      RefundOrder refund{target.merchant_id(), target.id(), fresh("k"), {}};
      std::int64_t left = std::max<std::int64_t>(1, target.total() - target.refunded());
      refund.request.set_amount(
          1 + static_cast<std::int64_t>(pick(static_cast<std::size_t>(left) + 1000)));
      out = engine_->Execute(refund).status;
      name = "refund";
    } else if (op == 10) {
      std::string listing = listings[pick(listings.size())];
      auto current = engine_->Read().GetListing(listing);
      UpdateListing update{current->merchant_id(), listing, {}};
      std::int64_t stock = static_cast<std::int64_t>(pick(30));
      update.request.set_stock(stock);
      out = engine_->Execute(update).status;
      if (out.ok()) base_stock[listing] += stock - current->stock();
      name = "restock";
    } else {
      AdvanceAndTick(pick(20) == 0 ? std::chrono::hours(24 * 8) : std::chrono::minutes(pick(20)));
      name = "tick";
    }
    if (out.ok()) ++ok[name];
    auto check = engine_->Execute(VerifyInvariants{});
    ASSERT_TRUE(check.status.ok()) << check.status.ToString();
    if (step % 10 == 0) cross_check();
    if (HasFatalFailure()) return;
  }
  cross_check();
  std::printf("succeeded:");
  for (const auto& [name, count] : ok) std::printf(" %s=%d", name.c_str(), count);
  std::printf("\n");
  for (const char* name : {"deposit", "order", "pay", "ship", "confirm", "cancel", "refund"}) {
    EXPECT_GT(ok[name], 0) << name;
  }
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
  // A restart keeps every order and its timers: after it, time runs out for every open order
  // (unpaid ones expire, shipped ones complete) and everything still agrees.
  Reopen();
  cross_check();
  AdvanceAndTick(std::chrono::hours(24 * 8));
  cross_check();
  for (const auto& id : orders) {
    v1::OrderStatus status = order_of(id).status();
    EXPECT_TRUE(status != v1::PENDING_PAYMENT && status != v1::SHIPPED) << id;
  }
}

}  // namespace random_market_test
}  // namespace market4::engine
