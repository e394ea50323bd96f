// What the ledger stores per account besides its record: which entries touched it, and its
// balances since the last checkpoint (decision 77, docs/storage.md).
//
// The account index (family kAccountIndex): for each account, the sequences of the ledger
// entries that debit or credit it, so an account's history is read without a scan of the
// ledger. One key per account per checkpoint: the account id, 0x00, and the first such
// sequence since the checkpoint before (big-endian, storage::IndexKey). The value lists
// every such sequence, 8 big-endian bytes each, ascending (the first is the key's); it is
// empty when there was only the one, which is also how every entry was written before
// entries were grouped, so older ledgers read unchanged.
//
// The change logs (family kAccountChanges): writing each changed account's record and index
// key in every batch cost half the writer's time with 1,000 accounts. Between checkpoints a
// batch writes one key instead, under the big-endian first sequence of its entries: every
// account it changed, with its balances after the batch and the batch's sequences of it.
// A checkpoint (every kCheckpointBatches batches, sooner for a large window) writes the
// records and index keys of every account changed since the last one and deletes the logs,
// in one batch, with the meta key kChangesFromKey: the first sequence a log may now start
// at, where readers seek to, so the deleted logs' tombstones are never walked. A reader takes
// an account's record, then its newest logged change, and its history from the logs before
// the index.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

// A window of at most this many batches (or about half as many transfers as entries) is
// logged before a checkpoint: what a read of one account may have to look through.
inline constexpr std::size_t kCheckpointBatches = 64;
inline constexpr std::size_t kCheckpointEntries = std::size_t{1} << 15;
inline constexpr char kChangesFromKey[] = "account_changes_from";

// One change log, read in place: its accounts are ordered by id and found by binary search.
// Layout, integers big-endian: count (4 bytes); count offsets (4 bytes each) from the start
// of the value to each account's part; each part: id length (2 bytes), id, debits_pending,
// debits_posted, credits_pending, credits_posted (8 bytes each, two's complement), the number
// of sequences (4 bytes), the sequences (8 bytes each, ascending).
class ChangeLog {
 public:
  struct Change {
    std::string_view account_id;
    std::int64_t debits_pending = 0, debits_posted = 0, credits_pending = 0, credits_posted = 0;
    std::string_view sequences;  // 8 big-endian bytes each, ascending
  };
  // Checks the header; each part is checked when it is read.
  static Result<ChangeLog> Parse(std::string_view value);
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] Result<Change> At(std::size_t i) const;
  [[nodiscard]] Result<std::optional<Change>> Find(std::string_view account_id) const;

 private:
  ChangeLog(std::string_view value, std::size_t count) : value_(value), count_(count) {}
  std::string_view value_;
  std::size_t count_;
};

// Copies a change's balances into `account`.
void SetBalances(const ChangeLog::Change& change, v1::AccountRecord* account);

// The accounts changed since the last checkpoint, with their entries. Writer thread.
class AccountWindow {
 public:
  // Notes that entry `sequence` debits or credits `account`, a record of the ledger's that
  // stays put until the window is written. Sequences arrive ascending.
  void Add(const v1::AccountRecord* account, std::uint64_t sequence) {
    entries_.push_back({account, sequence});
    last_sequence_ = std::max(last_sequence_, sequence);
  }
  [[nodiscard]] bool batch_empty() const { return entries_.size() == batch_begin_; }
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  // Ends the batch: logs it, or checkpoints when the window is full.
  void EndBatch(storage::Batch* batch);
  // Puts every account of the window (its record as it stands now) and its index key,
  // deletes the window's logs, and empties the window.
  void Checkpoint(storage::Batch* batch);
  // At start, for each stored log, oldest first: Add its entries, then RestoreBatch(its key).
  void RestoreBatch(std::string_view key) {
    batch_begin_ = entries_.size();
    logs_.emplace_back(key);
  }

 private:
  struct Entry {
    const v1::AccountRecord* account;
    std::uint64_t sequence;
  };
  void Log(storage::Batch* batch);
  std::vector<Entry> entries_;     // two per transfer
  std::size_t batch_begin_ = 0;    // where the current batch's entries start
  std::vector<std::string> logs_;  // the keys of the window's logs
  std::uint64_t last_sequence_ = 0;
};

// Visits every change log as of `view` (a storage::ReadView, or the Store at load), oldest
// first, until `visit(key, log)` returns false; a malformed log stops the scan with
// kInternal.
template <typename View, typename Visit>
Status ScanChangeLogs(const View& view, Visit visit) {
  auto from = view.Get(storage::Family::kMeta, kChangesFromKey);
  if (!from.ok()) return from.status();
  std::optional<std::string> start = std::move(from).value();  // none before a checkpoint
  Status problem;
  Status s = view.Scan(storage::Family::kAccountChanges, "", false, start,
                       [&](std::string_view key, std::string_view value) {
                         auto log = ChangeLog::Parse(value);
                         if (!log.ok()) {
                           problem = log.status();
                           return false;
                         }
                         return visit(key, log.value());
                       });
  return s.ok() ? problem : s;
}

// Sets each of `accounts` (records as stored) to its newest logged balances as of `view`.
Status ApplyNewestChanges(const storage::ReadView& view,
                          const std::vector<v1::AccountRecord*>& accounts);

// Visits the sequences of `account_id`'s entries newest first, each as the 8-byte key of its
// entry in kTransfers, until `visit` returns false: those of the change logs, then those of
// the index. With `start` (an IndexKey of the account), only sequences at or below start's
// are visited.
Status ScanAccountEntries(const storage::ReadView& view, std::string_view account_id,
                          std::optional<std::string_view> start,
                          const std::function<bool(std::string_view sequence_key)>& visit);

}  // namespace market4::engine
