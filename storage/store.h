// Store: market4's only door to RocksDB. It owns the database handle and its column
// families, encodes nothing about orders or ledgers, and offers atomic batches that are
// fsynced before Commit returns. Reads (Get, Scan) are safe from any thread and see only
// committed batches; Commit is called by the engine's single writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace market4::storage {

// Column families, one per kind of record (see docs/storage.md).
enum class Family {
  kMeta,            // schema version, last sequence
  kAccounts,        // account id -> AccountRecord (balances as of the last commit)
  kTransfers,       // big-endian sequence -> TransferRecord (immutable)
  kTransferIds,     // transfer id -> big-endian sequence
  kAccountIndex,    // account id, 0x00, big-endian sequence -> "" (history per account)
  kPendingOpen,     // big-endian sequence of an unresolved pending transfer -> ""
  kMerchants,       // merchant id -> Merchant
  kBuyers,          // buyer id -> Buyer
  kListings,        // listing id -> Listing
  kOrders,          // order id -> Order (as of its last change)
  kOrderIndex,      // "a" / "b"+buyer+0x00 / "m"+merchant+0x00, big-endian order number -> id
  kTokens,          // SHA-256 of an API token -> PrincipalRecord
  kIdempotency,     // caller ("role:id"), 0x1f, key -> IdempotencyRecord
  kOpenOrders,      // id of an order awaiting payment, paid or shipped -> ""
  kProviders,       // provider id -> ProviderRecord
  kRails,           // id (tu_ / pi_ / po_ / ex_ ...) -> TopUp / ProviderPayment / Payout /
                    // ProviderException
  kRailIndex,       // owner ("t"+buyer, "p"+merchant, "P", "X"), 0x00, big-endian number -> id
  kEvents,          // "e"+event id -> ProviderEvent; "w"/"t"+provider... -> event id (dedupe)
  kMerchantEvents,  // merchant id, 0x00, big-endian event id -> MerchantEvent
  kChain,           // big-endian sequence -> SHA-256 chaining that ledger entry (32 bytes)
  kOperators,       // operator id -> OperatorRecord
  kApprovals,       // "a"+approval id -> Approval; "t"+transfer id / "r"+pending id -> approval id
  kDays,            // "c"+YYYY-MM-DD -> DayClose
  kReconciliations, // "rc_" id -> Reconciliation; "L"/"T" + provider...: settlement index
};
inline constexpr int kFamilyCount = 24;

struct StoreOptions {
  // Directory of the RocksDB database; created if missing.
  std::string path;
  // Whether Commit fsyncs the write-ahead log before returning. With false, a machine
  // crash (not a process crash) may lose recently committed batches. Default: true.
  bool sync = true;
  // Most table files RocksDB keeps open; the rest are opened on demand. Bounded so that
  // sockets can never take the descriptors a write needs (gateway/descriptors.h).
  // Default: 512.
  int max_open_files = 512;
};

// A set of writes applied atomically by Store::Commit.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void Put(Family family, std::string_view key, std::string_view value);
  void Delete(Family family, std::string_view key);
  void Clear();
  [[nodiscard]] std::size_t Count() const;
  [[nodiscard]] bool Empty() const { return Count() == 0; }

 private:
  friend class Store;
  struct Op {
    Family family;
    bool is_delete;
    std::string key;
    std::string value;
  };
  std::vector<Op> ops_;
};

class Store;

// One committed state of the store, frozen: every Get and Scan through a view sees the same
// set of batches, whatever commits meanwhile. Cheap to take; release it soon (it pins old
// data). Safe from any thread; a view must not outlive its store.
class ReadView {
 public:
  ~ReadView();
  ReadView(ReadView&& other) noexcept;
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;
  ReadView& operator=(ReadView&&) = delete;

  [[nodiscard]] Result<std::optional<std::string>> Get(Family family, std::string_view key) const;
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  [[nodiscard]] Status Scan(Family family, std::string_view prefix, bool reverse,
                            std::optional<std::string_view> start, const Visitor& visit) const;

 private:
  friend class Store;
  ReadView(const Store* store, const rocksdb::Snapshot* snapshot)
      : store_(store), snapshot_(snapshot) {}
  const Store* store_;
  const rocksdb::Snapshot* snapshot_;
};

class Store {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies every write in `batch` atomically; with options.sync the WAL is fsynced first.
  [[nodiscard]] Status Commit(const Batch& batch);

  // Point read. NotFound is a value (std::nullopt), not an error.
  [[nodiscard]] Result<std::optional<std::string>> Get(Family family, std::string_view key) const;

  // Visits keys starting with `prefix`, in key order (or reverse). When `start` is set the
  // scan begins there (inclusive) instead of at the prefix's first (or last) key. The
  // visitor returns false to stop.
  using Visitor = ReadView::Visitor;
  [[nodiscard]] Status Scan(Family family, std::string_view prefix, bool reverse,
                            std::optional<std::string_view> start, const Visitor& visit) const;

  // The state as of the last commit, frozen for a multi-key read.
  [[nodiscard]] ReadView View() const;

 private:
  friend class ReadView;
  Store() = default;
  Result<std::optional<std::string>> GetAt(const rocksdb::Snapshot* snapshot, Family family,
                                           std::string_view key) const;
  Status ScanAt(const rocksdb::Snapshot* snapshot, Family family, std::string_view prefix,
                bool reverse, std::optional<std::string_view> start, const Visitor& visit) const;
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace market4::storage
