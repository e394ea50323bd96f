#include "engine/account_index.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "common/assert.h"
#include "engine/ledger_rules.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {

namespace {

constexpr std::size_t kSequenceBytes = 8;
constexpr std::size_t kCountBytes = 4;
constexpr std::size_t kIdLengthBytes = 2;
constexpr std::size_t kBalanceBytes = 4 * 8;

// Writes `value` as `bytes` big-endian bytes at `*at`, and moves past them.
void PutBigEndian(std::uint64_t value, std::size_t bytes, char** at) {
  for (std::size_t i = bytes; i > 0; --i) {
    *(*at)++ = static_cast<char>((value >> (8 * (i - 1))) & 0xff);
  }
}

std::uint64_t ReadBigEndian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

Status Malformed() { return Status(Code::kInternal, "an account change log is malformed"); }

// One account's entries in a batch: sequences[first, end) of the batch's.
struct Group {
  std::string_view id;  // the record's own, so that sorting reads no record
  v1::AccountRecord* account;
  std::size_t first, end;
  [[nodiscard]] std::size_t PartBytes() const {
    return kIdLengthBytes + id.size() + kBalanceBytes + kCountBytes +
           kSequenceBytes * (end - first);
  }
};

// The part of one account: what ChangeLog reads.
void PutChange(const Group& group, const std::vector<std::uint64_t>& sequences, char** at) {
  M4_ASSERT(group.id.size() < (std::size_t{1} << (8 * kIdLengthBytes)), "a long account id");
  PutBigEndian(group.id.size(), kIdLengthBytes, at);
  std::copy(group.id.begin(), group.id.end(), *at);
  *at += group.id.size();
  const v1::AccountRecord& account = *group.account;
  for (std::int64_t balance : {account.debits_pending(), account.debits_posted(),
                               account.credits_pending(), account.credits_posted()}) {
    PutBigEndian(static_cast<std::uint64_t>(balance), 8, at);
  }
  PutBigEndian(group.end - group.first, kCountBytes, at);
  for (std::size_t i = group.first; i < group.end; ++i) {
    PutBigEndian(sequences[i], kSequenceBytes, at);
  }
}

// The batch's groups, ordered by id, as one change log.
std::string EncodeLog(const std::vector<Group>& groups,
                      const std::vector<std::uint64_t>& sequences) {
  std::size_t size = kCountBytes * (1 + groups.size());
  for (const Group& group : groups) size += group.PartBytes();
  M4_ASSERT(size <= std::numeric_limits<std::uint32_t>::max(), "a change log of 4 GiB");
  std::string value(size, '\0');
  char* offsets = value.data();
  char* at = value.data() + kCountBytes * (1 + groups.size());
  PutBigEndian(groups.size(), kCountBytes, &offsets);
  for (const Group& group : groups) {
    PutBigEndian(static_cast<std::size_t>(at - value.data()), kCountBytes, &offsets);
    PutChange(group, sequences, &at);
  }
  return value;
}

}  // namespace

Result<ChangeLog> ChangeLog::Parse(std::string_view value) {
  if (value.size() < kCountBytes) return Malformed();
  std::uint64_t count = ReadBigEndian(value.substr(0, kCountBytes));
  if (count == 0 || count > (value.size() - kCountBytes) / kCountBytes) return Malformed();
  return ChangeLog(value, count);
}

Result<ChangeLog::Change> ChangeLog::At(std::size_t i) const {
  M4_ASSERT(i < count_, "a change log read past its end");
  std::uint64_t at = ReadBigEndian(value_.substr(kCountBytes * (1 + i), kCountBytes));
  std::string_view rest = at < value_.size() ? value_.substr(at) : std::string_view();
  if (rest.size() < kIdLengthBytes) return Malformed();
  std::size_t id_size = ReadBigEndian(rest.substr(0, kIdLengthBytes));
  if (id_size == 0 || rest.size() < kIdLengthBytes + id_size + kBalanceBytes + kCountBytes) {
    return Malformed();
  }
  Change change;
  change.account_id = rest.substr(kIdLengthBytes, id_size);
  rest.remove_prefix(kIdLengthBytes + id_size);
  std::int64_t* balances[] = {&change.debits_pending, &change.debits_posted,
                              &change.credits_pending, &change.credits_posted};
  for (std::int64_t* balance : balances) {
    *balance = static_cast<std::int64_t>(ReadBigEndian(rest.substr(0, 8)));
    rest.remove_prefix(8);
  }
  std::uint64_t sequences = ReadBigEndian(rest.substr(0, kCountBytes));
  rest.remove_prefix(kCountBytes);
  if (sequences == 0 || sequences > rest.size() / kSequenceBytes) return Malformed();
  change.sequences = rest.substr(0, sequences * kSequenceBytes);
  return change;
}

Result<std::optional<ChangeLog::Change>> ChangeLog::Find(std::string_view account_id) const {
  std::size_t low = 0, high = count_;
  while (low < high) {
    std::size_t middle = low + (high - low) / 2;
    auto change = At(middle);
    if (!change.ok()) return change.status();
    if (change.value().account_id == account_id) {
      return std::optional<Change>(change.value());
    }
    if (change.value().account_id < account_id) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return std::optional<Change>();
}

std::uint64_t ChangeLog::Change::last_sequence() const {
  return ReadBigEndian(sequences.substr(sequences.size() - kSequenceBytes));
}

void SetBalances(const ChangeLog::Change& change, v1::AccountRecord* account) {
  account->set_debits_pending(change.debits_pending);
  account->set_debits_posted(change.debits_posted);
  account->set_credits_pending(change.credits_pending);
  account->set_credits_posted(change.credits_posted);
}

void AccountWindow::EndBatch(storage::Batch* batch, std::uint64_t last_sequence) {
  if (!batch_.empty()) Log(batch);
  const std::uint64_t first_live = first_log_;
  // Bounded reads: the accounts first logged in the oldest log are written out.
  while (logs_.size() > kMostLogs) {
    while (!queue_.empty() && pending_.at(queue_.front()).first_log == first_log_) {
      WriteOut(queue_.front(), batch, last_sequence);
    }
    DropOldestLog(batch);
  }
  // Logs older than every pending account's first are needed by no reader.
  while (!logs_.empty() && (queue_.empty() || pending_.at(queue_.front()).first_log > first_log_)) {
    DropOldestLog(batch);
  }
  if (first_log_ != first_live) {
    batch->Put(storage::Family::kMeta, kChangesFromKey,
               logs_.empty() ? storage::EncodeSequence(last_sequence + 1) : logs_.front().key);
  }
}

void AccountWindow::WriteAll(storage::Batch* batch, std::uint64_t last_sequence) {
  M4_ASSERT(batch_.empty(), "the change window written out inside a batch");
  while (!queue_.empty()) WriteOut(queue_.front(), batch, last_sequence);
  const bool any = !logs_.empty();
  while (!logs_.empty()) DropOldestLog(batch);
  if (any) {
    batch->Put(storage::Family::kMeta, kChangesFromKey, storage::EncodeSequence(last_sequence + 1));
  }
}

// One part per account the batch changed, in id order. Grouped by where each record lives
// first (cheap to compare), then the groups sorted by id.
void AccountWindow::Log(storage::Batch* batch) {
  std::string key = storage::EncodeSequence(batch_.front().sequence);
  std::sort(batch_.begin(), batch_.end(), [](const Entry& a, const Entry& b) {
    if (a.account != b.account) return std::less<>()(a.account, b.account);
    return a.sequence < b.sequence;
  });
  std::vector<Group> groups;
  std::vector<std::uint64_t> sequences;
  sequences.reserve(batch_.size());
  for (const Entry& entry : batch_) {
    if (groups.empty() || groups.back().account != entry.account) {
      groups.push_back({entry.account->id(), entry.account, sequences.size(), sequences.size()});
    }
    sequences.push_back(entry.sequence);
    groups.back().end = sequences.size();
  }
  for (const Group& group : groups) {
    std::vector<std::uint64_t>& pending = PendingSequences(group.account);
    pending.insert(pending.end(), sequences.begin() + group.first, sequences.begin() + group.end);
  }
  std::sort(groups.begin(), groups.end(),
            [](const Group& a, const Group& b) { return a.id < b.id; });
  auto value = std::make_shared<const std::string>(EncodeLog(groups, sequences));
  batch->Put(storage::Family::kAccountChanges, key, *value);
  logs_.push_back({std::move(key), std::move(value)});
  batch_.clear();
}

// The record as it stands, taking in every entry up to `last_sequence`, and one index key
// for its entries since it was last written. The front of the queue only.
void AccountWindow::WriteOut(v1::AccountRecord* account, storage::Batch* batch,
                             std::uint64_t last_sequence) {
  M4_ASSERT(!queue_.empty() && queue_.front() == account, "written out of turn");
  auto it = pending_.find(account);
  std::string value;
  for (std::uint64_t sequence : it->second.sequences) {
    value.append(storage::EncodeSequence(sequence));
  }
  std::string key = storage::IndexPrefix(account->id());
  key.append(value, 0, kSequenceBytes);
  batch->Put(storage::Family::kAccountIndex, key,
             value.size() == kSequenceBytes ? std::string_view() : std::string_view(value));
  account->set_checkpoint_sequence(last_sequence);
  PutRecord(batch, storage::Family::kAccounts, account->id(), *account);
  pending_.erase(it);
  queue_.pop_front();
}

std::vector<std::uint64_t>& AccountWindow::PendingSequences(v1::AccountRecord* account) {
  auto [it, added] = pending_.try_emplace(account);
  if (added) {
    it->second.first_log = next_log();
    queue_.push_back(account);
  }
  return it->second.sequences;
}

void AccountWindow::DropOldestLog(storage::Batch* batch) {
  batch->Delete(storage::Family::kAccountChanges, logs_.front().key);
  logs_.pop_front();
  ++first_log_;
}

Status AccountWindow::Restore(std::string_view key, const ChangeLog& log,
                              const std::function<v1::AccountRecord*(std::string_view id)>& find) {
  for (std::size_t i = 0; i < log.size(); ++i) {
    auto change = log.At(i);
    if (!change.ok()) return change.status();
    v1::AccountRecord* account = find(change.value().account_id);
    if (!account) {
      return Status(Code::kInternal, "a change log names an account that does not exist")
          .WithDetail("account_id", std::string(change.value().account_id));
    }
    if (change.value().last_sequence() <= account->checkpoint_sequence()) continue;
    SetBalances(change.value(), account);
    std::vector<std::uint64_t>& pending = PendingSequences(account);
    std::string_view sequences = change.value().sequences;
    for (std::size_t at = 0; at < sequences.size(); at += kSequenceBytes) {
      pending.push_back(ReadBigEndian(sequences.substr(at, kSequenceBytes)));
    }
  }
  logs_.push_back({std::string(key), std::make_shared<const std::string>(log.bytes())});
  return Status::Ok();
}

// Oldest first, each log naming an account overwriting the one before, unless the record
// was written out after it. Forward: RocksDB steps back through a memtable by searching it
// again, which made newest-first reads of a busy ledger slower despite stopping early.
Status ApplyNewestChanges(const storage::ReadView& view, const LiveLogs* live,
                          const std::vector<v1::AccountRecord*>& accounts) {
  Status problem;
  Status s = ScanLiveLogs(view, live, [&](std::string_view, const ChangeLog& log) {
    for (v1::AccountRecord* account : accounts) {
      auto change = log.Find(account->id());
      if (!change.ok()) {
        problem = change.status();
        return false;
      }
      if (change.value() && change.value()->last_sequence() > account->checkpoint_sequence()) {
        SetBalances(*change.value(), account);
      }
    }
    return true;
  });
  return s.ok() ? problem : s;
}

namespace {

// Visits one run of sequences (8 big-endian bytes each, ascending) newest first, skipping
// those above `at_most` (when not empty). False when `visit` asked to stop.
bool VisitNewestFirst(std::string_view sequences, std::string_view at_most,
                      const std::function<bool(std::string_view)>& visit) {
  for (std::size_t end = sequences.size(); end > 0; end -= kSequenceBytes) {
    std::string_view sequence = sequences.substr(end - kSequenceBytes, kSequenceBytes);
    if (!at_most.empty() && sequence > at_most) continue;
    if (!visit(sequence)) return false;
  }
  return true;
}

// The logs are read oldest first (see ApplyNewestChanges); the account's runs of sequences
// past the record's checkpoint_sequence are then visited newest first (a batch's sequences
// of an account are all past it, or none is).
Status ScanLoggedEntries(const storage::ReadView& view, const LiveLogs* live,
                         const v1::AccountRecord& account, std::string_view at_most,
                         const std::function<bool(std::string_view sequence_key)>& visit,
                         bool* stopped) {
  const std::uint64_t written = account.checkpoint_sequence();
  std::vector<std::string> runs;
  Status problem;
  Status s = ScanLiveLogs(view, live, [&](std::string_view, const ChangeLog& log) {
    auto change = log.Find(account.id());
    if (!change.ok()) problem = change.status();
    if (!change.ok()) return false;
    if (change.value() && change.value()->last_sequence() > written) {
      runs.emplace_back(change.value()->sequences);
    }
    return true;
  });
  if (!s.ok() || !problem.ok()) return s.ok() ? problem : s;
  for (auto run = runs.rbegin(); run != runs.rend() && !*stopped; ++run) {
    *stopped = !VisitNewestFirst(*run, at_most, visit);
  }
  return Status::Ok();
}

}  // namespace

Result<v1::AccountRecord> ReadStoredAccount(const storage::ReadView& view, const std::string& id) {
  auto record = ReadRecord<v1::AccountRecord>(view, storage::Family::kAccounts, id);
  if (!record.ok()) return record.status();
  if (!IsValidId(id) || !record.value()) {
    return Status(Code::kNotFound, "no account with this id").WithDetail("account_id", id);
  }
  return std::move(*record.value());
}

Result<v1::AccountRecord> ReadAccountAsSeen(const storage::ReadView& view, const LiveLogs* live,
                                            const std::string& id) {
  auto record = ReadStoredAccount(view, id);
  if (!record.ok()) return record;
  if (Status s = ApplyNewestChanges(view, live, {&record.value()}); !s.ok()) return s;
  return record;
}

Status ScanAccountEntries(const storage::ReadView& view, const LiveLogs* live,
                          const v1::AccountRecord& account, std::optional<std::string_view> start,
                          const std::function<bool(std::string_view sequence_key)>& visit) {
  const std::string& account_id = account.id();
  const std::string prefix = storage::IndexPrefix(account_id);
  // Big-endian sequences of equal width compare as their numbers do.
  std::string_view at_most = start ? start->substr(prefix.size()) : std::string_view();
  bool stopped = false;
  if (Status s = ScanLoggedEntries(view, live, account, at_most, visit, &stopped);
      !s.ok() || stopped) {
    return s;
  }
  Status problem;
  Status s = view.Scan(
      storage::Family::kAccountIndex, prefix, true, start,
      [&](std::string_view key, std::string_view value) {
        std::string_view first = key.substr(prefix.size());
        if (value.empty()) return visit(first);
        if (value.size() % kSequenceBytes != 0 || value.substr(0, kSequenceBytes) != first) {
          problem = Status(Code::kInternal, "an account index entry is malformed")
                        .WithDetail("account_id", std::string(account_id));
          return false;
        }
        return VisitNewestFirst(value, at_most, visit);
      });
  if (!s.ok()) return s;
  return problem;
}

}  // namespace market4::engine
