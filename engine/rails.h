// Private to engine/: what the payment rails' files share (topups.cc, provider_payments.cc,
// payouts.cc, provider_events.cc, exceptions.cc). Rail records (top-ups, provider payments,
// payouts, exceptions) live in the store, not in memory; what a batch writes is staged here
// so that a later command of the same batch (the same event delivered twice at once) sees it.
// Writer thread only.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/stall.pb.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

struct Context;

// Records written by the batch being built, read back before it commits.
class StagedRecords {
 public:
  explicit StagedRecords(storage::Store* store) : store_(store) {}

  // The value at `key`: staged in this batch, else committed, else nullopt.
  Result<std::optional<std::string>> Get(storage::Family family, const std::string& key) const;
  void Put(storage::Family family, const std::string& key, std::string value,
           storage::Batch* batch);
  void OnSealed() { staged_.clear(); }
  // Records of `family` staged in this batch whose keys start with `prefix`, in key order.
  std::vector<std::pair<std::string, std::string>> StagedWithPrefix(
      storage::Family family, const std::string& prefix) const;

 private:
  storage::Store* store_;
  std::map<std::pair<storage::Family, std::string>, std::string> staged_;
};

// The record at `key` parsed as Record; nullopt if absent, kInternal if it does not parse.
template <typename Record>
Result<std::optional<Record>> ReadStaged(const StagedRecords& staged, storage::Family family,
                                         const std::string& key) {
  auto value = staged.Get(family, key);
  if (!value.ok()) return value.status();
  if (!value.value()) return std::optional<Record>();
  Record record;
  if (!record.ParseFromString(*value.value())) {
    return Status(Code::kInternal, "corrupt rail record in storage");
  }
  return std::optional<Record>(std::move(record));
}

// A rail record by id (kRails), and writing one back.
template <typename Record>
Result<std::optional<Record>> FindRail(Context& context, const std::string& id);
void PutRail(Context& context, const std::string& id, const google::protobuf::Message& record);
// Numbers a new rail record and lists it, newest first, under each owner.
void IndexRail(Context& context, const std::string& id, std::initializer_list<std::string> owners);

// Owners of rail index entries.
std::string TopUpsOwner(const std::string& buyer_id);      // a buyer's top-ups
std::string PayoutsOwner(const std::string& merchant_id);  // a merchant's payouts
inline constexpr char kAllPayoutsOwner[] = "P";            // every payout (operator)
inline constexpr char kAllExceptionsOwner[] = "X";         // every exception (operator)

// A payment code no order or payment request holds yet, derived from `seed` (the same seed
// gives the same code on every replica), now held by `order_id`, or with "" by the payment
// request of that code (kRails key kRequestPrefix + code).
std::string ClaimPaymentCode(Context& context, std::string_view seed, const std::string& order_id);
// Who holds `code`: an order id, kRequestPrefix + the code, or nullopt.
Result<std::optional<std::string>> PaymentCodeOwner(Context& context, const std::string& code);

// The provider as of this batch; nullopt if there is none.
Result<std::optional<v1::ProviderRecord>> FindProvider(Context& context, const std::string& id);
// NOT_FOUND naming the provider unless it exists.
Status RequireProvider(Context& context, const std::string& id);

// What an event came to: applied, a duplicate of what was applied before, or an exception
// with its reason (UNKNOWN_REFERENCE, AMOUNT_MISMATCH, ...).
struct EventEffect {
  v1::EventOutcome outcome = v1::APPLIED;
  std::string reason;
};
inline EventEffect Applied() { return {v1::APPLIED, ""}; }
inline EventEffect Duplicate() { return {v1::DUPLICATE, ""}; }
inline EventEffect Exceptional(std::string reason) { return {v1::EXCEPTION, std::move(reason)}; }
// A ledger refusal of an event's money (an overflow, an account at its limit) makes it an
// exception for a person; a broken ledger stops the process.
EventEffect LedgerRefused(const Status& status);

// The effect of one verified event on the record its reference names (topups.cc,
// provider_payments.cc, payouts.cc). Each leaves state untouched unless it returns APPLIED.
// Errors are the store's (the event is then not applied and the provider retries later).
Result<EventEffect> ApplyTopUpEvent(Context& context, const v1::ProviderEvent& event);
Result<EventEffect> ApplyPaymentEvent(Context& context, const v1::ProviderEvent& event);
Result<EventEffect> ApplyPayoutEvent(Context& context, const v1::ProviderEvent& event);

// Id prefixes of rail records; an event's reference must carry the one of its type.
inline constexpr char kTopUpPrefix[] = "tu_";
inline constexpr char kPaymentPrefix[] = "pi_";
inline constexpr char kPayoutPrefix[] = "po_";
inline constexpr char kExceptionPrefix[] = "ex_";
inline constexpr char kRequestPrefix[] = "rq_";  // + code: a stall payment request
inline constexpr char kStallPaymentPrefix[] = "sp_";

// A new reusable, open-amount payment request for `merchant`'s stall (stall.cc).
v1::PaymentRequest NewStallQr(Context& context, const v1::Merchant& merchant);
inline bool IsReferenceOf(const std::string& reference, const char* prefix) {
  return reference.rfind(prefix, 0) == 0;
}

// Type names of the six events.
inline constexpr char kTopUpSucceeded[] = "topup.succeeded";
inline constexpr char kTopUpFailed[] = "topup.failed";
inline constexpr char kPaymentSucceeded[] = "payment.succeeded";
inline constexpr char kPaymentFailed[] = "payment.failed";
inline constexpr char kPayoutSucceeded[] = "payout.succeeded";
inline constexpr char kPayoutFailed[] = "payout.failed";
inline constexpr char kBankCredit[] = "bank.credit";  // BANK_TRANSFER providers

// A bank transfer's credit, matched to an order by the payment code in its memo
// (bank_credits.cc).
Result<EventEffect> ApplyBankCredit(Context& context, v1::ProviderEvent& event);

}  // namespace market4::engine
