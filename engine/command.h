// Commands the engine applies, and the Answer each one produces. A command is a plain value
// built on any thread and handed to the engine's queue; its Answer comes back on the engine's
// committing thread (engine/commit.cc) once the command's effects are durable. Each command names
// its reply type
// (`Reply`) and declares `Apply`, defined in the file of its concern (orders.cc, refunds.cc,
// ...). The engine dispatches with one std::visit over `Command`, so adding a command means:
// its struct here, its Apply, and its route. Nothing else.
//
// Commands carry everything that varies (ids, token hashes, the caller) so that applying the
// same commands in the same order gives the same state (see DESIGN.md, replication).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/status.h"
#include "engine/settlement_csv.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/operations.pb.h"
#include "market4/v1/providers.pb.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/reconciliation.pb.h"
#include "market4/v1/stall.pb.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

struct Context;  // engine/context.h: what a command may touch while it is applied

// What a command produced: a failure (status), or a value, possibly the replay of the first
// answer to an earlier identical request (then nothing moved again).
template <typename T>
struct Answer {
  Answer(Status failure) : status(std::move(failure)) {}  // NOLINT: failures convert
  Answer(T reply, bool was_replayed = false) : value(std::move(reply)), replayed(was_replayed) {}
  bool ok() const { return status.ok(); }

  Status status;
  T value{};
  bool replayed = false;
};

// The reply of commands that answer only with their status.
struct NoReply {};

// Who sends a command. Operators are named ("op_..."); the admin token is the operator
// kAdminOperatorId. kNobody owns nothing; commands built in-process (tests, tools) without a
// caller are the engine's own and skip the four-eyes rule.
enum class Role { kNobody, kOperator, kMerchant, kBuyer };
struct Caller {
  Role role = Role::kNobody;
  std::string id;
};
inline constexpr char kAdminOperatorId[] = "admin";
// The admin token's caller: the only one that creates or disables operators.
inline bool IsAdmin(const Caller& caller) {
  return caller.role == Role::kOperator && caller.id == kAdminOperatorId;
}
// "merchant", "buyer", "operator", "nobody".
const char* RoleName(Role role);

// --- Ledger (operator) ---
struct CreateAccount {
  using Reply = v1::Account;
  v1::CreateAccountRequest request;
  Answer<Reply> Apply(Context& context) const;
};
// From an operator, transfers touching a marketplace account (IsMarketplaceAccount) are held
// for a second operator: the reply then carries `approval` (approval_id, chosen by the
// gateway) and nothing moves yet (approvals.cc).
struct CreateTransfers {
  using Reply = v1::CreateTransfersResponse;
  v1::CreateTransfersRequest request;
  Caller caller = {};
  std::string approval_id = {};
  Answer<Reply> Apply(Context& context) const;
};
// An operator posts or voids a pending transfer; held for a second operator like
// CreateTransfers when it touches a marketplace account. The reply holds the resolution
// entry, or the approval (approvals.cc).
struct ResolvePending {
  using Reply = v1::CreateTransfersResponse;
  Caller caller;
  std::string pending_id;
  bool post = true;  // false: void
  // Post only: the amount; nullopt posts the full pending amount.
  std::optional<std::int64_t> amount;
  std::string approval_id;
  Answer<Reply> Apply(Context& context) const;
};
// A second operator applies (or rejects) a held correction, once.
struct DecideApproval {
  using Reply = v1::Approval;
  Caller caller;
  std::string approval_id;
  bool approve = true;
  Answer<Reply> Apply(Context& context) const;
};
struct PostPending {
  using Reply = v1::Transfer;  // the resolution entry
  std::string pending_id;
  // Amount to post; nullopt posts the full pending amount.
  std::optional<std::int64_t> amount;
  Answer<Reply> Apply(Context& context) const;
};
struct VoidPending {
  using Reply = v1::Transfer;
  std::string pending_id;
  Answer<Reply> Apply(Context& context) const;
};
// Runs due timers and does nothing else; lets tests apply a clock change.
struct Tick {
  using Reply = NoReply;
  Answer<Reply> Apply(Context& context) const;
};
// Checks the ledger's invariants on the writer thread.
struct VerifyInvariants {
  using Reply = NoReply;
  Answer<Reply> Apply(Context& context) const;
};

// --- Principals (principals.cc). Ids and token hashes are chosen by the gateway. ---
// With an idempotency key, a retry (same caller, key and request) gets the first answer and
// creates nothing; the gateway derives the id and token from the key, so they match too.
struct CreateMerchant {
  using Reply = v1::Merchant;
  std::string id;
  std::string token_hash;
  v1::CreateMerchantRequest request;
  Caller caller = {};  // the onboarding operator, recorded as onboarded_by
  std::string idempotency_key = {};
  Answer<Reply> Apply(Context& context) const;
};
struct CreateBuyer {
  using Reply = v1::Buyer;
  std::string id;
  std::string token_hash;
  v1::CreateBuyerRequest request;
  std::string idempotency_key = {};  // registrations are public: the key alone is the scope
  Answer<Reply> Apply(Context& context) const;
};

// --- Tokens (tokens.cc). New token hashes are chosen by the gateway. ---
// A merchant, buyer or named operator replaces its own token (`old_token_hash`, the one it
// authenticated with). The old token is retired: it authenticates nothing but the retry of
// this rotation, which gets the first answer (idempotency key required).
struct RotateToken {
  using Reply = v1::IssuedToken;  // without the token, which only the gateway knows
  Caller caller;
  std::string old_token_hash;
  std::string new_token_hash;
  std::string idempotency_key;
  Answer<Reply> Apply(Context& context) const;
};
// An operator revokes a merchant's or buyer's current token and issues a new one
// (idempotency key required).
struct ReissueToken {
  using Reply = v1::IssuedToken;
  Caller caller;
  Role role = Role::kNobody;  // kMerchant or kBuyer
  std::string principal_id;
  std::string new_token_hash;
  std::string idempotency_key;
  Answer<Reply> Apply(Context& context) const;
};

// --- Operators (operators.cc): created and disabled by the admin token only ---
struct CreateOperator {
  using Reply = v1::Operator;
  Caller caller;
  std::string id;  // op_..., chosen by the gateway
  std::string token_hash;
  v1::CreateOperatorRequest request;
  Answer<Reply> Apply(Context& context) const;
};
struct DisableOperator {
  using Reply = v1::Operator;
  Caller caller;
  std::string operator_id;
  Answer<Reply> Apply(Context& context) const;
};

// --- Business days (days.cc): the daily close, maker and checker ---
// Closes local day `day` (days since 1970-01-01 in the market's time): stores its report,
// fixed from then on, awaiting a second operator.
struct CloseDay {
  using Reply = v1::DayClose;
  Caller caller;
  std::int64_t day = 0;
  Answer<Reply> Apply(Context& context) const;
};
struct ApproveDay {
  using Reply = v1::DayClose;
  Caller caller;
  std::int64_t day = 0;
  Answer<Reply> Apply(Context& context) const;
};

// --- Money in (deposits.cc) ---
struct MakeDeposit {
  using Reply = v1::Deposit;
  Caller caller;  // the operator at the desk
  std::string buyer_id;
  std::string idempotency_key;  // required
  v1::DepositRequest request;
  Answer<Reply> Apply(Context& context) const;
};

// --- Payment providers (providers.cc) ---
struct CreateProvider {
  using Reply = v1::Provider;
  v1::CreateProviderRequest request;
  Answer<Reply> Apply(Context& context) const;
};
// Replaces a provider's secrets (a rotation keeps the old one beside the new for a while).
struct UpdateProviderSecrets {
  using Reply = v1::Provider;
  std::string provider_id;
  v1::UpdateProviderRequest request;
  Answer<Reply> Apply(Context& context) const;
};

// --- Listings (listings.cc) ---
struct CreateListing {
  using Reply = v1::Listing;
  std::string merchant_id;
  std::string id;
  v1::CreateListingRequest request;
  std::string idempotency_key = {};  // as CreateMerchant's
  Answer<Reply> Apply(Context& context) const;
};
struct UpdateListing {
  using Reply = v1::Listing;
  std::string merchant_id;
  std::string listing_id;
  v1::UpdateListingRequest request;
  Answer<Reply> Apply(Context& context) const;
};
struct DelistListing {
  using Reply = v1::Listing;
  std::string merchant_id;
  std::string listing_id;
  Answer<Reply> Apply(Context& context) const;
};

// --- Orders (orders.cc, the state machine) ---
struct PlaceOrder {
  using Reply = v1::Order;
  std::string buyer_id;
  std::string id;
  std::string idempotency_key;  // required
  v1::CreateOrderRequest request;
  Answer<Reply> Apply(Context& context) const;
};
enum class OrderAction { kPay, kShip, kConfirm, kCancel };
const char* ActionName(OrderAction action);  // "pay", "ship", ...
struct ActOnOrder {
  using Reply = v1::Order;
  Caller caller;
  std::string order_id;
  OrderAction action;
  std::string idempotency_key;  // optional: with one, a retry gets the first answer
  // Pay only: through this provider instead of the wallet, as payment `payment_id`.
  std::string provider;
  std::string payment_id;
  Answer<Reply> Apply(Context& context) const;
};

// --- Refunds (refunds.cc) ---
struct RefundOrder {
  using Reply = v1::Order;
  std::string merchant_id;
  std::string order_id;
  std::string idempotency_key;  // required
  v1::RefundRequest request;
  Answer<Reply> Apply(Context& context) const;
};

// --- Payment rails (topups.cc, payouts.cc, provider_events.cc, exceptions.cc) ---
// A buyer asks a provider to fund the wallet; the provider's event settles it.
struct RequestTopUp {
  using Reply = v1::TopUp;
  std::string buyer_id;
  std::string id;               // tu_..., chosen by the gateway
  std::string idempotency_key;  // required
  v1::TopUpRequest request;
  Answer<Reply> Apply(Context& context) const;
};
// A merchant withdraws from `available` through a provider.
struct RequestPayout {
  using Reply = v1::Payout;
  std::string merchant_id;
  std::string id;               // po_..., chosen by the gateway
  std::string idempotency_key;  // required
  v1::PayoutRequest request;
  Answer<Reply> Apply(Context& context) const;
};
// A provider event whose signature the gateway verified: `event` holds what it says and how it
// was verified (id, provider, type, reference, amount, raw content...). Applied at most once
// per delivery id and per provider transaction; stored in any case.
struct ReceiveProviderEvent {
  using Reply = v1::ProviderEvent;  // as stored, with its outcome
  v1::ProviderEvent event;
  std::string exception_id;  // ex_..., used if the event becomes an exception
  Answer<Reply> Apply(Context& context) const;
};
// An operator settles an exception, once.
struct ResolveException {
  using Reply = v1::ProviderException;
  std::string exception_id;
  v1::ResolveExceptionRequest request;
  Caller caller = {};  // the operator, recorded as resolved_by
  Answer<Reply> Apply(Context& context) const;
};

// --- The market stall (stall.cc) ---
// A merchant asks to be paid at the stall; the buyer scans its code.
struct CreatePaymentRequest {
  using Reply = v1::PaymentRequest;
  std::string merchant_id;
  // Random, or under an idempotency key minted from it, chosen by the gateway; the request's
  // code is derived from it.
  std::string seed;
  v1::CreatePaymentRequestRequest request;
  // Optional: with one, a retry (same merchant, key and request) gets the first answer and
  // opens no second QR.
  std::string idempotency_key = {};
  Answer<Reply> Apply(Context& context) const;
};
// A buyer pays a payment request from the wallet: wallet -> merchant's available, less the
// commission, at once (the goods change hands at the stall).
struct PayPaymentRequest {
  using Reply = v1::StallPayment;
  std::string buyer_id;
  std::string code;
  std::string payment_id;       // sp_..., chosen by the gateway
  std::string idempotency_key;  // required
  v1::PayPaymentRequestRequest request;
  Answer<Reply> Apply(Context& context) const;
};
// The merchant gives back part or all of a stall payment.
struct RefundStallPayment {
  using Reply = v1::StallPayment;
  std::string merchant_id;
  std::string payment_id;
  std::string idempotency_key;  // required
  v1::StallRefundRequest request;
  Answer<Reply> Apply(Context& context) const;
};

// --- Settlement reconciliation (reconciliation.cc) ---
// An operator compares a provider's settlement file for one local business day, read by the
// gateway (settlement_csv.h), with the provider's money-moving transactions the ledger applied
// that day (settlement_index.h). The report is stored in the same batch and never changes;
// the same provider and day again make a new report. Moves no money.
struct ReconcileSettlement {
  using Reply = v1::Reconciliation;
  Caller caller;   // an operator
  std::string id;  // rc_..., chosen by the gateway
  std::string provider_id;
  std::string date;             // YYYY-MM-DD
  std::string idempotency_key;  // optional: with one, the same file again gets the first report
  std::string file_sha256;      // hex, of the file as uploaded: what "the same file" means
  SettlementFile file;
  Answer<Reply> Apply(Context& context) const;
};

using Command =
    std::variant<CreateAccount, CreateTransfers, PostPending, VoidPending, Tick, VerifyInvariants,
                 CreateMerchant, CreateBuyer, MakeDeposit, CreateListing, UpdateListing,
                 DelistListing, PlaceOrder, ActOnOrder, RefundOrder, CreateProvider,
                 UpdateProviderSecrets, RequestTopUp, RequestPayout, ReceiveProviderEvent,
                 ResolveException, CreatePaymentRequest, PayPaymentRequest, RefundStallPayment,
                 CreateOperator, DisableOperator, ResolvePending, DecideApproval, CloseDay,
                 ApproveDay, ReconcileSettlement, RotateToken, ReissueToken>;

template <typename C>
using ReplyOf = typename C::Reply;

// Position of command type C in Command; a compile error if C is not a command.
template <typename C, typename Variant = Command>
struct CommandIndex;
template <typename C, typename... Cs>
struct CommandIndex<C, std::variant<Cs...>> {
  static constexpr std::size_t Find() {
    constexpr bool matches[] = {std::is_same_v<C, Cs>...};
    for (std::size_t i = 0; i < sizeof...(Cs); ++i) {
      if (matches[i]) return i;
    }
    return sizeof...(Cs);
  }
  static constexpr std::size_t value = Find();
  static_assert(value < sizeof...(Cs), "not a market4 command");
};

// One answer of any command, at the same index as its command in Command.
template <typename Variant>
struct AnswersOf;
template <typename... Cs>
struct AnswersOf<std::variant<Cs...>> {
  using type = std::variant<Answer<ReplyOf<Cs>>...>;
};
using AnyAnswer = AnswersOf<Command>::type;

// The status of any command's answer.
inline const Status& StatusOf(const AnyAnswer& answer) {
  return std::visit([](const auto& a) -> const Status& { return a.status; }, answer);
}
// A failed answer of the right type for `command`.
AnyAnswer FailedAnswer(const Command& command, const Status& status);

}  // namespace market4::engine
