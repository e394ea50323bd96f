// Ledger: the double-entry state machine. It owns the in-memory accounts and open pending
// transfers, applies one command at a time against them, and records every effect into a
// storage::Batch. It has no threads and no clock: the engine's writer thread is its only
// caller and passes in the batch time. A command rejected by a rule leaves no trace in the
// state or in the batch. Private to engine/.
//
// ledger.cc: accounts, transfers, commit. pending.cc: posting, voiding and expiring pending
// transfers. ledger_rules.cc: the rules every entry obeys and the views the API shows.
#pragma once

#include <google/protobuf/arena.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "engine/account_index.h"
#include "engine/command.h"
#include "engine/ledger_rules.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

// The stored layout's version, in meta "schema_version". 2: entries carry their chain hash
// and the account index groups entries per account. 3: balances changed since the last
// checkpoint are in the change logs, not the account records (docs/storage.md). A directory
// at version 1 or 2 reads unchanged and is marked 3 when opened, so that an older market4,
// which would misread its newer records, refuses it; a version above 3 is refused here.
inline constexpr std::uint32_t kSchemaVersion = 3;
inline constexpr std::uint32_t kOldestUpgradableSchema = 1;

class Ledger {
 public:
  explicit Ledger(storage::Store* store) : store_(store) {}

  // Rebuilds accounts and open pending transfers from the store, then checks invariants.
  Status Load();

  // Who entered an operator's entries, and who approved them under four eyes; recorded on
  // every entry they make (TransferRecord.entered_by, approved_by).
  struct Attribution {
    std::string entered_by;
    std::string approved_by;
  };

  // The operator's commands, at time `now_ns`, appending their writes to `batch`. With a null
  // `batch`, CreateTransfers and Resolve only check: the answer is what applying would give
  // (or the replay of what was applied), and nothing changes. A new account's record is
  // written by FinishBatch, as the account stands at the batch's end.
  Answer<v1::Account> CreateAccount(const v1::CreateAccountRequest& request, std::int64_t now_ns);
  Answer<v1::CreateTransfersResponse> CreateTransfers(const v1::CreateTransfersRequest& request,
                                                      std::int64_t now_ns, storage::Batch* batch,
                                                      const Attribution& attribution = {});
  Answer<v1::Transfer> Resolve(const std::string& pending_id, v1::TransferKind kind,
                               std::optional<std::int64_t> amount, std::int64_t now_ns,
                               storage::Batch* batch, const Attribution& attribution = {});

  // Voids every pending transfer whose timeout is at or before `now_ns`. Returns how many.
  std::size_t ExpireDue(std::int64_t now_ns, storage::Batch* batch);

  // Reads in one pass which of `ids` are stored transfers, so that the ids of a batch's new
  // transfers are not each looked up alone in every file (a tenth of the writer's time). A
  // cache only: it holds what the store holds until OnSealed drops it, and an id it lacks
  // (or all of them, if the read fails) is looked up alone as before. The ids must stay
  // valid until OnSealed (the batch's commands hold them); a second call in one batch
  // replaces what the first read.
  void PrefetchTransfers(std::vector<std::string_view> ids);

  // Before the batch holding everything applied since the last call is committed: writes
  // what the ledger keeps once per batch (new accounts, the change log of the accounts the
  // batch changed or a checkpoint of the window's, the last sequence, the chain head).
  void FinishBatch(storage::Batch* batch);
  // Between batches (the engine's stop): writes out every account changed since it was
  // last written, with its index key, and deletes the change logs (engine/account_index.h).
  void Checkpoint(storage::Batch* batch);
  // Called once the batch holding everything applied so far is sealed: staged in the store
  // (storage::Store::Stage), whose reads see it as committed from then on.
  void OnSealed();

  // Accounts changed since they were last written out, and the change logs readers may have
  // to search (engine/account_index.h), as of the last FinishBatch.
  [[nodiscard]] std::size_t unwritten_accounts() const { return window_.pending(); }
  [[nodiscard]] std::size_t live_change_logs() const { return window_.live_logs(); }
  [[nodiscard]] std::vector<LiveLog> LiveLogsNow() const { return window_.LiveLogsNow(); }

  // Zero-sum per currency (posted and pending), flags respected, no negative field.
  Status CheckInvariants() const;

  // For market commands: opens an account unless it exists.
  Status OpenAccount(const std::string& id, bool no_overdraft, std::int64_t now_ns);
  // For market commands: applies `ops` as one all-or-nothing unit. New transfers may carry
  // server ids with the reserved '~'; posts and voids resolve the full pending amount.
  using LedgerOp = std::variant<v1::NewTransfer, PostPending, VoidPending>;
  Result<std::vector<v1::Transfer>> ApplyInternal(const std::vector<LedgerOp>& ops,
                                                  std::int64_t now_ns, storage::Batch* batch,
                                                  const Attribution& attribution = {});
  // The open pending transfer `id` as of the last applied command, or nullptr.
  const v1::TransferRecord* FindPending(const std::string& id) const {
    auto it = pending_.find(id);
    return it == pending_.end() ? nullptr : &it->second.record;
  }
  // The account as of the last applied command, or nullptr.
  const v1::AccountRecord* FindAccount(const std::string& id) const;
  std::uint64_t next_sequence() const { return last_sequence_ + 1; }
  // The commit time of the last entry (0 for an empty ledger).
  std::int64_t last_timestamp_ns() const { return last_timestamp_ns_; }
  // The chain's head after the last applied entry (32 raw bytes).
  const std::string& chain_head() const { return chain_head_; }

 private:
  // A command's effects while it is applied. The accounts it touches are changed in place,
  // each remembered with the balances it had before; its new entries wait in `records`.
  // Unless Commit takes it, the destructor puts every touched balance back, so a command
  // refused halfway (or only checked) leaves every account as it found it. Copying whole
  // account records into the transaction and back cost 7 % of the CPU per transfer.
  struct Touched {
    v1::AccountRecord* account;
    std::int64_t debits_pending, debits_posted, credits_pending, credits_posted;
  };
  struct Txn {
    Txn(std::uint64_t first_sequence, const Attribution& by)
        : next_sequence(first_sequence), attribution(by) {}
    ~Txn();
    Txn(const Txn&) = delete;
    Txn& operator=(const Txn&) = delete;
    // Remembers `account`'s balances the first time the transaction touches it.
    void Touch(v1::AccountRecord* account);

    std::vector<Touched> touched;              // few: a transfer touches two accounts
    std::vector<v1::TransferRecord*> records;  // new ledger entries, in order (NewRecord)
    std::uint64_t next_sequence;
    Attribution attribution;  // stamped on every new entry
  };
  struct Pending {
    v1::TransferRecord record;
    std::int64_t expires_at_ns = 0;  // 0: never
  };

  Txn NewTxn(const Attribution& attribution = {}) const {
    return Txn(last_sequence_ + 1, attribution);
  }
  v1::TransferRecord& NewRecord(Txn* txn);
  Status CheckReplay(const v1::CreateTransfersRequest& request,
                     std::optional<v1::CreateTransfersResponse>* replay);
  Status ApplyTransfer(const v1::NewTransfer& input, std::int64_t now_ns, Txn* txn, bool internal);
  Status ApplyResolution(const Pending& pending, v1::TransferKind kind, std::int64_t amount,
                         std::int64_t requested, std::int64_t now_ns, Txn* txn);
  Status ApplyInternalResolution(const LedgerOp& op, std::int64_t now_ns, Txn* txn);
  Result<std::optional<v1::Transfer>> CheckResolutionReplay(const std::string& pending_id,
                                                            v1::TransferKind kind,
                                                            std::optional<std::int64_t> amount);
  Status NotPending(const std::string& pending_id);
  // Writes `txn` into `batch` and the ledger, moving its records out (build any answer from
  // them first); the accounts they touch are logged once per batch, by FinishBatch.
  void Commit(Txn& txn, storage::Batch* batch);
  void CommitRecord(v1::TransferRecord& record, const Txn& txn, storage::Batch* batch);
  Status LoadChain();
  Status LoadAccounts();
  Status LoadChangeLogs();
  Status LoadPending();

  const std::optional<std::string>* Prefetched(std::string_view id) const;
  // Looks up a transfer written in this batch or already committed.
  Result<std::optional<v1::TransferRecord>> FindTransfer(const std::string& id) const;
  v1::AccountRecord* FindAccount(Txn* txn, const std::string& id);
  v1::AccountRecord* StableAccount(const Txn& txn, const std::string& id);

  storage::Store* store_;
  // Every account, by id. Hashed: with a million accounts an ordered map's lookups (three
  // per account a transfer touches) were a sixth of the writer's time. Nothing depends on
  // its iteration order (CheckInvariants names the lowest broken id).
  std::unordered_map<std::string, v1::AccountRecord> accounts_;
  std::map<std::string, Pending> pending_;
  // The entries applied in the batch not yet committed (NewRecord); freed all at once when
  // it is. Declared before what points into it.
  google::protobuf::Arena batch_records_;
  std::set<std::pair<std::int64_t, std::string>> expiries_;  // (expires_at_ns, pending id)
  // Transfers applied in the batch not yet committed, so retries within it are seen.
  // Keyed by a view of the entry's own id; the entries live on batch_records_.
  std::unordered_map<std::string_view, const v1::TransferRecord*> uncommitted_;
  // PrefetchTransfers' answers for this batch: the ids read, sorted and distinct, and each
  // one's sequence key if stored. Kept as two vectors, reused from batch to batch: a map
  // cost an allocation per id.
  std::vector<std::string_view> prefetched_ids_;
  std::vector<std::optional<std::string>> prefetched_sequences_;
  // The accounts changed since they were last written, and their entries
  // (engine/account_index.h): each batch logs those it changed in one key, and writes out
  // those first logged in the oldest logs.
  AccountWindow window_;
  // Accounts created since the last FinishBatch, written in their batch so readers see them.
  std::vector<const v1::AccountRecord*> created_;
  std::uint64_t last_sequence_ = 0;
  std::int64_t last_timestamp_ns_ = 0;
  // SHA-256 chaining the last applied entry (engine/chain.h); stored with every batch.
  std::string chain_head_;
};

}  // namespace market4::engine
