#include "engine/ledger.h"

#include <algorithm>

#include "common/assert.h"
#include "common/money.h"
#include "engine/chain.h"
#include "engine/context.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

constexpr char kMetaSchemaVersion[] = "schema_version";
constexpr char kMetaLastSequence[] = "last_sequence";
constexpr char kMetaChainHead[] = "chain_head";

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

Status ValidateNewAccount(const v1::CreateAccountRequest& request, const std::string& currency) {
  if (!IsValidId(request.id())) {
    return Invalid("account id must be 1-" + std::to_string(kMaxIdBytes) + " of [A-Za-z0-9._:-]",
                   "id");
  }
  if (!IsValidCurrency(currency)) {
    return Invalid("currency must be three upper-case letters, e.g. VND", "currency");
  }
  if (request.debits_must_not_exceed_credits() && request.credits_must_not_exceed_debits()) {
    return Invalid("an account takes at most one of the two balance flags",
                   "credits_must_not_exceed_debits");
  }
  return Status::Ok();
}

}  // namespace

Answer<v1::Account> CreateAccount::Apply(Context& context) const {
  return context.ledger.CreateAccount(request, context.now);
}

Status Ledger::Load() {
  auto version = store_->Get(Family::kMeta, kMetaSchemaVersion);
  if (!version.ok()) return version.status();
  std::optional<std::uint64_t> stored;
  if (version.value()) {
    stored = storage::DecodeSequence(*version.value());
    if (!stored || *stored < kOldestUpgradableSchema || *stored > kSchemaVersion) {
      return Status(Code::kInternal, "data directory has an unknown schema version");
    }
  }
  if (stored != kSchemaVersion) {
    storage::Batch batch;
    batch.Put(Family::kMeta, kMetaSchemaVersion, storage::EncodeSequence(kSchemaVersion));
    if (Status s = store_->Commit(batch); !s.ok()) return s;
  }
  auto last = store_->Get(Family::kMeta, kMetaLastSequence);
  if (!last.ok()) return last.status();
  if (last.value()) last_sequence_ = storage::DecodeSequence(*last.value()).value_or(0);
  if (Status s = LoadChain(); !s.ok()) return s;
  if (last_sequence_ != 0) {
    auto last_entry = ReadRecord<v1::TransferRecord>(*store_, Family::kTransfers,
                                                     storage::EncodeSequence(last_sequence_));
    if (!last_entry.ok()) return last_entry.status();
    if (last_entry.value()) last_timestamp_ns_ = last_entry.value()->timestamp_ns();
  }
  if (Status s = LoadAccounts(); !s.ok()) return s;
  if (Status s = LoadChangeLogs(); !s.ok()) return s;
  if (Status s = LoadPending(); !s.ok()) return s;
  return CheckInvariants();
}

// The chain head; a ledger written before entries were chained gets its chain now, computed
// over the entries as they are (the entries themselves are not rewritten).
Status Ledger::LoadChain() {
  auto head = store_->Get(Family::kMeta, kMetaChainHead);
  if (!head.ok()) return head.status();
  if (head.value()) {
    if (head.value()->size() != ChainGenesis().size()) {
      return Status(Code::kInternal, "stored chain head is malformed");
    }
    chain_head_ = *head.value();
    return Status::Ok();
  }
  storage::Batch batch;
  std::string hash = ChainGenesis();
  std::uint64_t expected = 1;
  Status s = ScanRecords<v1::TransferRecord>(
      *store_, Family::kTransfers, std::nullopt,
      [&](std::string_view key, const v1::TransferRecord& record) {
        if (record.sequence() != expected || key != storage::EncodeSequence(expected)) return false;
        hash = ChainHash(hash, record);
        batch.Put(Family::kChain, key, hash);
        ++expected;
        return true;
      });
  if (!s.ok()) return s;
  if (expected != last_sequence_ + 1) {
    return Status(Code::kInternal, "ledger entries are out of sequence; cannot chain them")
        .WithDetail("sequence", std::to_string(expected));
  }
  batch.Put(Family::kMeta, kMetaChainHead, hash);
  chain_head_ = hash;
  return store_->Commit(batch);
}

// Sized from RocksDB's estimate first: rehashing a million accounts as they load took a
// third of a restart. The estimate may count old versions; the cap bounds what a wrong one
// could reserve (16 M buckets, 128 MiB).
Status Ledger::LoadAccounts() {
  constexpr std::uint64_t kMostReserved = std::uint64_t{1} << 24;
  accounts_.reserve(std::min(store_->EstimatedKeys(Family::kAccounts), kMostReserved));
  return ScanRecords<v1::AccountRecord>(*store_, Family::kAccounts, std::nullopt,
                                        [this](std::string_view key, const v1::AccountRecord& a) {
                                          accounts_.emplace(std::string(key), a);
                                          return true;
                                        });
}

// The balances logged since each account was last written, oldest first, and the window
// they belong to, so that their accounts and index keys are written out in turn.
Status Ledger::LoadChangeLogs() {
  auto find = [this](std::string_view id) -> v1::AccountRecord* {
    auto it = accounts_.find(std::string(id));
    return it == accounts_.end() ? nullptr : &it->second;
  };
  Status problem;
  Status s = ScanChangeLogs(*store_, false, [&](std::string_view key, const ChangeLog& log) {
    problem = window_.Restore(key, log, find);
    return problem.ok();
  });
  return s.ok() ? problem : s;
}

Status Ledger::LoadPending() {
  Status parse_error;
  Status s = store_->Scan(
      Family::kPendingOpen, "", false, std::nullopt, [&](std::string_view key, std::string_view) {
        auto value = store_->Get(Family::kTransfers, key);
        v1::TransferRecord record;
        if (!value.ok() || !value.value() || !record.ParseFromString(*value.value())) {
          parse_error = Status(Code::kInternal, "open pending transfer unreadable");
          return false;
        }
        Pending pending{record, ExpiresAt(record)};
        if (pending.expires_at_ns != 0) expiries_.emplace(pending.expires_at_ns, record.id());
        pending_.emplace(record.id(), std::move(pending));
        return true;
      });
  return s.ok() ? parse_error : s;
}

Answer<v1::Account> Ledger::CreateAccount(const v1::CreateAccountRequest& request,
                                          std::int64_t now_ns) {
  std::string currency = request.currency().empty() ? "VND" : request.currency();
  if (Status s = ValidateNewAccount(request, currency); !s.ok()) return s;
  if (auto it = accounts_.find(request.id()); it != accounts_.end()) {
    const v1::AccountRecord& existing = it->second;
    bool same =
        existing.currency() == currency &&
        existing.debits_must_not_exceed_credits() == request.debits_must_not_exceed_credits() &&
        existing.credits_must_not_exceed_debits() == request.credits_must_not_exceed_debits();
    if (!same) {
      return Status(Code::kAlreadyExists, "an account with this id exists with other fields")
          .WithDetail("account_id", request.id());
    }
    return {AccountView(existing), true};
  }
  v1::AccountRecord record;
  record.set_version(1);
  record.set_id(request.id());
  record.set_currency(currency);
  record.set_debits_must_not_exceed_credits(request.debits_must_not_exceed_credits());
  record.set_credits_must_not_exceed_debits(request.credits_must_not_exceed_debits());
  record.set_created_at_ns(now_ns);
  v1::Account view = AccountView(record);
  auto [it, added] = accounts_.emplace(record.id(), std::move(record));
  M4_ASSERT(added, "a new account's id was taken");
  created_.push_back(&it->second);  // written by FinishBatch
  return view;
}

Answer<v1::CreateTransfersResponse> Ledger::CreateTransfers(
    const v1::CreateTransfersRequest& request, std::int64_t now_ns, storage::Batch* batch,
    const Attribution& attribution) {
  if (request.transfers().empty()) return Invalid("transfers must not be empty", "transfers");
  if (static_cast<std::size_t>(request.transfers_size()) > kMaxTransfersPerRequest) {
    return Invalid("at most " + std::to_string(kMaxTransfersPerRequest) + " transfers per request",
                   "transfers");
  }
  if (request.transfers_size() > 1) {
    std::set<std::string_view> ids;
    for (const auto& t : request.transfers()) {
      if (!ids.insert(t.id()).second) {
        return Invalid("transfer ids in one request must be distinct", "id")
            .WithDetail("transfer_id", t.id());
      }
    }
  }
  std::optional<v1::CreateTransfersResponse> replay;
  if (Status s = CheckReplay(request, &replay); !s.ok()) return s;
  if (replay) return {std::move(*replay), true};
  Txn txn = NewTxn(attribution);
  for (int i = 0; i < request.transfers_size(); ++i) {
    const v1::NewTransfer& t = request.transfers(i);
    if (Status s = ApplyTransfer(t, now_ns, &txn, /*internal=*/false); !s.ok()) {
      return std::move(s).WithDetail("index", std::to_string(i)).WithDetail("transfer_id", t.id());
    }
  }
  v1::CreateTransfersResponse response;
  for (const v1::TransferRecord* record : txn.records) {
    *response.add_transfers() = TransferView(*record, CreationStatus(*record));
  }
  if (batch) Commit(txn, batch);
  return response;
}

// A retry carries the same transfers with the same content: answer with the stored ones.
// A request mixing stored and new ids, or a stored id with new content, is a conflict.
Status Ledger::CheckReplay(const v1::CreateTransfersRequest& request,
                           std::optional<v1::CreateTransfersResponse>* replay) {
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
  replay->emplace();
  for (const auto& record : found) {
    *(*replay)->add_transfers() = TransferView(record, CreationStatus(record));
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
  v1::TransferRecord& record = NewRecord(txn);
  record.set_id(input.id());
  record.set_debit_account_id(input.debit_account_id());
  record.set_credit_account_id(input.credit_account_id());
  record.set_amount(input.amount());
  record.set_code(input.code());
  record.set_kind(input.pending() ? v1::TRANSFER_KIND_PENDING : v1::TRANSFER_KIND_POSTED);
  record.set_timeout_seconds(input.timeout_seconds());
  record.set_currency(debit->currency());
  record.set_timestamp_ns(now_ns);
  return Status::Ok();
}

Ledger::Txn::~Txn() {
  for (const Touched& t : touched) {
    t.account->set_debits_pending(t.debits_pending);
    t.account->set_debits_posted(t.debits_posted);
    t.account->set_credits_pending(t.credits_pending);
    t.account->set_credits_posted(t.credits_posted);
  }
}

// A new entry of `txn`, with what every entry of it carries (version, its sequence, who
// entered and approved it), on the batch's arena: an entry is built, serialized and answered
// from within its batch, and the arena frees all of them at once when the batch is committed
// (a refused transaction's stay there until then).
v1::TransferRecord& Ledger::NewRecord(Txn* txn) {
  auto* record = google::protobuf::Arena::CreateMessage<v1::TransferRecord>(&batch_records_);
  record->set_version(1);
  record->set_sequence(txn->next_sequence++);
  // Empty strings stay unset: protobuf 3.21 allocates even an empty one.
  const Attribution& by = txn->attribution;
  if (!by.entered_by.empty()) record->set_entered_by(by.entered_by);
  if (!by.approved_by.empty()) record->set_approved_by(by.approved_by);
  txn->records.push_back(record);
  return *record;
}

void Ledger::Txn::Touch(v1::AccountRecord* account) {
  for (const Touched& t : touched) {
    if (t.account == account) return;
  }
  touched.push_back({account, account->debits_pending(), account->debits_posted(),
                     account->credits_pending(), account->credits_posted()});
}

void Ledger::Commit(Txn& txn, storage::Batch* batch) {
  for (v1::TransferRecord* record : txn.records) CommitRecord(*record, txn, batch);
  txn.touched.clear();  // kept as they are now; the entries name every account they touched
  txn.records.clear();  // now the ledger's, until the batch is committed
}

// A new account is written in its batch, as it stands at the end of it; the accounts the
// batch's entries changed are logged together, or checkpointed (engine/account_index.h).
void Ledger::FinishBatch(storage::Batch* batch) {
  for (const v1::AccountRecord* account : created_) {
    batch->Put(Family::kAccounts, account->id(), account->SerializeAsString());
  }
  created_.clear();
  if (window_.batch_empty()) return;  // no entry since the last batch
  window_.EndBatch(batch, last_sequence_);
  batch->Put(Family::kMeta, kMetaLastSequence, storage::EncodeSequence(last_sequence_));
  batch->Put(Family::kMeta, kMetaChainHead, chain_head_);
}

void Ledger::Checkpoint(storage::Batch* batch) {
  M4_ASSERT(window_.batch_empty() && created_.empty(), "a checkpoint inside a batch");
  window_.WriteAll(batch, last_sequence_);
}

// The entry carries its own chain hash: one key per entry instead of two.
void Ledger::CommitRecord(v1::TransferRecord& record, const Txn& txn, storage::Batch* batch) {
  M4_ASSERT(record.sequence() == last_sequence_ + 1, "ledger sequence would skip or repeat");
  std::string sequence = storage::EncodeSequence(record.sequence());
  chain_head_ = ChainHash(chain_head_, record);
  record.set_chain_hash(chain_head_);
  PutRecord(batch, Family::kTransfers, sequence, record);
  batch->Put(Family::kTransferIds, record.id(), sequence);
  window_.Add(StableAccount(txn, record.debit_account_id()), record.sequence());
  window_.Add(StableAccount(txn, record.credit_account_id()), record.sequence());
  if (record.kind() == v1::TRANSFER_KIND_PENDING) {
    batch->Put(Family::kPendingOpen, sequence, "");
    Pending pending{record, ExpiresAt(record)};
    if (pending.expires_at_ns != 0) expiries_.emplace(pending.expires_at_ns, record.id());
    pending_.emplace(record.id(), std::move(pending));
  } else if (!record.pending_id().empty()) {
    auto it = pending_.find(record.pending_id());
    M4_ASSERT(it != pending_.end(), "a resolution names a transfer that is not pending");
    batch->Delete(Family::kPendingOpen, storage::EncodeSequence(it->second.record.sequence()));
    expiries_.erase({it->second.expires_at_ns, it->first});
    pending_.erase(it);
  }
  last_sequence_ = record.sequence();
  last_timestamp_ns_ = record.timestamp_ns();
  uncommitted_[record.id()] = &record;
}

void Ledger::PrefetchTransfers(std::vector<std::string_view> ids) {
  prefetched_ids_.clear();
  prefetched_sequences_.clear();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) return;
  auto sequences = store_->GetMany(Family::kTransferIds, ids);
  if (!sequences.ok()) return;  // each is then read alone, and a failure answered there
  prefetched_ids_ = std::move(ids);
  prefetched_sequences_ = std::move(sequences).value();
}

// What PrefetchTransfers read of `id`: its sequence key or nullopt if not stored; nullptr
// if it was not read ahead.
const std::optional<std::string>* Ledger::Prefetched(std::string_view id) const {
  auto at = std::lower_bound(prefetched_ids_.begin(), prefetched_ids_.end(), id);
  if (at == prefetched_ids_.end() || *at != id) return nullptr;
  return &prefetched_sequences_[static_cast<std::size_t>(at - prefetched_ids_.begin())];
}

void Ledger::OnSealed() {
  M4_ASSERT(window_.batch_empty() && created_.empty(),
            "a batch with ledger changes was committed unfinished");
  uncommitted_.clear();
  batch_records_.Reset();
  prefetched_ids_.clear();
  prefetched_sequences_.clear();
}

Status Ledger::OpenAccount(const std::string& id, bool no_overdraft, std::int64_t now_ns) {
  if (accounts_.count(id)) return Status::Ok();
  v1::CreateAccountRequest request;
  request.set_id(id);
  request.set_debits_must_not_exceed_credits(no_overdraft);
  return CreateAccount(request, now_ns).status;
}

Result<std::vector<v1::Transfer>> Ledger::ApplyInternal(const std::vector<LedgerOp>& ops,
                                                        std::int64_t now_ns, storage::Batch* batch,
                                                        const Attribution& attribution) {
  Txn txn = NewTxn(attribution);
  for (const LedgerOp& op : ops) {
    Status s = std::holds_alternative<v1::NewTransfer>(op)
                   ? ApplyTransfer(std::get<v1::NewTransfer>(op), now_ns, &txn, /*internal=*/true)
                   : ApplyInternalResolution(op, now_ns, &txn);
    if (!s.ok()) return s;
  }
  std::vector<v1::Transfer> views;
  for (const v1::TransferRecord* record : txn.records) {
    views.push_back(TransferView(*record, CreationStatus(*record)));
  }
  Commit(txn, batch);
  return views;
}

const v1::AccountRecord* Ledger::FindAccount(const std::string& id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

Result<std::optional<v1::TransferRecord>> Ledger::FindTransfer(const std::string& id) const {
  if (auto it = uncommitted_.find(id); it != uncommitted_.end()) {
    return std::optional<v1::TransferRecord>(*it->second);
  }
  std::optional<std::string> sequence;
  if (const auto* read_ahead = Prefetched(id)) {
    sequence = *read_ahead;
  } else {
    auto read = store_->Get(Family::kTransferIds, id);
    if (!read.ok()) return read.status();
    sequence = std::move(read).value();
  }
  if (!sequence) return std::optional<v1::TransferRecord>();
  auto value = store_->Get(Family::kTransfers, *sequence);
  if (!value.ok()) return value.status();
  v1::TransferRecord record;
  if (!value.value() || !record.ParseFromString(*value.value())) {
    return Status(Code::kInternal, "transfer index points at a missing record");
  }
  return std::optional<v1::TransferRecord>(std::move(record));
}

v1::AccountRecord* Ledger::FindAccount(Txn* txn, const std::string& id) {
  auto it = accounts_.find(id);
  if (it == accounts_.end()) return nullptr;
  txn->Touch(&it->second);
  return &it->second;
}

// The ledger's own record of an account, which stays put while the account exists (the
// nodes of an unordered_map do not move, and accounts are never removed); entries only name
// accounts that exist. The transaction touched every account its entries name: a look
// through those few spares a lookup in the table of all accounts.
v1::AccountRecord* Ledger::StableAccount(const Txn& txn, const std::string& id) {
  for (const Touched& t : txn.touched) {
    if (t.account->id() == id) return t.account;
  }
  auto it = accounts_.find(id);
  M4_ASSERT(it != accounts_.end(), "a ledger entry names an account that does not exist");
  return &it->second;
}

namespace {

using Reserved = std::map<std::string, std::pair<Wide, Wide>>;  // debit, credit pending

// The rules one account's balances must keep; the first it breaks.
Status CheckAccount(const std::string& id, const v1::AccountRecord& a, const Reserved& reserved) {
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
  auto it = reserved.find(id);
  auto [debit_reserved, credit_reserved] =
      it == reserved.end() ? std::pair<Wide, Wide>{0, 0} : it->second;
  if (a.debits_pending() != debit_reserved || a.credits_pending() != credit_reserved) {
    return broken("pending balances differ from the open pending transfers");
  }
  return Status::Ok();
}

}  // namespace

Status Ledger::CheckInvariants() const {
  struct Sums {
    Wide posted = 0;
    Wide pending = 0;
  };
  std::map<std::string, Sums> sums;
  Reserved reserved;
  for (const auto& [id, pending] : pending_) {
    reserved[pending.record.debit_account_id()].first += pending.record.amount();
    reserved[pending.record.credit_account_id()].second += pending.record.amount();
  }
  // The accounts are not kept in id order: of several broken ones, the lowest id is named,
  // so that the answer does not depend on how the table is laid out.
  const std::string* broken_id = nullptr;
  Status broken;
  for (const auto& [id, account] : accounts_) {
    if (Status s = CheckAccount(id, account, reserved);
        !s.ok() && (!broken_id || id < *broken_id)) {
      broken_id = &id;
      broken = std::move(s);
    }
    sums[account.currency()].posted += Wide(account.credits_posted()) - account.debits_posted();
    sums[account.currency()].pending += Wide(account.credits_pending()) - account.debits_pending();
  }
  if (broken_id) return broken;
  for (const auto& [currency, sum] : sums) {
    if (sum.posted != 0 || sum.pending != 0) {
      return Status(Code::kInternal, "ledger does not balance").WithDetail("currency", currency);
    }
  }
  return Status::Ok();
}

}  // namespace market4::engine
