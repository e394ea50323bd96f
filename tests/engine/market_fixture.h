// Marketplace helpers over EngineFixture: merchants, buyers, deposits, listings and orders
// built the way the gateway builds them (server-chosen ids, token hashes, Idempotency-Keys),
// driven straight into a real engine. Test thread only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "engine/chart.h"
#include "tests/engine/engine_fixture.h"

namespace market4 {
// Failed expectations name codes ("INSUFFICIENT_FUNDS") rather than print their bytes.
inline void PrintTo(Code code, std::ostream* os) { *os << CodeName(code); }
}  // namespace market4

namespace market4::engine {

inline Caller AsOperator() { return Caller{Role::kOperator, ""}; }
inline Caller AsBuyer(const std::string& id) { return Caller{Role::kBuyer, id}; }
inline Caller AsMerchant(const std::string& id) { return Caller{Role::kMerchant, id}; }
// The SHA-256 the gateway would keep for a principal's token; any unique string will do.
inline std::string TokenHashOf(const std::string& id) { return "hash-" + id; }

// The value of an answer that must have succeeded; a failure is reported at the caller.
template <typename T>
T Ok(Answer<T> answer) {
  EXPECT_TRUE(answer.ok()) << answer.status.ToString();
  return std::move(answer.value);
}

// The detail `key` of a status, "" if absent.
inline std::string DetailOf(const Status& status, const std::string& key) {
  auto it = status.details().find(key);
  return it == status.details().end() ? "" : it->second;
}

class MarketFixture : public EngineFixture {
 protected:
  using Items = std::vector<std::pair<std::string, std::int64_t>>;  // listing id, quantity

  Answer<v1::Merchant> AddMerchant(const std::string& id, const std::string& phone = "0901234567",
                                   const std::string& name = "Cô Ba") {
    CreateMerchant command{id, TokenHashOf(id), {}};
    command.request.set_name(name);
    command.request.set_phone(phone);
    command.request.set_location("Chợ Vị Thanh, sạp 12");
    return engine_->Execute(command);
  }

  Answer<v1::Buyer> AddBuyer(const std::string& id, const std::string& phone = "0912345678",
                             const std::string& name = "Anh Tư") {
    CreateBuyer command{id, TokenHashOf(id), {}};
    command.request.set_name(name);
    command.request.set_phone(phone);
    return engine_->Execute(command);
  }

  // A deposit at the desk under a fresh key.
  Answer<v1::Deposit> Deposit(const std::string& buyer_id, std::int64_t amount) {
    return DepositWithKey(buyer_id, amount, FreshKey());
  }
  Answer<v1::Deposit> DepositWithKey(const std::string& buyer_id, std::int64_t amount,
                                     const std::string& key) {
    MakeDeposit command{AsOperator(), buyer_id, key, {}};
    command.request.set_amount(amount);
    return engine_->Execute(command);
  }

  Answer<v1::Listing> AddListing(const std::string& merchant_id, const std::string& id,
                                 std::int64_t price, std::int64_t stock,
                                 const std::string& title = "Rau muống",
                                 const std::string& category = "rau") {
    CreateListing command{merchant_id, id, {}};
    command.request.set_title(title);
    command.request.set_description("Tươi, hái sáng nay");
    command.request.set_category(category);
    command.request.set_unit("bó");
    command.request.set_price(price);
    command.request.set_stock(stock);
    return engine_->Execute(command);
  }

  static PlaceOrder MakeOrder(const std::string& buyer_id, const std::string& id,
                              const Items& items, const std::string& key) {
    PlaceOrder command{buyer_id, id, key, {}};
    for (const auto& [listing_id, quantity] : items) {
      auto* item = command.request.add_items();
      item->set_listing_id(listing_id);
      item->set_quantity(quantity);
    }
    return command;
  }

  // Places an order under a fresh key.
  Answer<v1::Order> Place(const std::string& buyer_id, const std::string& id, const Items& items) {
    return engine_->Execute(MakeOrder(buyer_id, id, items, FreshKey()));
  }

  Answer<v1::Order> Act(const Caller& caller, const std::string& order_id, OrderAction action,
                        const std::string& key = "") {
    return engine_->Execute(ActOnOrder{caller, order_id, action, key, "", ""});
  }

  Answer<v1::Order> Refund(const std::string& merchant_id, const std::string& order_id,
                           std::int64_t amount, const std::string& key) {
    RefundOrder command{merchant_id, order_id, key, {}};
    command.request.set_amount(amount);
    return engine_->Execute(command);
  }

  // Placed, paid by its buyer and shipped by its merchant.
  v1::Order ShippedOrder(const std::string& buyer_id, const std::string& id, const Items& items) {
    v1::Order placed = Ok(Place(buyer_id, id, items));
    Ok(Act(AsBuyer(buyer_id), id, OrderAction::kPay));
    return Ok(Act(AsMerchant(placed.merchant_id()), id, OrderAction::kShip));
  }

  // ... and confirmed by its buyer.
  v1::Order CompletedOrder(const std::string& buyer_id, const std::string& id, const Items& items) {
    ShippedOrder(buyer_id, id, items);
    return Ok(Act(AsBuyer(buyer_id), id, OrderAction::kConfirm));
  }

  // The order as an operator sees it (empty if it cannot be read).
  v1::Order OrderOf(const std::string& id) {
    auto order = engine_->Read().GetOrder(AsOperator(), id);
    EXPECT_TRUE(order.ok()) << id << ": " << order.status().ToString();
    return order.ok() ? order.value() : v1::Order();
  }

  v1::Listing ListingOf(const std::string& id) {
    auto listing = engine_->Read().GetListing(id);
    EXPECT_TRUE(listing.ok()) << id << ": " << listing.status().ToString();
    return listing.ok() ? listing.value() : v1::Listing();
  }

  std::int64_t Stock(const std::string& listing_id) { return ListingOf(listing_id).stock(); }
  std::int64_t Available(const std::string& account_id) { return Account(account_id).available(); }

  // Every account with its balances, one per line: a picture of the whole ledger.
  std::string LedgerPicture() {
    std::string out;
    auto accounts = engine_->Read().ListAccounts(kMaxPageSize, "");
    EXPECT_TRUE(accounts.ok()) << accounts.status().ToString();
    if (!accounts.ok()) return out;
    EXPECT_TRUE(accounts->next_page_token().empty() ||
                engine_->Read().ListAccounts(1, accounts->next_page_token())->accounts().empty())
        << "more accounts than one picture shows";
    for (const auto& a : accounts->accounts()) {
      out += a.id() + " " + std::to_string(a.debits_pending()) + "/" +
             std::to_string(a.debits_posted()) + "/" + std::to_string(a.credits_pending()) + "/" +
             std::to_string(a.credits_posted()) + "\n";
    }
    return out;
  }

  // How many transfers touch `account_id`.
  std::size_t TransferCount(const std::string& account_id) {
    auto transfers = engine_->Read().ListAccountTransfers(account_id, kMaxPageSize, "");
    EXPECT_TRUE(transfers.ok()) << transfers.status().ToString();
    return transfers.ok() ? static_cast<std::size_t>(transfers->transfers_size()) : 0;
  }

  // An order's timeline on one line: "CREATED buyer 0, PAID buyer 40000, ...".
  static std::string Timeline(const v1::Order& order) {
    std::string out;
    for (const auto& event : order.timeline()) {
      if (!out.empty()) out += ", ";
      out += event.event() + " " + event.by() + " " + std::to_string(event.amount());
    }
    return out;
  }

  // When the order's last event happened (ns since the epoch) and what it was; -1 and ""
  // for an order without events.
  static std::int64_t LastEventAt(const v1::Order& order) {
    return order.timeline().empty() ? -1 : NanosOf(order.timeline().rbegin()->at());
  }
  static std::string LastEvent(const v1::Order& order) {
    return order.timeline().empty() ? "" : order.timeline().rbegin()->event();
  }

  std::string FreshKey() { return "key-" + std::to_string(++keys_made_); }

  // Nanoseconds since the epoch of a protobuf timestamp.
  static std::int64_t NanosOf(const google::protobuf::Timestamp& at) {
    return at.seconds() * 1'000'000'000 + at.nanos();
  }

 private:
  int keys_made_ = 0;
};

}  // namespace market4::engine
