// The account index (family kAccountIndex): for each account, the sequences of the ledger
// entries that debit or credit it, so an account's history is read without a scan of the
// ledger. One key per account per committed batch: the account id, 0x00, and the first such
// sequence of the batch (big-endian, storage::IndexKey). The value lists every such sequence
// of the batch, 8 big-endian bytes each, ascending (the first is the key's); it is empty when
// the batch had only the one, which is also how every entry was written before batches were
// grouped, so older ledgers read unchanged (docs/storage.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace market4::engine {

// Collects one batch's index entries as the ledger commits its transfers. Writer thread.
class AccountIndexBatch {
 public:
  // Notes that entry `sequence` debits or credits `account_id`. The string itself (not a
  // copy) is kept until WriteTo: the ledger passes its accounts' own ids, which stay put.
  // Sequences arrive ascending.
  void Add(const std::string& account_id, std::uint64_t sequence) {
    entries_.push_back({&account_id, sequence});
  }
  // Puts one key per account into `batch` and empties itself.
  void WriteTo(storage::Batch* batch);
  [[nodiscard]] bool empty() const { return entries_.empty(); }

 private:
  // Two per transfer, grouped by account only in WriteTo: a map per account cost a node and
  // a string per account touched, which with a million accounts (each touched about once a
  // batch) made the grouping slower than writing every entry alone.
  struct Entry {
    const std::string* account_id;
    std::uint64_t sequence;
  };
  std::vector<Entry> entries_;
};

// Visits the sequences of `account_id`'s entries newest first, each as the 8-byte key of its
// entry in kTransfers, until `visit` returns false. With `start` (an IndexKey of the
// account), only sequences at or below start's are visited.
Status ScanAccountEntries(const storage::ReadView& view, std::string_view account_id,
                          std::optional<std::string_view> start,
                          const std::function<bool(std::string_view sequence_key)>& visit);

}  // namespace market4::engine
