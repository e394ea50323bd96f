// The marketplace's state as a whole: loading it at start, and the helpers every command
// file shares. The commands themselves live in one file per concern.
#include "engine/market.h"

#include <google/protobuf/util/time_util.h>

#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/listing_index.h"
#include "engine/records.h"
#include "engine/settlement_index.h"
#include "engine/tokens.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
using TimeUtil = google::protobuf::util::TimeUtil;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

template <typename Record>
Status LoadAll(storage::Store& store, Family family, std::map<std::string, Record>* into) {
  return ScanRecords<Record>(store, family, std::nullopt,
                             [into](std::string_view key, const Record& record) {
                               into->emplace(std::string(key), record);
                               return true;
                             });
}

Status CountOpenExceptions(storage::Store& store, std::int64_t* open) {
  Status problem;
  auto count = [&](std::string_view, std::string_view value) {
    v1::ProviderException exception;
    if (!exception.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      problem = Status(Code::kInternal, "corrupt exception record");
      return false;
    }
    if (exception.status() == v1::OPEN) ++*open;
    return true;
  };
  Status s = store.Scan(Family::kRails, kExceptionPrefix, false, std::nullopt, count);
  return s.ok() ? problem : s;
}

Status LoadNumber(storage::Store& store, const char* key, std::uint64_t* number) {
  auto stored = store.Get(Family::kMeta, key);
  if (!stored.ok()) return stored.status();
  if (stored.value()) {
    auto decoded = storage::DecodeSequence(*stored.value());
    if (!decoded) return Status(Code::kInternal, std::string("corrupt ") + key);
    *number = *decoded;
  }
  return Status::Ok();
}

}  // namespace

std::string WalletAccount(const std::string& buyer_id) { return buyer_id + ".wallet"; }
std::string AvailableAccount(const std::string& merchant_id) { return merchant_id + ".available"; }
std::string EscrowAccount(const std::string& merchant_id) { return merchant_id + ".escrow"; }
std::string ProviderAccount(const std::string& provider_id) { return "provider." + provider_id; }

const char* RoleName(Role role) {
  switch (role) {
    case Role::kMerchant:
      return "merchant";
    case Role::kBuyer:
      return "buyer";
    case Role::kOperator:
      return "operator";
    case Role::kNobody:
      break;
  }
  return "nobody";
}

Status Market::Load(storage::Store& store, Ledger& ledger, std::int64_t now_ns,
                    storage::Batch* batch) {
  for (Status s :
       {LoadAll(store, Family::kMerchants, &merchants), LoadAll(store, Family::kBuyers, &buyers),
        LoadAll(store, Family::kListings, &listings), orders.Load()}) {
    if (!s.ok()) return s;
  }
  for (const auto& [id, order] : orders.in_memory()) {
    // While a payment through a provider is pending the order waits for it.
    if (order.status() == v1::PENDING_PAYMENT && order.payment().status() != v1::PENDING) {
      timers.Schedule(Timer::kPayDeadline, id, Nanos(order.pay_by()));
    } else if (order.status() == v1::SHIPPED) {
      timers.Schedule(Timer::kAutoConfirm, id, Nanos(order.auto_confirm_at()));
    }
  }
  if (Status s = LoadNumber(store, kMetaRailNumber, &rail_number); !s.ok()) return s;
  if (Status s = CountOpenExceptions(store, &open_exceptions); !s.ok()) return s;
  if (Status s = LoadNumber(store, kMetaMerchantEventNumber, &merchant_event_number); !s.ok()) {
    return s;
  }
  if (Status s = idempotency.UpgradeRecords(batch); !s.ok()) return s;
  if (Status s = BackfillSettlementIndex(store, batch); !s.ok()) return s;
  if (Status s = BackfillListingIndex(store, batch); !s.ok()) return s;
  if (Status s = orders.BackfillStatusIndex(batch); !s.ok()) return s;
  if (Status s = BackfillTokenOwners(store, batch); !s.ok()) return s;
  GiveStallCodes(store, ledger, now_ns, batch);
  if (Status s = ledger.OpenAccount(kFeesAccount, true, now_ns); !s.ok()) return s;
  return ledger.OpenAccount(kCashDeskAccount, false, now_ns);
}

// Merchants onboarded before stall QR codes existed get theirs, once.
void Market::GiveStallCodes(storage::Store& store, Ledger& ledger, std::int64_t now_ns,
                            storage::Batch* batch) {
  Context context{now_ns, *batch, store, ledger, *this};
  for (auto& [id, merchant] : merchants) {
    if (!merchant.stall_code().empty()) continue;
    merchant.set_stall_code(NewStallQr(context, merchant).code());
    batch->Put(Family::kMerchants, id, merchant.SerializeAsString());
  }
}

void Market::OnSealed() {
  idempotency.OnSealed();
  orders.OnSealed();
  staged.OnSealed();
  published.clear();
}

Status NotFound(const std::string& what, const std::string& id) {
  return Status(Code::kNotFound, "no " + what + " with this id").WithDetail(what + "_id", id);
}

Status InvalidField(const std::string& message, const std::string& field) {
  return Status(Code::kInvalidArgument, message).WithDetail("field", field);
}

Status KeyRequired() {
  return InvalidField("an Idempotency-Key header is required", "Idempotency-Key");
}

google::protobuf::Timestamp At(std::int64_t ns) { return TimeUtil::NanosecondsToTimestamp(ns); }
std::int64_t Nanos(const google::protobuf::Timestamp& at) {
  return TimeUtil::TimestampToNanoseconds(at);
}
std::int64_t Nanos(std::chrono::seconds duration) { return duration.count() * kNanosPerSecond; }

std::string CallerScope(const Caller& caller) {
  // The admin token keeps the scope it had before operators were named ("operator:"), so a
  // retry across that upgrade still finds its first answer.
  if (IsAdmin(caller)) return "operator:";
  return std::string(RoleName(caller.role)) + ":" + caller.id;
}

const char* CodeName(std::uint32_t code) {
  switch (code) {
    case kCodeDeposit:
      return "deposit";
    case kCodeTopUp:
      return "topup";
    case kCodeProviderPayment:
      return "provider_payment";
    case kCodeExceptionCredit:
      return "exception_credit";
    case kCodeBankTransfer:
      return "bank_transfer";
    case kCodeOrderPayment:
      return "order_payment";
    case kCodeOrderSettlement:
      return "order_settlement";
    case kCodeCommission:
      return "commission";
    case kCodeRefund:
      return "refund";
    case kCodeStallRefund:
      return "stall_refund";
    case kCodePayout:
      return "payout";
    case kCodeStallPayment:
      return "stall_payment";
    case kCodeStallCommission:
      return "stall_commission";
    default:
      return kOtherCodeName;
  }
}

bool IsMarketplaceAccount(const std::string& id) {
  auto ends_with = [&id](std::string_view suffix) {
    return id.size() > suffix.size() &&
           id.compare(id.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
  };
  return id == kFeesAccount || id.rfind("provider.", 0) == 0 || ends_with(".wallet") ||
         ends_with(".available") || ends_with(".escrow");
}

v1::NewTransfer MarketTransfer(std::string id, std::string debit, std::string credit,
                               std::int64_t amount, std::uint32_t code, bool pending) {
  v1::NewTransfer t;
  t.set_id(std::move(id));
  t.set_debit_account_id(std::move(debit));
  t.set_credit_account_id(std::move(credit));
  t.set_amount(amount);
  t.set_code(code);
  t.set_pending(pending);
  return t;
}

void PutListing(Context& context, const v1::Listing& listing) {
  context.batch.Put(Family::kListings, listing.id(), listing.SerializeAsString());
  auto [it, added] = context.market.listings.try_emplace(listing.id(), listing);
  IndexListing(added ? nullptr : &it->second, listing, &context.batch);
  if (!added) it->second = listing;
}

// Ledgers from before the listing index get their entries once, from the listings in memory.
Status Market::BackfillListingIndex(storage::Store& store, storage::Batch* batch) {
  auto done = store.Get(Family::kMeta, kMetaListingIndexVersion);
  if (!done.ok()) return done.status();
  if (done.value()) return Status::Ok();
  for (const auto& [id, listing] : listings) IndexListing(nullptr, listing, batch);
  batch->Put(Family::kMeta, kMetaListingIndexVersion, storage::EncodeSequence(1));
  return Status::Ok();
}

}  // namespace market4::engine
