#include "engine/ledger_rules.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>

#include "common/money.h"

namespace market4::engine {
namespace {

using TimeUtil = google::protobuf::util::TimeUtil;

constexpr std::int64_t kNanosPerSec = 1'000'000'000;

// One table lookup per byte: ids are checked on every transfer.
constexpr std::array<bool, 256> kIdChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == ':' || c == '-';
  }
  return table;
}();

bool IsIdChar(char c) { return kIdChars[static_cast<unsigned char>(c)]; }

Status FieldError(std::string message, std::string field) {
  return Status(Code::kInvalidArgument, std::move(message)).WithDetail("field", std::move(field));
}

// total = a + b + c, or kOverflow naming the account.
Status SumChecked(const v1::AccountRecord& account, std::int64_t a, std::int64_t b, std::int64_t c,
                  std::int64_t* total) {
  std::int64_t partial = 0;
  if (__builtin_add_overflow(a, b, &partial) || __builtin_add_overflow(partial, c, total)) {
    return Status(Code::kOverflow, "amount would overflow an account balance")
        .WithDetail("account_id", account.id());
  }
  return Status::Ok();
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), IsIdChar);
}

Status ValidateNewTransfer(const v1::NewTransfer& t, bool internal) {
  if (!internal && !IsValidId(t.id())) {
    return FieldError(
        "transfer id must be 1-" + std::to_string(kMaxIdBytes) + " of [A-Za-z0-9._:-]", "id");
  }
  if (!IsValidId(t.debit_account_id())) {
    return FieldError("debit_account_id is not a valid account id", "debit_account_id");
  }
  if (!IsValidId(t.credit_account_id())) {
    return FieldError("credit_account_id is not a valid account id", "credit_account_id");
  }
  if (t.debit_account_id() == t.credit_account_id()) {
    return FieldError("debit and credit accounts must differ", "credit_account_id");
  }
  if (t.amount() <= 0) return FieldError("amount must be greater than zero", "amount");
  if (t.code() == 0 || t.code() > kMaxTransferCode) {
    return FieldError("code must be between 1 and " + std::to_string(kMaxTransferCode), "code");
  }
  if (!t.pending() && t.timeout_seconds() != 0) {
    return FieldError("timeout_seconds applies only to pending transfers", "timeout_seconds");
  }
  if (t.timeout_seconds() > static_cast<std::uint64_t>(kMaxPendingTimeout.count())) {
    return FieldError(
        "timeout_seconds must be at most " + std::to_string(kMaxPendingTimeout.count()),
        "timeout_seconds");
  }
  return Status::Ok();
}

bool SameTransfer(const v1::TransferRecord& r, const v1::NewTransfer& t) {
  v1::TransferKind kind = t.pending() ? v1::TRANSFER_KIND_PENDING : v1::TRANSFER_KIND_POSTED;
  return r.debit_account_id() == t.debit_account_id() &&
         r.credit_account_id() == t.credit_account_id() && r.amount() == t.amount() &&
         r.code() == t.code() && r.kind() == kind && r.timeout_seconds() == t.timeout_seconds();
}

Status Debit(v1::AccountRecord* account, std::int64_t amount, bool pending) {
  std::int64_t total = 0;
  Status s =
      SumChecked(*account, account->debits_pending(), account->debits_posted(), amount, &total);
  if (!s.ok()) return s;
  if (account->debits_must_not_exceed_credits() && total > account->credits_posted()) {
    return Status(Code::kInsufficientFunds, "debit would exceed the account's credits")
        .WithDetail("account_id", account->id());
  }
  if (pending) {
    account->set_debits_pending(account->debits_pending() + amount);
  } else {
    account->set_debits_posted(account->debits_posted() + amount);
  }
  return Status::Ok();
}

Status Credit(v1::AccountRecord* account, std::int64_t amount, bool pending) {
  std::int64_t total = 0;
  Status s =
      SumChecked(*account, account->credits_pending(), account->credits_posted(), amount, &total);
  if (!s.ok()) return s;
  if (account->credits_must_not_exceed_debits() && total > account->debits_posted()) {
    return Status(Code::kExceedsDebits, "credit would exceed the account's debits")
        .WithDetail("account_id", account->id());
  }
  if (pending) {
    account->set_credits_pending(account->credits_pending() + amount);
  } else {
    account->set_credits_posted(account->credits_posted() + amount);
  }
  return Status::Ok();
}

std::int64_t ExpiresAt(const v1::TransferRecord& r) {
  if (r.kind() != v1::TRANSFER_KIND_PENDING || r.timeout_seconds() == 0) return 0;
  return r.timestamp_ns() + static_cast<std::int64_t>(r.timeout_seconds()) * kNanosPerSec;
}

std::string ResolutionId(std::string_view pending_id, v1::TransferKind kind) {
  std::string id(pending_id);
  switch (kind) {
    case v1::TRANSFER_KIND_POST_PENDING:
      return id + "~post";
    case v1::TRANSFER_KIND_VOID_PENDING:
      return id + "~void";
    default:
      return id + "~expire";
  }
}

Code ResolvedCode(v1::TransferKind kind) {
  switch (kind) {
    case v1::TRANSFER_KIND_POST_PENDING:
      return Code::kPendingAlreadyPosted;
    case v1::TRANSFER_KIND_VOID_PENDING:
      return Code::kPendingAlreadyVoided;
    default:
      return Code::kPendingExpired;
  }
}

v1::TransferStatus CreationStatus(const v1::TransferRecord& record) {
  return record.kind() == v1::TRANSFER_KIND_PENDING ? v1::TRANSFER_STATUS_PENDING
                                                    : v1::TRANSFER_STATUS_COMPLETED;
}

v1::Account AccountView(const v1::AccountRecord& r) {
  v1::Account a;
  a.set_id(r.id());
  a.set_currency(r.currency());
  a.set_debits_must_not_exceed_credits(r.debits_must_not_exceed_credits());
  a.set_credits_must_not_exceed_debits(r.credits_must_not_exceed_debits());
  a.set_debits_pending(r.debits_pending());
  a.set_debits_posted(r.debits_posted());
  a.set_credits_pending(r.credits_pending());
  a.set_credits_posted(r.credits_posted());
  Wide available = r.credits_must_not_exceed_debits()
                       ? Wide(r.debits_posted()) - r.credits_posted() - r.credits_pending()
                       : Wide(r.credits_posted()) - r.debits_posted() - r.debits_pending();
  available = std::max<Wide>(available, INT64_MIN);
  available = std::min<Wide>(available, INT64_MAX);
  a.set_available(static_cast<std::int64_t>(available));
  *a.mutable_created_at() = TimeUtil::NanosecondsToTimestamp(r.created_at_ns());
  return a;
}

v1::Transfer TransferView(const v1::TransferRecord& r, v1::TransferStatus status) {
  v1::Transfer t;  // empty strings stay unset: protobuf 3.21 allocates even an empty one
  t.set_id(r.id());
  t.set_debit_account_id(r.debit_account_id());
  t.set_credit_account_id(r.credit_account_id());
  t.set_amount(r.amount());
  t.set_code(r.code());
  t.set_kind(r.kind());
  if (!r.pending_id().empty()) t.set_pending_id(r.pending_id());
  t.set_timeout_seconds(r.timeout_seconds());
  t.set_currency(r.currency());
  if (!r.entered_by().empty()) t.set_entered_by(r.entered_by());
  if (!r.approved_by().empty()) t.set_approved_by(r.approved_by());
  t.set_sequence(r.sequence());
  *t.mutable_timestamp() = TimeUtil::NanosecondsToTimestamp(r.timestamp_ns());
  t.set_status(status);
  if (std::int64_t expires = ExpiresAt(r); expires != 0) {
    *t.mutable_expires_at() = TimeUtil::NanosecondsToTimestamp(expires);
  }
  return t;
}

}  // namespace market4::engine
