#include "storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <utility>

namespace market4::storage {
namespace {

constexpr std::array<const char*, kFamilyCount> kFamilyNames = {
    "meta",         "accounts",   "transfers",   "transfer_ids",    "account_index",
    "pending_open", "merchants",  "buyers",      "listings",        "orders",
    "order_index",  "tokens",     "idempotency", "open_orders",     "providers",
    "rails",        "rail_index", "events",      "merchant_events", "chain",
    "operators",    "approvals",  "days",        "reconciliations", "listing_index",
};

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

// Every family: a bloom filter in each table file and one over the memtable, so a point
// read of a key that is not there (an idempotency check of a new id, the usual case) skips
// the skip list and the files instead of searching them.
rocksdb::ColumnFamilyOptions FamilyOptions() {
  rocksdb::ColumnFamilyOptions family;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  family.memtable_prefix_bloom_size_ratio = 0.02;
  family.memtable_whole_key_filtering = true;
  return family;
}

}  // namespace

Batch::Batch() = default;
Batch::~Batch() = default;

void Batch::Put(Family family, std::string_view key, std::string_view value) {
  Record(family, false, key, value);
}

void Batch::Delete(Family family, std::string_view key) { Record(family, true, key, {}); }

void Batch::Record(Family family, bool is_delete, std::string_view key, std::string_view value) {
  std::string slot;
  slot.reserve(key.size() + 1);
  slot.push_back(static_cast<char>(family));
  slot.append(key);
  auto [it, added] = where_.try_emplace(std::move(slot), ops_.size());
  if (added) {
    ops_.push_back(Op{family, is_delete, std::string(key), std::string(value)});
    return;
  }
  Op& op = ops_[it->second];
  op.is_delete = is_delete;
  op.value.assign(value);
}

void Batch::Clear() {
  ops_.clear();
  where_.clear();
}

std::size_t Batch::Count() const { return ops_.size(); }

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
  for (const char* name : kFamilyNames) {
    families.emplace_back(name, FamilyOptions());
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
    families.emplace_back(kFamilyNames[i], FamilyOptions());
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
  rocksdb::WriteBatch write_batch;
  for (const auto& op : batch.ops_) {
    rocksdb::Status s = op.is_delete ? write_batch.Delete(Handle(op.family), op.key)
                                     : write_batch.Put(Handle(op.family), op.key, op.value);
    if (!s.ok()) return FromRocks(s, "batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  rocksdb::Status s = db_->Write(write_options, &write_batch);
  if (!s.ok()) return FromRocks(s, "write");
  return Status::Ok();
}

Result<std::optional<std::string>> Store::Get(Family family, std::string_view key) const {
  return GetAt(nullptr, family, key);
}

Status Store::Scan(Family family, std::string_view prefix, bool reverse,
                   std::optional<std::string_view> start, const Visitor& visit) const {
  return ScanAt(nullptr, family, prefix, reverse, start, visit);
}

ReadView Store::View() const { return ReadView(this, db_->GetSnapshot()); }

ReadView::~ReadView() {
  if (snapshot_) store_->db_->ReleaseSnapshot(snapshot_);
}

ReadView::ReadView(ReadView&& other) noexcept
    : store_(other.store_), snapshot_(std::exchange(other.snapshot_, nullptr)) {}

Result<std::optional<std::string>> ReadView::Get(Family family, std::string_view key) const {
  return store_->GetAt(snapshot_, family, key);
}

Status ReadView::Scan(Family family, std::string_view prefix, bool reverse,
                      std::optional<std::string_view> start, const Visitor& visit) const {
  return store_->ScanAt(snapshot_, family, prefix, reverse, start, visit);
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

}  // namespace market4::storage
