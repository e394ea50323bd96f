#include "storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>

#include "common/assert.h"

namespace market4::storage {
namespace {

constexpr std::array<const char*, kFamilyCount> kFamilyNames = {
    "meta",           "accounts",   "transfers",   "transfer_ids",    "account_index",
    "pending_open",   "merchants",  "buyers",      "listings",        "orders",
    "order_index",    "tokens",     "idempotency", "open_orders",     "providers",
    "rails",          "rail_index", "events",      "merchant_events", "chain",
    "operators",      "approvals",  "days",        "reconciliations", "listing_index",
    "account_changes"};

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  return Status(Code::kIoError, std::string(what) + ": " + s.ToString());
}

bool HasPrefix(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::string_view(key.data(), prefix.size()) == prefix;
}

// The smallest key greater than every key starting with `prefix`, or "" if none exists.
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

// The families whose keys end in a big-endian sequence that grows with each write: one
// owner's entries (or, for the families keyed by the sequence alone, all of them) arrive in
// key order.
constexpr std::array<Family, 8> kAppendedFamilies = {
    Family::kTransfers,  Family::kChain,     Family::kAccountIndex,   Family::kPendingOpen,
    Family::kOrderIndex, Family::kRailIndex, Family::kMerchantEvents, Family::kAccountChanges};

// A key's owner: everything before its trailing 8-byte sequence ("" for a bare sequence).
// As the memtable's insert hint, it lets an insert start from where that owner's last one
// went instead of searching the skip list from the top (a sixth of the writer's time went to
// that search under load).
class OwnerOfSequenceKey : public rocksdb::SliceTransform {
 public:
  static constexpr std::size_t kSequenceBytes = 8;
  const char* Name() const override { return "market4.OwnerOfSequenceKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - kSequenceBytes);
  }
  // A bare sequence, or an owner, 0x00 and a sequence (storage::IndexKey). Other keys of these
  // families (an order's number, under "#" and its id) are inserted without a hint: each
  // would otherwise be an owner of its own in the memtable's table of hints.
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() == kSequenceBytes ||
           (key.size() > kSequenceBytes && key[key.size() - kSequenceBytes - 1] == '\0');
  }
};

// The accounts family gets a new version of each account a batch changes, so its memtable
// fills with versions of the same few keys, and every insert searches a skip list of all of
// them. With 1,000 accounts, flushing at 4 MiB instead of the default 64 MiB cut the writer's
// CPU per transfer by a quarter. A flush keeps only the newest version of each account, so
// the files it makes stay small.
constexpr std::size_t kAccountsMemtableBytes = std::size_t{4} << 20;

// The largest RocksDB batch buffer Commit keeps for the next commit; a busy writer's batches
// are a few hundred KiB.
constexpr std::size_t kMostKeptWriteBatchBytes = std::size_t{16} << 20;

// The whole key as the insert hint's owner: a new version of an account sorts just before
// its previous one, so the insert starts from where that one went instead of from the top
// of the skip list (about 7 % of the CPU per transfer with 1,000 accounts).
class WholeKey : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "market4.WholeKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return key; }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

// Families written on every transfer or order whose point reads ask only for keys that
// exist (or that are held in memory), so a bloom filter over their memtable would never
// save a search. Each insert into such a filter is a cache miss: with one on every family
// they took a tenth of the engine's CPU under load.
constexpr std::array<Family, 4> kUnprobedFamilies = {Family::kMeta, Family::kAccounts,
                                                     Family::kOpenOrders, Family::kListingIndex};

template <std::size_t N>
bool IsOneOf(std::size_t index, const std::array<Family, N>& families) {
  return std::find(families.begin(), families.end(), static_cast<Family>(index)) != families.end();
}

// Every family: a bloom filter in each table file. The others also get one over the
// memtable, so a point read of a key that is not there (an idempotency check of a new id,
// the usual case) skips the skip list instead of searching it.
rocksdb::ColumnFamilyOptions FamilyOptions(std::size_t index) {
  rocksdb::ColumnFamilyOptions family;
  bool appended = IsOneOf(index, kAppendedFamilies);
  if (appended) {
    family.memtable_insert_with_hint_prefix_extractor = std::make_shared<OwnerOfSequenceKey>();
  }
  if (static_cast<Family>(index) == Family::kAccounts) {
    family.write_buffer_size = kAccountsMemtableBytes;
    family.memtable_insert_with_hint_prefix_extractor = std::make_shared<WholeKey>();
  }
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (!appended && !IsOneOf(index, kUnprobedFamilies)) {
    family.memtable_prefix_bloom_size_ratio = 0.02;
    family.memtable_whole_key_filtering = true;
  }
  return family;
}

}  // namespace

Batch::Batch() = default;
Batch::~Batch() = default;

void Batch::Put(Family family, std::string_view key, std::string_view value) {
  Record(family, false, key, value);
}

void Batch::Delete(Family family, std::string_view key) { Record(family, true, key, {}); }

namespace {

constexpr std::size_t kFirstBatchSlots = 1024;

std::size_t HashOf(Family family, std::string_view key) {
  return std::hash<std::string_view>()(key) * 31 + static_cast<std::size_t>(family);
}

std::uint32_t Offset(std::size_t size) {
  M4_ASSERT(size <= std::numeric_limits<std::uint32_t>::max(), "a batch of 4 GiB or more");
  return static_cast<std::uint32_t>(size);
}

}  // namespace

std::size_t Batch::Find(Family family, std::string_view key, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    std::uint32_t at = slots_[i];
    if (at == 0) return i;
    const Op& op = ops_[at - 1];
    if (op.family == family && Key(op) == key) return i;
  }
}

const Batch::Op* Batch::Lookup(Family family, std::string_view key) const {
  if (slots_.empty()) return nullptr;
  std::uint32_t at = slots_[Find(family, key, HashOf(family, key))];
  return at == 0 ? nullptr : &ops_[at - 1];
}

void Batch::Grow() {
  slots_.assign(std::max(kFirstBatchSlots, slots_.size() * 2), 0);
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const Op& op = ops_[i];
    slots_[Find(op.family, Key(op), HashOf(op.family, Key(op)))] = Offset(i + 1);
  }
}

// A key written twice in one batch is one write, of the last value: RocksDB would otherwise
// insert every version into its memtable.
Batch::Op& Batch::Record(Family family, bool is_delete, std::string_view key,
                         std::string_view value) {
  if (2 * (ops_.size() + 1) > slots_.size()) Grow();
  std::size_t slot = Find(family, key, HashOf(family, key));
  if (slots_[slot] == 0) {
    ops_.push_back(Op{family, is_delete, Offset(bytes_.size()), Offset(key.size()), 0, 0});
    bytes_.append(key);
    slots_[slot] = Offset(ops_.size());
  }
  Op& op = ops_[slots_[slot] - 1];
  op.is_delete = is_delete;
  op.value_at = Offset(bytes_.size());
  op.value_size = Offset(value.size());
  bytes_.append(value);
  return op;
}

char* Batch::PutSized(Family family, std::string_view key, std::size_t size) {
  Op& op = Record(family, false, key, {});
  op.value_size = Offset(size);
  bytes_.resize(bytes_.size() + size);
  return bytes_.data() + op.value_at;
}

void Batch::Clear() {
  if (slots_.size() > kKeptSlots) {
    std::string().swap(bytes_);
    std::vector<Op>().swap(ops_);
    std::vector<std::uint32_t>().swap(slots_);
    return;
  }
  bytes_.clear();
  ops_.clear();
  std::fill(slots_.begin(), slots_.end(), 0);
}

std::size_t Batch::Count() const { return ops_.size(); }

// Each key appears once in a batch, so the order of its writes changes nothing in what is
// stored. Written family by family, and in key order within a family, each memtable insert
// lands next to the one before it, and the skip list finds its place from there instead of
// searching from the top past random keys (client ids, accounts): a fifth of the writer's
// time under HTTP load. The appended families' keys come in order already (and have insert
// hints), so only the others are sorted.
std::vector<std::uint32_t> Batch::SortedOps() const {
  std::array<std::uint32_t, kFamilyCount + 1> begins{};
  for (const Op& op : ops_) ++begins[static_cast<std::size_t>(op.family) + 1];
  for (std::size_t f = 1; f < begins.size(); ++f) begins[f] += begins[f - 1];
  std::vector<std::uint32_t> order(ops_.size());
  std::array<std::uint32_t, kFamilyCount + 1> next = begins;
  for (std::uint32_t i = 0; i < ops_.size(); ++i) {
    order[next[static_cast<std::size_t>(ops_[i].family)]++] = i;
  }
  auto by_key = [this](std::uint32_t a, std::uint32_t b) { return Key(ops_[a]) < Key(ops_[b]); };
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    if (IsOneOf(f, kAppendedFamilies) || begins[f + 1] - begins[f] < 2) continue;
    std::sort(order.begin() + begins[f], order.begin() + begins[f + 1], by_key);
  }
  return order;
}

std::size_t Batch::HeldBytes() const {
  return bytes_.capacity() + ops_.capacity() * sizeof(Op) +
         slots_.capacity() * sizeof(std::uint32_t);
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.max_open_files = options.max_open_files;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // A write-ahead log is kept until every family with data in it is flushed, and a quiet
  // family (meta) would keep the whole history's log alive: a start after a crash would
  // replay all of it. Past this size RocksDB flushes the families holding the oldest log.
  db_options.max_total_wal_size = kMaxWalBytes;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
    families.emplace_back(kFamilyNames[i], FamilyOptions(i));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "open " + options.path);
  std::unique_ptr<Store> store(new Store());
  store->options_ = options;
  store->db_.reset(raw);
  store->handles_ = std::move(handles);
  return store;
}

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& path) {
  return OpenReadOnlyIn(path, rocksdb::Env::Default());
}

Result<std::unique_ptr<Store>> Store::OpenReadOnlyIn(const std::string& path, rocksdb::Env* env) {
  rocksdb::DBOptions db_options;
  db_options.env = env;
  db_options.max_open_files = StoreOptions().max_open_files;
  db_options.paranoid_checks = true;
  std::vector<std::string> present;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, path, &present);
  if (!s.ok()) return FromRocks(s, "open " + path);
  // A database written before a family existed lacks it: open the families it has, and let
  // the others read as empty (a null handle).
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  std::vector<std::size_t> slots;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  slots.push_back(0);
  for (std::size_t i = 0; i < kFamilyNames.size(); ++i) {
    if (std::find(present.begin(), present.end(), kFamilyNames[i]) == present.end()) continue;
    families.emplace_back(kFamilyNames[i], FamilyOptions(i));
    slots.push_back(i + 1);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(db_options, path, families, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "open " + path + " read-only");
  std::unique_ptr<Store> store(new Store());
  store->options_.path = path;
  store->read_only_ = true;
  store->db_.reset(raw);
  store->handles_.assign(kFamilyNames.size() + 1, nullptr);
  for (std::size_t i = 0; i < handles.size(); ++i) store->handles_[slots[i]] = handles[i];
  return store;
}

Store::~Store() {
  if (!db_) return;
  // A clean stop leaves nothing to replay: the next start opens at once. (If the flush fails,
  // the log is still there and replays.)
  if (!read_only_) {
    std::vector<rocksdb::ColumnFamilyHandle*> all;
    for (auto* handle : handles_) {
      if (handle) all.push_back(handle);
    }
    db_->Flush(rocksdb::FlushOptions(), all).PermitUncheckedError();
  }
  for (auto* handle : handles_) {
    if (handle) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* Store::Handle(Family family) const {
  // handles_[0] is RocksDB's default family, which market4 does not use.
  return handles_[static_cast<std::size_t>(family) + 1];
}

Status Store::Commit(const Batch& batch) {
  if (read_only_) return Status(Code::kFailedPrecondition, "the store is open read-only");
  std::lock_guard lock(commit_mutex_);
  if (!write_batch_) write_batch_ = std::make_unique<rocksdb::WriteBatch>();
  rocksdb::WriteBatch& write_batch = *write_batch_;
  write_batch.Clear();
  for (std::uint32_t index : batch.SortedOps()) {
    const Batch::Op& op = batch.ops_[index];
    rocksdb::Slice key(batch.Key(op).data(), batch.Key(op).size());
    rocksdb::Slice value(batch.Value(op).data(), batch.Value(op).size());
    rocksdb::Status s = op.is_delete ? write_batch.Delete(Handle(op.family), key)
                                     : write_batch.Put(Handle(op.family), key, value);
    if (!s.ok()) return FromRocks(s, "batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  rocksdb::Status s = db_->Write(write_options, &write_batch);
  if (!s.ok()) return FromRocks(s, "write");
  // One large batch (a backfill at start) does not keep its buffer for good.
  if (write_batch.GetDataSize() > kMostKeptWriteBatchBytes) write_batch_.reset();
  return Status::Ok();
}

std::size_t Store::KeptWriteBatchBytes() {
  std::lock_guard lock(commit_mutex_);
  return write_batch_ ? write_batch_->GetDataSize() : 0;
}

Status Store::Scan(Family family, std::string_view prefix, bool reverse,
                   std::optional<std::string_view> start, const Visitor& visit) const {
  WaitUntilNothingStaged();
  return ScanAt(nullptr, family, prefix, reverse, start, visit);
}

Status Store::ScanFrom(Family family, std::string_view lowest, bool reverse,
                       const Visitor& visit) const {
  WaitUntilNothingStaged();
  return ScanFromAt(nullptr, family, lowest, reverse, visit);
}

ReadView Store::View() const { return ReadView(this, db_->GetSnapshot()); }

ReadView Store::LatestView() const {
  WaitUntilNothingStaged();
  return View();
}

std::uint64_t Store::LatestSequence() const { return db_->GetLatestSequenceNumber(); }

std::uint64_t Store::EstimatedKeys(Family family) const {
  rocksdb::ColumnFamilyHandle* handle = Handle(family);
  std::uint64_t keys = 0;
  if (!handle || !db_->GetIntProperty(handle, "rocksdb.estimate-num-keys", &keys)) return 0;
  return keys;
}

std::uint64_t ReadView::sequence() const {
  // A moved-from view has no state: it matches no sequence a store reports.
  return snapshot_ ? snapshot_->GetSequenceNumber() : std::numeric_limits<std::uint64_t>::max();
}

ReadView::~ReadView() {
  if (snapshot_) store_->db_->ReleaseSnapshot(snapshot_);
}

ReadView::ReadView(ReadView&& other) noexcept
    : store_(other.store_), snapshot_(std::exchange(other.snapshot_, nullptr)) {}

Result<std::optional<std::string>> ReadView::Get(Family family, std::string_view key) const {
  return store_->GetAt(snapshot_, family, key);
}

Result<std::vector<std::optional<std::string>>> ReadView::GetMany(
    Family family, const std::vector<std::string>& keys) const {
  return store_->GetManyAt(snapshot_, family,
                           std::vector<std::string_view>(keys.begin(), keys.end()));
}

Status ReadView::Scan(Family family, std::string_view prefix, bool reverse,
                      std::optional<std::string_view> start, const Visitor& visit) const {
  return store_->ScanAt(snapshot_, family, prefix, reverse, start, visit);
}

Status ReadView::ScanFrom(Family family, std::string_view lowest, bool reverse,
                          const Visitor& visit) const {
  return store_->ScanFromAt(snapshot_, family, lowest, reverse, visit);
}

Result<std::optional<std::string>> Store::GetAt(const rocksdb::Snapshot* snapshot, Family family,
                                                std::string_view key) const {
  rocksdb::ColumnFamilyHandle* handle = Handle(family);
  if (!handle) return std::optional<std::string>();  // a family a read-only database lacks
  std::string value;
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  rocksdb::Status s = db_->Get(options, handle, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "get");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> Store::GetManyAt(
    const rocksdb::Snapshot* snapshot, Family family,
    const std::vector<std::string_view>& keys) const {
  std::vector<std::optional<std::string>> values(keys.size());
  rocksdb::ColumnFamilyHandle* handle = Handle(family);
  if (!handle || keys.empty()) return values;  // a family a read-only database lacks: empty
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> found(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  // Keys given in order (the writer's prefetch sorts them) spare RocksDB its own sort.
  bool sorted = std::is_sorted(keys.begin(), keys.end());
  db_->MultiGet(options, handle, keys.size(), slices.data(), found.data(), statuses.data(), sorted);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "get");
    values[i] = found[i].ToString();
  }
  return values;
}

Status Store::ScanAt(const rocksdb::Snapshot* snapshot, Family family, std::string_view prefix,
                     bool reverse, std::optional<std::string_view> start,
                     const Visitor& visit) const {
  rocksdb::ColumnFamilyHandle* handle = Handle(family);
  if (!handle) return Status::Ok();  // a family a read-only database lacks
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handle));
  if (start) {
    if (reverse) {
      it->SeekForPrev(rocksdb::Slice(start->data(), start->size()));
    } else {
      it->Seek(rocksdb::Slice(start->data(), start->size()));
    }
  } else if (reverse) {
    std::string end = PrefixEnd(prefix);
    if (end.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(end);
      if (it->Valid() && it->key() == rocksdb::Slice(end)) it->Prev();
    }
  } else {
    it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
  }
  for (; it->Valid() && HasPrefix(it->key(), prefix); reverse ? it->Prev() : it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (!visit(key, value)) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan");
  return Status::Ok();
}

Status Store::ScanFromAt(const rocksdb::Snapshot* snapshot, Family family, std::string_view lowest,
                         bool reverse, const Visitor& visit) const {
  rocksdb::ColumnFamilyHandle* handle = Handle(family);
  if (!handle) return Status::Ok();  // a family a read-only database lacks
  rocksdb::Slice bound(lowest.data(), lowest.size());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  options.iterate_lower_bound = &bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handle));
  if (reverse) {
    it->SeekToLast();
  } else {
    it->Seek(bound);
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (!visit(key, value)) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan");
  return Status::Ok();
}

}  // namespace market4::storage
