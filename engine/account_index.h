// What the ledger stores per account besides its record: which entries touched it, and its
// balances since it was last written (decision 77, docs/storage.md).
//
// The account index (family kAccountIndex): for each account, the sequences of the ledger
// entries that debit or credit it, so an account's history is read without a scan of the
// ledger. One key per account each time the account is written out: the account id, 0x00,
// and the first such sequence since it was last written (big-endian, storage::IndexKey). The
// value lists every such sequence, 8 big-endian bytes each, ascending (the first is the
// key's); it is empty when there was only the one, which is also how every entry was
// written before entries were grouped, so older ledgers read unchanged.
//
// The change logs (family kAccountChanges): writing each changed account's record and index
// key in every batch cost half the writer's time with 1,000 accounts. A batch writes one key
// instead, under the big-endian first sequence of its entries: every account it changed,
// with its balances after the batch and the batch's sequences of it. An account changed
// since it was last written is pending, in the order it was first logged. Once more than
// kMostLogs logs are live, each batch writes out the accounts first logged in the oldest
// (their records, with checkpoint_sequence set to the batch's last sequence, and their
// index keys), and deletes every log no pending account needs; meta kChangesFromKey names
// the oldest live log, where readers seek, so the deleted logs' tombstones are never walked.
// So about one log's worth of accounts is written per batch, never the whole window at once.
// The engine writes out everything on a tick with nothing queued, and at a clean stop.
//
// A reader takes an account's record, then its newest logged change past the record's
// checkpoint_sequence; its history is the logs' sequences past checkpoint_sequence, newest
// first, then the index's. The writer publishes the live logs it holds after each commit
// (LiveLogs); a reader whose view is of that very state reads them there instead of
// iterating RocksDB, and any other reader scans.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

// At most this many change logs are live after a batch: what a read of one account may
// have to look through.
inline constexpr std::size_t kMostLogs = 16;
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
    std::string_view sequences;  // 8 big-endian bytes each, ascending; at least one
    // The balances above are as of this entry, the batch's last of the account.
    [[nodiscard]] std::uint64_t last_sequence() const;
  };
  // Checks the header; each part is checked when it is read.
  static Result<ChangeLog> Parse(std::string_view value);
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] Result<Change> At(std::size_t i) const;
  [[nodiscard]] Result<std::optional<Change>> Find(std::string_view account_id) const;
  [[nodiscard]] std::string_view bytes() const { return value_; }

 private:
  ChangeLog(std::string_view value, std::size_t count) : value_(value), count_(count) {}
  std::string_view value_;
  std::size_t count_;
};

// One live change log: its key in kAccountChanges and its value, shared with readers.
struct LiveLog {
  std::string key;
  std::shared_ptr<const std::string> value;
};

// The live change logs of one committed state, oldest first, as the writer holds them. They
// are exactly what a scan of a view of that state finds: a view whose sequence() equals
// `store_sequence` reads them here (ScanLiveLogs). Immutable once published.
struct LiveLogs {
  std::uint64_t store_sequence = 0;
  std::vector<LiveLog> logs;
};

// Copies a change's balances into `account`.
void SetBalances(const ChangeLog::Change& change, v1::AccountRecord* account);

// The pending accounts, their entries, and the live logs. Writer thread.
class AccountWindow {
 public:
  // Notes that entry `sequence` of this batch debits or credits `account`, a record of the
  // ledger's that stays put. Sequences arrive ascending.
  void Add(v1::AccountRecord* account, std::uint64_t sequence) {
    batch_.push_back({account, sequence});
  }
  [[nodiscard]] bool batch_empty() const { return batch_.empty(); }
  [[nodiscard]] std::size_t pending() const { return queue_.size(); }
  [[nodiscard]] std::size_t live_logs() const { return logs_.size(); }
  // The live logs, oldest first, for publishing after a commit.
  [[nodiscard]] std::vector<LiveLog> LiveLogsNow() const { return {logs_.begin(), logs_.end()}; }
  // Ends the batch, whose last entry is `last_sequence`: logs the accounts it changed, then
  // writes out those first logged in the oldest logs while more than kMostLogs are live.
  void EndBatch(storage::Batch* batch, std::uint64_t last_sequence);
  // Writes out every pending account and deletes every log (a clean stop).
  void WriteAll(storage::Batch* batch, std::uint64_t last_sequence);
  // At start, for each stored log oldest first: takes back the changes past each account's
  // checkpoint_sequence (balances, entries), found by id with `find`.
  Status Restore(std::string_view key, const ChangeLog& log,
                 const std::function<v1::AccountRecord*(std::string_view id)>& find);

 private:
  struct Entry {
    v1::AccountRecord* account;
    std::uint64_t sequence;
  };
  struct Pending {
    std::vector<std::uint64_t> sequences;  // since the account was last written
    std::uint64_t first_log;               // the number of the log it was first in
  };
  void Log(storage::Batch* batch);
  // The entries `account` has pending; a newly pending account joins the queue, first in
  // the log the batch writes next.
  std::vector<std::uint64_t>& PendingSequences(v1::AccountRecord* account);
  void WriteOut(v1::AccountRecord* account, storage::Batch* batch, std::uint64_t last_sequence);
  void DropOldestLog(storage::Batch* batch);
  std::uint64_t next_log() const { return first_log_ + logs_.size(); }

  std::vector<Entry> batch_;  // this batch's, two per transfer
  std::unordered_map<const v1::AccountRecord*, Pending> pending_;
  std::deque<v1::AccountRecord*> queue_;  // the pending accounts, by first log
  std::deque<LiveLog> logs_;              // the live logs, oldest first
  std::uint64_t first_log_ = 0;           // the number of logs_.front()
};

// Visits every live change log as of `view` (a storage::ReadView, or the Store at load),
// oldest or newest first, until `visit(key, log)` returns false; a malformed log stops the
// scan with kInternal.
template <typename View, typename Visit>
Status ScanChangeLogs(const View& view, bool newest_first, Visit visit) {
  auto from = view.Get(storage::Family::kMeta, kChangesFromKey);
  if (!from.ok()) return from.status();
  const std::string lowest = from.value().value_or("");  // none before the first drop
  Status problem;
  Status s = view.ScanFrom(storage::Family::kAccountChanges, lowest, newest_first,
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

// Whether `live` (the writer's published logs, or null) are of the state `view` sees.
inline bool PublishedFor(const LiveLogs* live, const storage::ReadView& view) {
  return live && live->store_sequence == view.sequence();
}

// The same, oldest first, reading `live` instead when it is of the state `view` sees.
template <typename Visit>
Status ScanLiveLogs(const storage::ReadView& view, const LiveLogs* live, Visit visit) {
  if (!PublishedFor(live, view)) return ScanChangeLogs(view, false, visit);
  for (const LiveLog& live_log : live->logs) {
    auto log = ChangeLog::Parse(*live_log.value);
    if (!log.ok()) return log.status();
    if (!visit(std::string_view(live_log.key), log.value())) break;
  }
  return Status::Ok();
}

// The record of account `id` as stored (balances as of its checkpoint_sequence), or
// NOT_FOUND naming it.
Result<v1::AccountRecord> ReadStoredAccount(const storage::ReadView& view, const std::string& id);
// The same with the balances a reader sees: those of its newest logged change.
// `live` as in ScanLiveLogs.
Result<v1::AccountRecord> ReadAccountAsSeen(const storage::ReadView& view, const LiveLogs* live,
                                            const std::string& id);

// Sets each of `accounts` (records as stored) to its newest logged balances past its
// checkpoint_sequence, as of `view` (`live` as in ScanLiveLogs).
Status ApplyNewestChanges(const storage::ReadView& view, const LiveLogs* live,
                          const std::vector<v1::AccountRecord*>& accounts);

// Visits the sequences of `account`'s entries newest first, each as the 8-byte key of its
// entry in kTransfers, until `visit` returns false: those of the change logs past the
// record's checkpoint_sequence, then those of the index. `account` is the record read
// through `view` (ReadStoredAccount). With `start` (an IndexKey of the account), only
// sequences at or below start's are visited. `live` as in ScanLiveLogs.
Status ScanAccountEntries(const storage::ReadView& view, const LiveLogs* live,
                          const v1::AccountRecord& account, std::optional<std::string_view> start,
                          const std::function<bool(std::string_view sequence_key)>& visit);

}  // namespace market4::engine
