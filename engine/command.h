// Commands the engine applies and the Outcome each one produces. Commands are plain values
// built on any thread and handed to the engine's queue; Outcomes come back on the writer
// thread after the command's effects are durable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

struct PostPending {
  std::string pending_id;
  // Amount to post; nullopt posts the full pending amount.
  std::optional<std::int64_t> amount;
};

struct VoidPending {
  std::string pending_id;
};

// Expires due pending transfers and does nothing else; lets tests apply a clock change.
struct Tick {};

// Checks the ledger's invariants on the writer thread; the Outcome's status says the result.
struct VerifyInvariants {};

// Who sends a marketplace command. Operators have no id; kNobody is an anonymous caller and
// owns nothing.
enum class Role { kNobody, kOperator, kMerchant, kBuyer };
struct Caller {
  Role role = Role::kNobody;
  std::string id;
};

// Marketplace commands. Ids and token hashes are chosen by the gateway (random), so the
// engine stays deterministic. `idempotency_key` is the client's Idempotency-Key ("" = none).
struct CreateMerchant {
  std::string id;
  std::string token_hash;
  v1::CreateMerchantRequest request;
};
struct CreateBuyer {
  std::string id;
  std::string token_hash;
  v1::CreateBuyerRequest request;
};
struct MakeDeposit {
  std::string buyer_id;
  std::string idempotency_key;
  v1::DepositRequest request;
};
struct CreateListing {
  std::string merchant_id;
  std::string id;
  v1::CreateListingRequest request;
};
struct UpdateListing {
  std::string merchant_id;
  std::string listing_id;
  v1::UpdateListingRequest request;
};
struct DelistListing {
  std::string merchant_id;
  std::string listing_id;
};
struct PlaceOrder {
  std::string buyer_id;
  std::string id;
  std::string idempotency_key;
  v1::CreateOrderRequest request;
};
enum class OrderAction { kPay, kShip, kConfirm, kCancel };
struct ActOnOrder {
  Caller caller;
  std::string order_id;
  OrderAction action;
  std::string idempotency_key;
};
struct RefundOrder {
  std::string merchant_id;
  std::string order_id;
  std::string idempotency_key;
  v1::RefundRequest request;
};

using Command =
    std::variant<v1::CreateAccountRequest, v1::CreateTransfersRequest, PostPending, VoidPending,
                 Tick, VerifyInvariants, CreateMerchant, CreateBuyer, MakeDeposit, CreateListing,
                 UpdateListing, DelistListing, PlaceOrder, ActOnOrder, RefundOrder>;

struct Outcome {
  Outcome() = default;
  Outcome(Status s) : status(std::move(s)) {}  // NOLINT: a failure converts implicitly

  Status status;
  // True when the command was a retry of one already applied: nothing moved again and
  // the reply repeats the first one.
  bool replayed = false;
  // CreateAccountRequest.
  v1::Account account;
  // CreateTransfersRequest (one per request entry), PostPending / VoidPending (one).
  std::vector<v1::Transfer> transfers;
  // Marketplace commands: the response message (Merchant, Listing, Order, Deposit, ...).
  std::shared_ptr<const google::protobuf::Message> message;
};

}  // namespace market4::engine
