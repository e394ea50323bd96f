#include "engine/ledger.h"

#include <google/protobuf/util/time_util.h>

#include <set>

#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
using TimeUtil = google::protobuf::util::TimeUtil;
__extension__ typedef __int128 Wide;  // exact sums of int64 balances

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr char kMetaSchemaVersion[] = "schema_version";
constexpr char kMetaLastSequence[] = "last_sequence";

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsValidCurrency(std::string_view currency) {
  if (currency.size() != 3) return false;
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

Status Invalid(std::string message, std::string field) {
  return Status(Code::kInvalidArgument, std::move(message)).WithDetail("field", std::move(field));
}

// total = a + b, or kOverflow.
Status AddChecked(std::int64_t a, std::int64_t b, std::int64_t* total) {
  if (__builtin_add_overflow(a, b, total)) {
    return Status(Code::kOverflow, "amount would overflow an account balance");
  }
  return Status::Ok();
}

// Adds `amount` to one debit-side field of `account` after checking the no-overdraft flag.
Status Debit(v1::AccountRecord* account, std::int64_t amount, bool pending) {
  std::int64_t debits = 0;
  std::int64_t total = 0;
  Status s = AddChecked(account->debits_pending(), account->debits_posted(), &debits);
  if (s.ok()) s = AddChecked(debits, amount, &total);
  if (!s.ok()) return std::move(s).WithDetail("account_id", account->id());
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

// Mirror of Debit for the credit side and the credits_must_not_exceed_debits flag.
Status Credit(v1::AccountRecord* account, std::int64_t amount, bool pending) {
  std::int64_t credits = 0;
  std::int64_t total = 0;
  Status s = AddChecked(account->credits_pending(), account->credits_posted(), &credits);
  if (s.ok()) s = AddChecked(credits, amount, &total);
  if (!s.ok()) return std::move(s).WithDetail("account_id", account->id());
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

// Internal transfers (made by market commands) carry server ids with the reserved '~'.
Status ValidateNewTransfer(const v1::NewTransfer& t, bool internal) {
  if (!internal && !IsValidId(t.id())) {
    return Invalid("transfer id must be 1-64 of [A-Za-z0-9._:-]", "id");
  }
  if (!IsValidId(t.debit_account_id())) {
    return Invalid("debit_account_id is not a valid account id", "debit_account_id");
  }
  if (!IsValidId(t.credit_account_id())) {
    return Invalid("credit_account_id is not a valid account id", "credit_account_id");
  }
  if (t.debit_account_id() == t.credit_account_id()) {
    return Invalid("debit and credit accounts must differ", "credit_account_id");
  }
  if (t.amount() <= 0) return Invalid("amount must be greater than zero", "amount");
  if (t.code() == 0 || t.code() > kMaxTransferCode) {
    return Invalid("code must be between 1 and 65535", "code");
  }
  if (!t.pending() && t.timeout_seconds() != 0) {
    return Invalid("timeout_seconds applies only to pending transfers", "timeout_seconds");
  }
  if (t.timeout_seconds() > kMaxPendingTimeoutSeconds) {
    return Invalid("timeout_seconds must be at most 90 days", "timeout_seconds");
  }
  return Status::Ok();
}

bool SameTransfer(const v1::TransferRecord& r, const v1::NewTransfer& t) {
  v1::TransferKind kind = t.pending() ? v1::TRANSFER_KIND_PENDING : v1::TRANSFER_KIND_POSTED;
  return r.debit_account_id() == t.debit_account_id() &&
         r.credit_account_id() == t.credit_account_id() && r.amount() == t.amount() &&
         r.code() == t.code() && r.kind() == kind && r.timeout_seconds() == t.timeout_seconds();
}

std::int64_t ExpiresAt(const v1::TransferRecord& r) {
  if (r.kind() != v1::TRANSFER_KIND_PENDING || r.timeout_seconds() == 0) return 0;
  return r.timestamp_ns() + static_cast<std::int64_t>(r.timeout_seconds()) * kNanosPerSecond;
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

constexpr v1::TransferKind kResolutionKinds[] = {v1::TRANSFER_KIND_POST_PENDING,
                                                 v1::TRANSFER_KIND_VOID_PENDING,
                                                 v1::TRANSFER_KIND_EXPIRE_PENDING};

}  // namespace

struct Ledger::Txn {
  std::map<std::string, v1::AccountRecord> accounts;  // touched accounts, new values
  std::vector<v1::TransferRecord> records;            // new ledger entries, in order
  std::uint64_t next_sequence = 0;
};

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  for (char c : id) {
    if (!IsIdChar(c)) return false;
  }
  return true;
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
  v1::Transfer t;
  t.set_id(r.id());
  t.set_debit_account_id(r.debit_account_id());
  t.set_credit_account_id(r.credit_account_id());
  t.set_amount(r.amount());
  t.set_code(r.code());
  t.set_kind(r.kind());
  t.set_pending_id(r.pending_id());
  t.set_timeout_seconds(r.timeout_seconds());
  t.set_currency(r.currency());
  t.set_sequence(r.sequence());
  *t.mutable_timestamp() = TimeUtil::NanosecondsToTimestamp(r.timestamp_ns());
  t.set_status(status);
  if (std::int64_t expires = ExpiresAt(r); expires != 0) {
    *t.mutable_expires_at() = TimeUtil::NanosecondsToTimestamp(expires);
  }
  return t;
}

Status Ledger::Load() {
  auto version = store_->Get(Family::kMeta, kMetaSchemaVersion);
  if (!version.ok()) return version.status();
  if (!version.value()) {
    storage::Batch batch;
    batch.Put(Family::kMeta, kMetaSchemaVersion, storage::EncodeSequence(kSchemaVersion));
    if (Status s = store_->Commit(batch); !s.ok()) return s;
  } else if (storage::DecodeSequence(*version.value()) != kSchemaVersion) {
    return Status(Code::kInternal, "data directory has an unknown schema version");
  }
  auto last = store_->Get(Family::kMeta, kMetaLastSequence);
  if (!last.ok()) return last.status();
  if (last.value()) last_sequence_ = storage::DecodeSequence(*last.value()).value_or(0);

  Status parse_error;
  Status s = store_->Scan(Family::kAccounts, "", false, std::nullopt,
                          [&](std::string_view key, std::string_view value) {
                            v1::AccountRecord record;
                            if (!record.ParseFromArray(value.data(), int(value.size()))) {
                              parse_error = Status(Code::kInternal, "corrupt account record");
                              return false;
                            }
                            accounts_.emplace(std::string(key), std::move(record));
                            return true;
                          });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  s = store_->Scan(Family::kPendingOpen, "", false, std::nullopt,
                   [&](std::string_view key, std::string_view) {
                     auto value = store_->Get(Family::kTransfers, key);
                     v1::TransferRecord record;
                     if (!value.ok() || !value.value() || !record.ParseFromString(*value.value())) {
                       parse_error = Status(Code::kInternal, "open pending transfer unreadable");
                       return false;
                     }
                     Pending pending{record, ExpiresAt(record)};
                     if (pending.expires_at_ns != 0) {
                       expiries_.emplace(pending.expires_at_ns, record.id());
                     }
                     pending_.emplace(record.id(), std::move(pending));
                     return true;
                   });
  if (!s.ok()) return s;
  if (!parse_error.ok()) return parse_error;
  return CheckInvariants();
}

Outcome Ledger::Apply(const Command& command, std::int64_t now_ns, storage::Batch* batch) {
  if (auto* c = std::get_if<v1::CreateAccountRequest>(&command)) {
    return CreateAccount(*c, now_ns, batch);
  }
  if (auto* c = std::get_if<v1::CreateTransfersRequest>(&command)) {
    return CreateTransfers(*c, now_ns, batch);
  }
  if (auto* c = std::get_if<PostPending>(&command)) {
    return Resolve(c->pending_id, v1::TRANSFER_KIND_POST_PENDING, c->amount, now_ns, batch);
  }
  if (auto* c = std::get_if<VoidPending>(&command)) {
    return Resolve(c->pending_id, v1::TRANSFER_KIND_VOID_PENDING, std::nullopt, now_ns, batch);
  }
  if (std::holds_alternative<VerifyInvariants>(command)) {
    return Outcome{CheckInvariants()};
  }
  return Outcome{};  // Tick: expiries already ran for this batch.
}

Outcome Ledger::CreateAccount(const v1::CreateAccountRequest& request, std::int64_t now_ns,
                              storage::Batch* batch) {
  if (!IsValidId(request.id())) {
    return {Invalid("account id must be 1-64 of [A-Za-z0-9._:-]", "id")};
  }
  std::string currency = request.currency().empty() ? "VND" : request.currency();
  if (!IsValidCurrency(currency)) {
    return {Invalid("currency must be three upper-case letters, e.g. VND", "currency")};
  }
  if (request.debits_must_not_exceed_credits() && request.credits_must_not_exceed_debits()) {
    return {Invalid("an account takes at most one of the two balance flags",
                    "credits_must_not_exceed_debits")};
  }
  if (auto it = accounts_.find(request.id()); it != accounts_.end()) {
    const v1::AccountRecord& existing = it->second;
    bool same =
        existing.currency() == currency &&
        existing.debits_must_not_exceed_credits() == request.debits_must_not_exceed_credits() &&
        existing.credits_must_not_exceed_debits() == request.credits_must_not_exceed_debits();
    if (!same) {
      return {Status(Code::kAlreadyExists, "an account with this id exists with other fields")
                  .WithDetail("account_id", request.id())};
    }
    Outcome replay;
    replay.replayed = true;
    replay.account = AccountView(existing);
    return replay;
  }
  v1::AccountRecord record;
  record.set_version(1);
  record.set_id(request.id());
  record.set_currency(currency);
  record.set_debits_must_not_exceed_credits(request.debits_must_not_exceed_credits());
  record.set_credits_must_not_exceed_debits(request.credits_must_not_exceed_debits());
  record.set_created_at_ns(now_ns);
  Txn txn;
  txn.next_sequence = last_sequence_ + 1;
  txn.accounts.emplace(record.id(), record);
  Commit(txn, batch);
  Outcome out;
  out.account = AccountView(record);
  return out;
}

Outcome Ledger::CreateTransfers(const v1::CreateTransfersRequest& request, std::int64_t now_ns,
                                storage::Batch* batch) {
  if (request.transfers().empty()) return {Invalid("transfers must not be empty", "transfers")};
  if (static_cast<std::size_t>(request.transfers_size()) > kMaxTransfersPerRequest) {
    return {Invalid("at most 100 transfers per request", "transfers")};
  }
  std::set<std::string> ids;
  for (const auto& t : request.transfers()) {
    if (!ids.insert(t.id()).second) {
      return {Invalid("transfer ids in one request must be distinct", "id")
                  .WithDetail("transfer_id", t.id())};
    }
  }
  Outcome out;
  if (Status s = CheckReplay(request, &out); !s.ok() || out.replayed) {
    out.status = std::move(s);
    return out;
  }
  Txn txn;
  txn.next_sequence = last_sequence_ + 1;
  for (int i = 0; i < request.transfers_size(); ++i) {
    const v1::NewTransfer& t = request.transfers(i);
    if (Status s = ApplyTransfer(t, now_ns, &txn, /*internal=*/false); !s.ok()) {
      return {
          std::move(s).WithDetail("index", std::to_string(i)).WithDetail("transfer_id", t.id())};
    }
  }
  Commit(txn, batch);
  for (const auto& record : txn.records) {
    out.transfers.push_back(TransferView(record, CreationStatus(record)));
  }
  return out;
}

// A retry carries the same transfers with the same content: answer with the stored ones.
// A request mixing stored and new ids, or a stored id with new content, is a conflict.
Status Ledger::CheckReplay(const v1::CreateTransfersRequest& request, Outcome* replay) {
  std::vector<v1::TransferRecord> found;
  for (const auto& t : request.transfers()) {
    auto existing = FindTransfer(t.id());
    if (!existing.ok()) return existing.status();
    if (!existing.value()) continue;
    if (!SameTransfer(*existing.value(), t)) {
      return Status(Code::kIdempotencyConflict,
                    "a transfer with this id exists with different content")
          .WithDetail("transfer_id", t.id());
    }
    found.push_back(std::move(*existing.value()));
  }
  if (found.empty()) return Status::Ok();
  if (found.size() != static_cast<std::size_t>(request.transfers_size())) {
    return Status(Code::kIdempotencyConflict,
                  "some transfers of this request exist and others do not")
        .WithDetail("transfer_id", found.front().id());
  }
  replay->replayed = true;
  for (const auto& record : found) {
    replay->transfers.push_back(TransferView(record, CreationStatus(record)));
  }
  return Status::Ok();
}

Status Ledger::ApplyTransfer(const v1::NewTransfer& input, std::int64_t now_ns, Txn* txn,
                             bool internal) {
  if (Status s = ValidateNewTransfer(input, internal); !s.ok()) return s;
  v1::AccountRecord* debit = FindAccount(txn, input.debit_account_id());
  if (!debit) {
    return Status(Code::kNotFound, "debit account does not exist")
        .WithDetail("account_id", input.debit_account_id());
  }
  v1::AccountRecord* credit = FindAccount(txn, input.credit_account_id());
  if (!credit) {
    return Status(Code::kNotFound, "credit account does not exist")
        .WithDetail("account_id", input.credit_account_id());
  }
  if (debit->currency() != credit->currency()) {
    return Status(Code::kCurrencyMismatch, "the two accounts hold different currencies");
  }
  if (Status s = Debit(debit, input.amount(), input.pending()); !s.ok()) return s;
  if (Status s = Credit(credit, input.amount(), input.pending()); !s.ok()) return s;
  v1::TransferRecord record;
  record.set_version(1);
  record.set_sequence(txn->next_sequence++);
  record.set_id(input.id());
  record.set_debit_account_id(input.debit_account_id());
  record.set_credit_account_id(input.credit_account_id());
  record.set_amount(input.amount());
  record.set_code(input.code());
  record.set_kind(input.pending() ? v1::TRANSFER_KIND_PENDING : v1::TRANSFER_KIND_POSTED);
  record.set_timeout_seconds(input.timeout_seconds());
  record.set_currency(debit->currency());
  record.set_timestamp_ns(now_ns);
  txn->records.push_back(std::move(record));
  return Status::Ok();
}

Outcome Ledger::Resolve(const std::string& pending_id, v1::TransferKind kind,
                        std::optional<std::int64_t> amount, std::int64_t now_ns,
                        storage::Batch* batch) {
  if (!IsValidId(pending_id)) {
    return {
        Status(Code::kNotFound, "no transfer with this id").WithDetail("transfer_id", pending_id)};
  }
  if (amount && *amount <= 0) return {Invalid("amount must be greater than zero", "amount")};
  Outcome out;
  if (Status s = CheckResolutionReplay(pending_id, kind, amount, &out); !s.ok() || out.replayed) {
    out.status = std::move(s);
    return out;
  }
  auto it = pending_.find(pending_id);
  if (it == pending_.end()) {
    auto existing = FindTransfer(pending_id);
    if (!existing.ok()) return {existing.status()};
    if (!existing.value()) {
      return {Status(Code::kNotFound, "no transfer with this id")
                  .WithDetail("transfer_id", pending_id)};
    }
    return {Status(Code::kPendingNotFound, "the transfer is not pending")
                .WithDetail("transfer_id", pending_id)};
  }
  std::int64_t pending_amount = it->second.record.amount();
  std::int64_t posted = pending_amount;
  if (amount) {
    if (*amount > pending_amount) {
      return {Status(Code::kAmountExceedsPending, "amount exceeds the pending amount")
                  .WithDetail("pending_amount", std::to_string(pending_amount))};
    }
    posted = *amount;
  }
  Txn txn;
  txn.next_sequence = last_sequence_ + 1;
  Status s = ApplyResolution(it->second, kind, posted, amount.value_or(0), now_ns, &txn);
  if (!s.ok()) return {s};
  Commit(txn, batch);
  out.transfers.push_back(TransferView(txn.records.front(), v1::TRANSFER_STATUS_COMPLETED));
  return out;
}

Status Ledger::CheckResolutionReplay(const std::string& pending_id, v1::TransferKind kind,
                                     std::optional<std::int64_t> amount, Outcome* replay) {
  for (v1::TransferKind existing_kind : kResolutionKinds) {
    auto existing = FindTransfer(ResolutionId(pending_id, existing_kind));
    if (!existing.ok()) return existing.status();
    if (!existing.value()) continue;
    const v1::TransferRecord& record = *existing.value();
    bool same = existing_kind == kind && record.requested_amount() == amount.value_or(0);
    if (!same) {
      return Status(ResolvedCode(existing_kind), "the pending transfer is already resolved")
          .WithDetail("transfer_id", pending_id)
          .WithDetail("resolution_id", record.id());
    }
    replay->replayed = true;
    replay->transfers.push_back(TransferView(record, v1::TRANSFER_STATUS_COMPLETED));
    return Status::Ok();
  }
  return Status::Ok();
}

Status Ledger::ApplyResolution(const Pending& pending, v1::TransferKind kind, std::int64_t amount,
                               std::int64_t requested, std::int64_t now_ns, Txn* txn) {
  const v1::TransferRecord& p = pending.record;
  v1::AccountRecord* debit = FindAccount(txn, p.debit_account_id());
  v1::AccountRecord* credit = FindAccount(txn, p.credit_account_id());
  if (!debit || !credit || debit->debits_pending() < p.amount() ||
      credit->credits_pending() < p.amount()) {
    return Status(Code::kInternal, "pending balances do not cover a pending transfer")
        .WithDetail("transfer_id", p.id());
  }
  debit->set_debits_pending(debit->debits_pending() - p.amount());
  credit->set_credits_pending(credit->credits_pending() - p.amount());
  if (kind == v1::TRANSFER_KIND_POST_PENDING) {
    if (Status s = Debit(debit, amount, false); !s.ok()) return s;
    if (Status s = Credit(credit, amount, false); !s.ok()) return s;
  }
  v1::TransferRecord record;
  record.set_version(1);
  record.set_sequence(txn->next_sequence++);
  record.set_id(ResolutionId(p.id(), kind));
  record.set_debit_account_id(p.debit_account_id());
  record.set_credit_account_id(p.credit_account_id());
  record.set_amount(amount);
  record.set_code(p.code());
  record.set_kind(kind);
  record.set_pending_id(p.id());
  record.set_currency(p.currency());
  record.set_timestamp_ns(now_ns);
  record.set_requested_amount(requested);
  txn->records.push_back(std::move(record));
  return Status::Ok();
}

std::size_t Ledger::ExpireDue(std::int64_t now_ns, storage::Batch* batch) {
  std::size_t expired = 0;
  while (!expiries_.empty() && expiries_.begin()->first <= now_ns) {
    const Pending& pending = pending_.at(expiries_.begin()->second);
    Txn txn;
    txn.next_sequence = last_sequence_ + 1;
    Status s = ApplyResolution(pending, v1::TRANSFER_KIND_EXPIRE_PENDING, pending.record.amount(),
                               0, now_ns, &txn);
    if (!s.ok()) {
      // Voiding only releases reservations; it cannot fail on a consistent ledger.
      std::fprintf(stderr, "market4: expiry failed: %s\n", s.ToString().c_str());
      std::abort();
    }
    Commit(txn, batch);
    ++expired;
  }
  return expired;
}

void Ledger::Commit(const Txn& txn, storage::Batch* batch) {
  for (const auto& [id, account] : txn.accounts) {
    batch->Put(Family::kAccounts, id, account.SerializeAsString());
    accounts_[id] = account;
  }
  for (const auto& record : txn.records) {
    std::string sequence = storage::EncodeSequence(record.sequence());
    batch->Put(Family::kTransfers, sequence, record.SerializeAsString());
    batch->Put(Family::kTransferIds, record.id(), sequence);
    batch->Put(Family::kAccountIndex,
               storage::IndexKey(record.debit_account_id(), record.sequence()), "");
    batch->Put(Family::kAccountIndex,
               storage::IndexKey(record.credit_account_id(), record.sequence()), "");
    if (record.kind() == v1::TRANSFER_KIND_PENDING) {
      batch->Put(Family::kPendingOpen, sequence, "");
      Pending pending{record, ExpiresAt(record)};
      if (pending.expires_at_ns != 0) expiries_.emplace(pending.expires_at_ns, record.id());
      pending_.emplace(record.id(), std::move(pending));
    } else if (!record.pending_id().empty()) {
      auto it = pending_.find(record.pending_id());
      batch->Delete(Family::kPendingOpen, storage::EncodeSequence(it->second.record.sequence()));
      expiries_.erase({it->second.expires_at_ns, it->first});
      pending_.erase(it);
    }
    last_sequence_ = record.sequence();
    uncommitted_[record.id()] = record;
  }
  if (!txn.records.empty()) {
    batch->Put(Family::kMeta, kMetaLastSequence, storage::EncodeSequence(last_sequence_));
  }
}

void Ledger::OnCommitted() { uncommitted_.clear(); }

Status Ledger::OpenAccount(const std::string& id, bool no_overdraft, std::int64_t now_ns,
                           storage::Batch* batch) {
  if (accounts_.count(id)) return Status::Ok();
  v1::CreateAccountRequest request;
  request.set_id(id);
  request.set_debits_must_not_exceed_credits(no_overdraft);
  return CreateAccount(request, now_ns, batch).status;
}

Result<std::vector<v1::Transfer>> Ledger::ApplyInternal(const std::vector<LedgerOp>& ops,
                                                        std::int64_t now_ns,
                                                        storage::Batch* batch) {
  Txn txn;
  txn.next_sequence = last_sequence_ + 1;
  for (const LedgerOp& op : ops) {
    Status s;
    if (const auto* t = std::get_if<v1::NewTransfer>(&op)) {
      s = ApplyTransfer(*t, now_ns, &txn, /*internal=*/true);
    } else {
      bool post = std::holds_alternative<PostPending>(op);
      const std::string& id =
          post ? std::get<PostPending>(op).pending_id : std::get<VoidPending>(op).pending_id;
      auto it = pending_.find(id);
      if (it == pending_.end()) {
        return Status(Code::kInternal, "internal post/void of a transfer that is not pending")
            .WithDetail("transfer_id", id);
      }
      v1::TransferKind kind =
          post ? v1::TRANSFER_KIND_POST_PENDING : v1::TRANSFER_KIND_VOID_PENDING;
      s = ApplyResolution(it->second, kind, it->second.record.amount(), 0, now_ns, &txn);
    }
    if (!s.ok()) return s;
  }
  Commit(txn, batch);
  std::vector<v1::Transfer> views;
  for (const auto& record : txn.records)
    views.push_back(TransferView(record, CreationStatus(record)));
  return views;
}

const v1::AccountRecord* Ledger::FindAccount(const std::string& id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

Result<std::optional<v1::TransferRecord>> Ledger::FindTransfer(const std::string& id) const {
  if (auto it = uncommitted_.find(id); it != uncommitted_.end()) {
    return std::optional<v1::TransferRecord>(it->second);
  }
  auto sequence = store_->Get(Family::kTransferIds, id);
  if (!sequence.ok()) return sequence.status();
  if (!sequence.value()) return std::optional<v1::TransferRecord>();
  auto value = store_->Get(Family::kTransfers, *sequence.value());
  if (!value.ok()) return value.status();
  v1::TransferRecord record;
  if (!value.value() || !record.ParseFromString(*value.value())) {
    return Status(Code::kInternal, "transfer index points at a missing record");
  }
  return std::optional<v1::TransferRecord>(std::move(record));
}

v1::AccountRecord* Ledger::FindAccount(Txn* txn, const std::string& id) {
  if (auto it = txn->accounts.find(id); it != txn->accounts.end()) return &it->second;
  auto it = accounts_.find(id);
  if (it == accounts_.end()) return nullptr;
  return &txn->accounts.emplace(id, it->second).first->second;
}

Status Ledger::CheckInvariants() const {
  struct Sums {
    Wide posted = 0;
    Wide pending = 0;
  };
  std::map<std::string, Sums> sums;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> reserved;  // debit, credit
  for (const auto& [id, pending] : pending_) {
    reserved[pending.record.debit_account_id()].first += pending.record.amount();
    reserved[pending.record.credit_account_id()].second += pending.record.amount();
  }
  for (const auto& [id, a] : accounts_) {
    auto broken = [&](const char* what) {
      return Status(Code::kInternal, what).WithDetail("account_id", id);
    };
    if (a.debits_pending() < 0 || a.debits_posted() < 0 || a.credits_pending() < 0 ||
        a.credits_posted() < 0) {
      return broken("negative balance field");
    }
    if (a.debits_must_not_exceed_credits() &&
        Wide(a.debits_pending()) + a.debits_posted() > a.credits_posted()) {
      return broken("debits exceed credits on a no-overdraft account");
    }
    if (a.credits_must_not_exceed_debits() &&
        Wide(a.credits_pending()) + a.credits_posted() > a.debits_posted()) {
      return broken("credits exceed debits on a credits_must_not_exceed_debits account");
    }
    auto [debit_reserved, credit_reserved] = reserved[id];
    if (a.debits_pending() != debit_reserved || a.credits_pending() != credit_reserved) {
      return broken("pending balances differ from the open pending transfers");
    }
    sums[a.currency()].posted += Wide(a.credits_posted()) - a.debits_posted();
    sums[a.currency()].pending += Wide(a.credits_pending()) - a.debits_pending();
  }
  for (const auto& [currency, sum] : sums) {
    if (sum.posted != 0 || sum.pending != 0) {
      return Status(Code::kInternal, "ledger does not balance").WithDetail("currency", currency);
    }
  }
  return Status::Ok();
}

}  // namespace market4::engine
