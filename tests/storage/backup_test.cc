// Store::Backup, Store::Restore and Store::OpenReadOnly on real RocksDB directories: a backup
// taken while another thread keeps committing restores to exactly the state at its last
// sequence, and the refusals are clean values.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "storage/keys.h"
#include "storage/store.h"
#include "tests/test_util.h"

namespace market4::storage {
namespace backup_test {

constexpr std::uint64_t kBatchesBeforeBackup = 300;
constexpr std::uint64_t kBatchesAfterBackup = 100;
constexpr int kAccounts = 7;
const std::string kPadding(200, 'x');  // so that flushed files have some size

using FamilyContents = std::map<std::string, std::string>;
using Contents = std::map<int, FamilyContents>;

// The writes of batch `n`: a new transfer, an account overwritten, a pending entry opened
// every 5th batch and closed (deleted) 5 batches later, and the last sequence. `put(family,
// key, value)` and `erase(family, key)` apply them to a Batch or to the expected contents.
template <typename Put, typename Erase>
void Writes(std::uint64_t n, const Put& put, const Erase& erase) {
  put(Family::kTransfers, EncodeSequence(n), "transfer " + std::to_string(n) + kPadding);
  put(Family::kAccounts, "account" + std::to_string(n % kAccounts), "as of " + std::to_string(n));
  if (n % 5 == 0) put(Family::kPendingOpen, EncodeSequence(n), "");
  if (n % 5 == 0 && n >= 10) erase(Family::kPendingOpen, EncodeSequence(n - 5));
  put(Family::kMeta, kLastSequenceKey, EncodeSequence(n));
}

void FillBatch(std::uint64_t n, Batch* batch) {
  Writes(
      n, [batch](Family f, const std::string& k, const std::string& v) { batch->Put(f, k, v); },
      [batch](Family f, const std::string& k) { batch->Delete(f, k); });
}

// What the store holds after batches 1..last, family by family.
Contents Expected(std::uint64_t last) {
  Contents contents;
  for (std::uint64_t n = 1; n <= last; ++n) {
    Writes(
        n,
        [&contents](Family f, const std::string& k, const std::string& v) {
          contents[static_cast<int>(f)][k] = v;
        },
        [&contents](Family f, const std::string& k) { contents[static_cast<int>(f)].erase(k); });
  }
  return contents;
}

Contents ReadAll(const Store& store) {
  Contents contents;
  for (int family = 0; family < kFamilyCount; ++family) {
    Status s = store.Scan(static_cast<Family>(family), "", false, std::nullopt,
                          [&](std::string_view key, std::string_view value) {
                            contents[family][std::string(key)] = std::string(value);
                            return true;
                          });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return contents;
}

std::uint64_t LastSequence(const Store& store) {
  auto last = store.Get(Family::kMeta, kLastSequenceKey);
  EXPECT_TRUE(last.ok() && last.value());
  return last.ok() && last.value() ? DecodeSequence(*last.value()).value_or(0) : 0;
}

std::unique_ptr<Store> OpenStore(const std::string& path) {
  auto store = Store::Open({path, /*sync=*/false});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Commits batches 1, 2, ... on its own thread until stopped; `committed` is the last one.
class Writer {
 public:
  explicit Writer(Store* store) : thread_([this, store] { Run(store); }) {}
  ~Writer() { Stop(); }
  void WaitFor(std::uint64_t n) const {
    while (committed.load() < n) std::this_thread::yield();
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<std::uint64_t> committed{0};

 private:
  void Run(Store* store) {
    for (std::uint64_t n = 1; !stop_; ++n) {
      Batch batch;
      FillBatch(n, &batch);
      Status s = store->Commit(batch);
      ASSERT_TRUE(s.ok()) << s.ToString();
      committed = n;
    }
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(BackupTest, BackupWhileCommittingRestoresExactlyItsPoint) {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("ledger"));
  ASSERT_TRUE(store);
  Writer writer(store.get());
  writer.WaitFor(kBatchesBeforeBackup);
  BackupInfo info;
  Status s = store->Backup(dir.Sub("backups"), &info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::uint64_t at_backup_end = writer.committed.load();
  writer.WaitFor(at_backup_end + kBatchesAfterBackup);
  writer.Stop();

  EXPECT_EQ(info.backup_id, 1u);
  EXPECT_GT(info.size_bytes, 0u);
  EXPECT_GT(info.file_count, 0u);
  EXPECT_GT(info.created_unix_seconds, 0);
  EXPECT_GE(info.last_sequence, kBatchesBeforeBackup);
  EXPECT_LE(info.last_sequence, at_backup_end);
  ASSERT_GT(LastSequence(*store), info.last_sequence) << "the source must have moved on";

  BackupInfo restored_info;
  s = Store::Restore(dir.Sub("backups"), dir.Sub("restored/ledger"), &restored_info);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(restored_info.backup_id, info.backup_id);
  EXPECT_EQ(restored_info.last_sequence, info.last_sequence);
  auto restored = OpenStore(dir.Sub("restored/ledger"));
  ASSERT_TRUE(restored);
  EXPECT_EQ(ReadAll(*restored), Expected(info.last_sequence));
  EXPECT_EQ(ReadAll(*store), Expected(LastSequence(*store)));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("restored/ledger.restoring")));
}

TEST(BackupTest, LaterBackupsAreIncrementalAndRestoreTakesTheNewest) {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("ledger"));
  ASSERT_TRUE(store);
  for (std::uint64_t n = 1; n <= 50; ++n) {
    Batch batch;
    FillBatch(n, &batch);
    ASSERT_TRUE(store->Commit(batch).ok());
  }
  BackupInfo first, second;
  ASSERT_TRUE(store->Backup(dir.Sub("backups"), &first).ok());
  Batch batch;
  FillBatch(51, &batch);
  ASSERT_TRUE(store->Commit(batch).ok());
  ASSERT_TRUE(store->Backup(dir.Sub("backups"), &second).ok());
  EXPECT_EQ(first.last_sequence, 50u);
  EXPECT_EQ(second.backup_id, 2u);
  EXPECT_EQ(second.last_sequence, 51u);

  BackupInfo restored;
  ASSERT_TRUE(Store::Restore(dir.Sub("backups"), dir.Sub("restored"), &restored).ok());
  EXPECT_EQ(restored.backup_id, 2u);
  auto copy = Store::OpenReadOnly(dir.Sub("restored"));
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(ReadAll(*copy.value()), Expected(51));
}

TEST(BackupTest, RefusesWhatItCannotDoCleanly) {
  testing::TempDir dir;
  auto store = OpenStore(dir.Sub("ledger"));
  ASSERT_TRUE(store);
  BackupInfo info;
  EXPECT_EQ(store->Backup("relative/dir", &info).code(), Code::kInvalidArgument);
  EXPECT_EQ(store->Backup("", &info).code(), Code::kInvalidArgument);
  std::ofstream(dir.Sub("a-file")) << "not a directory";
  EXPECT_EQ(store->Backup(dir.Sub("a-file"), &info).code(), Code::kFailedPrecondition);
  std::filesystem::create_directories(dir.Sub("other"));
  std::ofstream(dir.Sub("other/notes.txt")) << "someone else's";
  EXPECT_EQ(store->Backup(dir.Sub("other"), &info).code(), Code::kFailedPrecondition);
  std::atomic<bool> cancelled{true};
  EXPECT_EQ(store->Backup(dir.Sub("cancelled"), &info, &cancelled).code(), Code::kUnavailable);

  ASSERT_TRUE(store->Backup(dir.Sub("backups"), &info).ok());
  EXPECT_EQ(Store::Restore(dir.Sub("backups"), dir.Sub("other")).code(), Code::kFailedPrecondition);
  EXPECT_EQ(Store::Restore(dir.Sub("backups"), dir.Sub("ledger")).code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(Store::Restore(dir.Sub("nothing-here"), dir.Sub("new")).code(), Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("new")));
  std::filesystem::create_directories(dir.Sub("empty"));
  EXPECT_TRUE(Store::Restore(dir.Sub("backups"), dir.Sub("empty")).ok());
}

TEST(BackupTest, ReadOnlyStoreReadsAndRefusesWrites) {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.Sub("ledger"));
    ASSERT_TRUE(store);
    Batch batch;
    FillBatch(1, &batch);
    ASSERT_TRUE(store->Commit(batch).ok());
  }
  auto store = Store::OpenReadOnly(dir.Sub("ledger"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(ReadAll(*store.value()), Expected(1));
  Batch batch;
  FillBatch(2, &batch);
  EXPECT_EQ(store.value()->Commit(batch).code(), Code::kFailedPrecondition);
  BackupInfo info;
  EXPECT_EQ(store.value()->Backup(dir.Sub("backups"), &info).code(), Code::kFailedPrecondition);
  EXPECT_FALSE(Store::OpenReadOnly(dir.Sub("missing")).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("missing")));
}

}  // namespace backup_test
}  // namespace market4::storage
