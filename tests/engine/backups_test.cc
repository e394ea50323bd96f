// A backup taken while transfers keep committing restores into a new directory that verifies
// clean (chain and balances) and holds exactly the source's entries up to the backup point.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "engine/verify.h"
#include "storage/keys.h"
#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace backups_test {

using storage::Family;

class BackupsTest : public EngineFixture {};

TEST_F(BackupsTest, ABackupUnderLoadRestoresToAVerifiedLedgerEqualToTheSourceAtItsPoint) {
  for (const char* id : {"cash", "alice", "bob"}) ASSERT_TRUE(CreateAccount(id).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> applied{0};
  std::thread writer([&] {
    for (int n = 0; !stop; ++n) {
      auto answer =
          Submit({Make("t" + std::to_string(n), "cash", n % 2 ? "alice" : "bob", 1 + n % 7),
                  Make("u" + std::to_string(n), n % 2 ? "alice" : "bob", "cash", 1)});
      if (answer.ok()) applied += 2;
    }
  });
  while (applied < 200) std::this_thread::yield();
  std::promise<Result<storage::BackupInfo>> done;
  engine_->Backup(dir_.Sub("backup"), [&](Result<storage::BackupInfo> r) { done.set_value(r); });
  Result<storage::BackupInfo> info = done.get_future().get();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const std::uint64_t point = info.value().last_sequence;
  EXPECT_GE(point, 200u);
  while (std::uint64_t(applied) < point + 100) std::this_thread::yield();  // the source goes on
  stop = true;
  writer.join();

  ASSERT_TRUE(storage::Store::Restore(dir_.Sub("backup"), dir_.Sub("restored")).ok());
  auto restored = storage::Store::OpenReadOnly(dir_.Sub("restored"));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  auto verified = VerifyLedger(restored.value()->View());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified.value().ok()) << verified.value().problem();
  EXPECT_EQ(verified.value().entries(), point);

  engine_.reset();
  auto source = storage::Store::OpenReadOnly(dir_.Sub("ledger"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  // Each entry carries its chain hash, so equal entries mean equal chains.
  for (std::uint64_t s = 1; s <= point + 1; ++s) {
    auto mine = restored.value()->Get(Family::kTransfers, storage::EncodeSequence(s));
    auto theirs = source.value()->Get(Family::kTransfers, storage::EncodeSequence(s));
    ASSERT_TRUE(mine.ok() && theirs.ok());
    ASSERT_TRUE(theirs.value().has_value()) << s;
    if (s <= point) {
      EXPECT_EQ(mine.value(), theirs.value()) << "entry " << s;
    } else {
      EXPECT_FALSE(mine.value().has_value()) << "entry " << s << " is after the backup point";
    }
  }
}

}  // namespace backups_test
}  // namespace market4::engine
