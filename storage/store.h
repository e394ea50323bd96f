// Store: market4's only door to RocksDB. It owns the database handle and its column
// families, encodes nothing about orders or ledgers, and offers atomic batches that are
// fsynced before Commit returns. Views (View, any thread) see only committed batches. The
// plain reads (Get, GetMany, Scan) are the engine writer's: they also see the batches it has
// staged for a commit on another thread (Stage), so that it reads its own writes. Commit is
// called by one thread at a time. Backup copies a consistent state into a backup directory
// while commits go on (any one thread at a time); Restore and OpenReadOnly serve offline
// tools (market4ctl restore, verify).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace market4::storage {

// Column families, one per kind of record (see docs/storage.md).
enum class Family {
  kMeta,             // schema version, last sequence
  kAccounts,         // account id -> AccountRecord (balances as of its creation or the last
                     // checkpoint; newer ones are in kAccountChanges)
  kTransfers,        // big-endian sequence -> TransferRecord (immutable)
  kTransferIds,      // transfer id -> big-endian sequence
  kAccountIndex,     // account id, 0x00, first big-endian sequence since a checkpoint -> the
                     // account's sequences up to the next, or "" for one (engine/account_index.h)
  kPendingOpen,      // big-endian sequence of an unresolved pending transfer -> ""
  kMerchants,        // merchant id -> Merchant
  kBuyers,           // buyer id -> Buyer
  kListings,         // listing id -> Listing
  kOrders,           // order id -> Order (as of its last change)
  kOrderIndex,       // "a" / "b"+buyer+0x00 / "m"+merchant+0x00, big-endian order number -> id
  kTokens,           // SHA-256 of an API token -> PrincipalRecord
  kIdempotency,      // caller ("role:id"), 0x1f, key -> IdempotencyRecord
  kOpenOrders,       // id of an order awaiting payment, paid or shipped -> ""
  kProviders,        // provider id -> ProviderRecord
  kRails,            // id (tu_ / pi_ / po_ / ex_ ...) -> TopUp / ProviderPayment / Payout /
                     // ProviderException
  kRailIndex,        // owner ("t"+buyer, "p"+merchant, "P", "X"), 0x00, big-endian number -> id
  kEvents,           // "e"+event id -> ProviderEvent; "w"/"t"+provider... -> event id (dedupe)
  kMerchantEvents,   // merchant id, 0x00, big-endian event id -> MerchantEvent
  kChain,            // big-endian sequence -> SHA-256 chaining that ledger entry (32 bytes), for
                     // entries older than TransferRecord.chain_hash (engine/chain.h)
  kOperators,        // operator id -> OperatorRecord
  kApprovals,        // "a"+approval id -> Approval; "t"+transfer id / "r"+pending id -> approval id
  kDays,             // "c"+YYYY-MM-DD -> DayClose
  kReconciliations,  // "rc_" id -> Reconciliation; "L"/"T" + provider...: settlement index
  kListingIndex,     // "a"/"s"/"m"/"c"/"p"/"w" + ... + listing id -> "" (engine/listing_index.h)
  kAccountChanges,   // big-endian first sequence of a batch -> the accounts it changed, with
                     // their balances and entries, until the next checkpoint
                     // (engine/account_index.h)
};
inline constexpr int kFamilyCount = 26;

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

// Meta key under which the engine's ledger keeps its last sequence (8 bytes big-endian,
// engine/ledger.cc); Backup reports it as of the backup point.
inline constexpr char kLastSequenceKey[] = "last_sequence";

// Most bytes of write-ahead log kept before the oldest families are flushed: what a start
// after a crash may have to replay, whatever the history's length.
inline constexpr std::uint64_t kMaxWalBytes = 64ull << 20;

// One backup in a backup directory (RocksDB BackupEngine; see docs/decisions.md).
struct BackupInfo {
  // Number of this backup in its directory: 1, 2, ... Restore takes the newest.
  std::uint32_t backup_id = 0;
  // Bytes of the files the backup consists of (some shared with earlier backups in the same
  // directory, which are not copied again).
  std::uint64_t size_bytes = 0;
  std::uint32_t file_count = 0;
  // When the backup was taken, in seconds since the Unix epoch.
  std::int64_t created_unix_seconds = 0;
  // The ledger's last sequence at the backup point, read from the backup itself (0 when the
  // ledger was empty).
  std::uint64_t last_sequence = 0;
};

// A set of writes applied atomically by Store::Commit. It holds at most one operation per
// key: a later Put or Delete of a key replaces the earlier one in place, which leaves the
// same state once committed (RocksDB keeps only the last write of a key anyway) with one
// memtable insert instead of many. A batch of 600 transfers rewrites each account and the
// ledger's meta keys once, not once per transfer.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void Put(Family family, std::string_view key, std::string_view value);
  // Puts a value of `size` bytes that the caller writes at the address returned, before any
  // other call on the batch: a record serialized straight into the batch, with no string of
  // its own to allocate and copy.
  [[nodiscard]] char* PutSized(Family family, std::string_view key, std::size_t size);
  void Delete(Family family, std::string_view key);
  // Empties the batch for reuse. Keeps its buffers unless one large batch (a backfill at
  // start) grew them past kKeptSlots keys' worth, so an idle writer never clears megabytes.
  void Clear();
  [[nodiscard]] std::size_t Count() const;
  [[nodiscard]] bool Empty() const { return Count() == 0; }
  // Bytes of memory the batch holds, in use or kept for reuse.
  [[nodiscard]] std::size_t HeldBytes() const;

 private:
  friend class Store;
  // One key's write; its key and value are ranges of bytes_. No allocation per write: the
  // writer records thousands per batch.
  struct Op {
    Family family;
    bool is_delete;
    std::uint32_t key_at, key_size, value_at, value_size;
  };
  Op& Record(Family family, bool is_delete, std::string_view key, std::string_view value);
  std::string_view Key(const Op& op) const { return {bytes_.data() + op.key_at, op.key_size}; }
  std::string_view Value(const Op& op) const {
    return {bytes_.data() + op.value_at, op.value_size};
  }
  // Indexes into ops_, by family and then key (the order Store::Commit writes them in).
  std::vector<std::uint32_t> SortedOps() const;
  // The slot of (family, key) in slots_: the one holding its op, or the empty one to use.
  std::size_t Find(Family family, std::string_view key, std::size_t hash) const;
  // The batch's write of (family, key), or null if it has none.
  const Op* Lookup(Family family, std::string_view key) const;
  void Grow();
  static constexpr std::size_t kKeptSlots = std::size_t{1} << 16;
  std::string bytes_;
  std::vector<Op> ops_;
  // Open addressing over ops_ by family and key: 1 + index in ops_, or 0 for empty. Its size
  // is a power of two, at least twice ops_'s.
  std::vector<std::uint32_t> slots_;
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
  // Point reads of several keys of one family in one pass over the files (RocksDB's
  // MultiGet), in the order given; NotFound is std::nullopt.
  [[nodiscard]] Result<std::vector<std::optional<std::string>>> GetMany(
      Family family, const std::vector<std::string>& keys) const;
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  [[nodiscard]] Status Scan(Family family, std::string_view prefix, bool reverse,
                            std::optional<std::string_view> start, const Visitor& visit) const;
  [[nodiscard]] Status ScanFrom(Family family, std::string_view lowest, bool reverse,
                                const Visitor& visit) const;
  // RocksDB's sequence number of the state this view sees: two views with the same one see
  // the same state (Store::LatestSequence).
  [[nodiscard]] std::uint64_t sequence() const;

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
  // Opens an existing database for reading only, with whichever families it has (a family
  // it lacks reads as empty). For offline tools; the database must not be open for writing
  // in another process meanwhile. Commit and Backup then fail with kFailedPrecondition.
  [[nodiscard]] static Result<std::unique_ptr<Store>> OpenReadOnly(const std::string& path);
  // Restores the newest backup in `from_dir` into a new database at `path`, which must not
  // exist or be an empty directory (kFailedPrecondition otherwise). Restores into a sibling
  // temporary directory first and renames it, so a failed restore leaves nothing at `path`.
  // `info`, if given, describes the backup restored.
  [[nodiscard]] static Status Restore(const std::string& from_dir, const std::string& path,
                                      BackupInfo* info = nullptr);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies every write in `batch` atomically; with options.sync the WAL is fsynced first.
  [[nodiscard]] Status Commit(const Batch& batch);

  // A batch handed to another thread to Commit, while the engine's writer goes on to apply
  // the next one. Until Unstage, Get and GetMany read its writes as if it were committed (the
  // newest staged batch first), and Scan, ScanFrom and LatestView first wait until it is;
  // views see it only once it is committed. `batch` must stay alive and unchanged until
  // Unstage, which comes once its Commit succeeded, or once it will never be committed (a
  // failure stopped the engine). Stage from the writer; Unstage from any thread.
  void Stage(const Batch* batch);
  void Unstage(const Batch* batch);

  // Point read. NotFound is a value (std::nullopt), not an error. Staged batches included.
  [[nodiscard]] Result<std::optional<std::string>> Get(Family family, std::string_view key) const;
  // Point reads of several keys of one family in one pass (RocksDB's MultiGet), in the order
  // given; NotFound is std::nullopt. Staged batches included.
  [[nodiscard]] Result<std::vector<std::optional<std::string>>> GetMany(
      Family family, const std::vector<std::string_view>& keys) const;

  // Visits keys starting with `prefix`, in key order (or reverse). When `start` is set the
  // scan begins there (inclusive) instead of at the prefix's first (or last) key. The
  // visitor returns false to stop. Waits until no batch is staged.
  using Visitor = ReadView::Visitor;
  [[nodiscard]] Status Scan(Family family, std::string_view prefix, bool reverse,
                            std::optional<std::string_view> start, const Visitor& visit) const;
  // Visits the keys at or above `lowest`, in key order (or reverse, from the last). RocksDB
  // is told the bound, so a reverse scan stops there without walking the deleted keys below.
  // Waits until no batch is staged.
  [[nodiscard]] Status ScanFrom(Family family, std::string_view lowest, bool reverse,
                                const Visitor& visit) const;

  // The state as of the last commit, frozen for a multi-key read.
  [[nodiscard]] ReadView View() const;
  // The same, once no batch is staged: every write staged so far is in it. For the writer.
  [[nodiscard]] ReadView LatestView() const;
  // The sequence number of the newest write: a View made after it, with no write between,
  // has this sequence(). Called by the one thread that commits, right after a Commit, it is
  // that commit's.
  [[nodiscard]] std::uint64_t LatestSequence() const;

  // The bytes of RocksDB batch buffer that Commit keeps for the next commit: 0 before the
  // first commit and after one too large to keep (kMostKeptWriteBatchBytes). For tests.
  [[nodiscard]] std::size_t KeptWriteBatchBytes();

  // RocksDB's estimate of how many keys `family` holds (it may count overwritten versions
  // not yet compacted away); 0 if it has none. For sizing tables before a load, not for logic.
  [[nodiscard]] std::uint64_t EstimatedKeys(Family family) const;

  // Adds a backup of the current state to `dir` (absolute; created if missing; may hold
  // earlier backups, whose unchanged files are shared), while commits continue: memtables
  // are flushed and live files copied on the calling thread; the writer is never blocked.
  // The backup is one consistent point in the commit order. kInvalidArgument for a relative
  // path, kFailedPrecondition when `dir` is a file, holds something other than backups or
  // cannot be created, kUnavailable when `cancel` becomes true (checked between files),
  // kIoError when copying fails. Not to be called twice at once on one directory.
  [[nodiscard]] Status Backup(const std::string& dir, BackupInfo* info,
                              const std::atomic<bool>* cancel = nullptr);

 private:
  friend class ReadView;
  Store() = default;
  // OpenReadOnly through `env` (a backup's files are reached through the backup's own Env).
  static Result<std::unique_ptr<Store>> OpenReadOnlyIn(const std::string& path, rocksdb::Env* env);
  Result<std::vector<std::optional<std::string>>> GetManyAt(
      const rocksdb::Snapshot* snapshot, Family family,
      const std::vector<std::string_view>& keys) const;
  Result<std::optional<std::string>> GetAt(const rocksdb::Snapshot* snapshot, Family family,
                                           std::string_view key) const;
  Status ScanAt(const rocksdb::Snapshot* snapshot, Family family, std::string_view prefix,
                bool reverse, std::optional<std::string_view> start, const Visitor& visit) const;
  Status ScanFromAt(const rocksdb::Snapshot* snapshot, Family family, std::string_view lowest,
                    bool reverse, const Visitor& visit) const;
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;
  // What the newest staged batch that writes (family, key) holds there (an unset value for a
  // delete), or nullopt if no staged batch writes it. staged_mutex_ held.
  std::optional<std::optional<std::string>> StagedValue(Family family, std::string_view key) const;
  void WaitUntilNothingStaged() const;

  StoreOptions options_;
  bool read_only_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  // Commit's RocksDB batch, kept between commits so that its buffer (hundreds of KiB under
  // load) is not allocated, faulted in and copied as it grows on every commit. The mutex
  // only guards against a second committing thread, which the engine never has.
  std::mutex commit_mutex_;
  std::unique_ptr<rocksdb::WriteBatch> write_batch_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // The batches staged and not yet unstaged, oldest first (staged.cc).
  mutable std::mutex staged_mutex_;
  mutable std::condition_variable unstaged_;
  std::deque<const Batch*> staged_;
};

}  // namespace market4::storage
