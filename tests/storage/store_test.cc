#include "storage/store.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "storage/keys.h"
#include "tests/test_util.h"

namespace market4::storage {
namespace store_test {

TEST(KeysTest, SequencesSortNumericallyAndRoundTrip) {
  std::vector<std::uint64_t> values = {0, 1, 255, 256, 65535, 1ull << 40, ~0ull};
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    EXPECT_LT(EncodeSequence(values[i]), EncodeSequence(values[i + 1])) << values[i];
  }
  for (auto v : values) EXPECT_EQ(DecodeSequence(EncodeSequence(v)), v);
  EXPECT_FALSE(DecodeSequence("short").has_value());
}

TEST(KeysTest, IndexKeysOfOneAccountStayTogether) {
  // "a" must not pick up keys of "ab": the 0x00 separator sorts before every id byte.
  EXPECT_LT(IndexKey("a", ~0ull), IndexKey("ab", 0));
  EXPECT_EQ(IndexKey("a", 7).substr(0, 2), IndexPrefix("a"));
}

// A clean stop flushes every family: the write-ahead log it leaves holds nothing to replay,
// so the next start opens at once whatever the history's length.
TEST(StoreTest, ACleanStopLeavesNoLogToReplay) {
  testing::TempDir dir;
  auto log_bytes = [&] {
    std::uintmax_t bytes = 0;
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      if (file.path().extension() == ".log") bytes += file.file_size();
    }
    return bytes;
  };
  {
    auto store = Store::Open({dir.path(), true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 100; ++i) {
      Batch batch;
      batch.Put(Family::kAccounts, "a" + std::to_string(i), std::string(100, 'x'));
      batch.Put(Family::kMeta, "last", std::to_string(i));
      ASSERT_TRUE(store.value()->Commit(batch).ok());
    }
    EXPECT_GT(log_bytes(), 10'000u);  // committed, not yet flushed: in the log
  }
  EXPECT_EQ(log_bytes(), 0u);
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok());
  auto last = store.value()->Get(Family::kMeta, "last");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last.value(), std::optional<std::string>("99"));
}

TEST(StoreTest, CommittedBatchSurvivesReopen) {
  testing::TempDir dir;
  {
    auto store = Store::Open({dir.path(), true});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Batch batch;
    batch.Put(Family::kAccounts, "alice", "1");
    batch.Put(Family::kMeta, "k", "v");
    batch.Delete(Family::kMeta, "k");
    ASSERT_TRUE(store.value()->Commit(batch).ok());
  }
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok());
  auto alice = store.value()->Get(Family::kAccounts, "alice");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice.value(), std::optional<std::string>("1"));
  auto deleted = store.value()->Get(Family::kMeta, "k");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(deleted.value().has_value());
  // Families are separate key spaces.
  auto other = store.value()->Get(Family::kTransfers, "alice");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other.value().has_value());
}

// A batch keeps one operation per key, the last one, and committing it leaves what applying
// every operation in order would have left.
TEST(StoreTest, ABatchKeepsTheLastWriteOfEachKey) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Batch batch;
  batch.Put(Family::kAccounts, "a", "1");
  batch.Put(Family::kAccounts, "a", "2");  // put, put: the second
  batch.Put(Family::kAccounts, "b", "1");
  batch.Delete(Family::kAccounts, "b");  // put, delete: gone
  batch.Delete(Family::kAccounts, "c");
  batch.Put(Family::kAccounts, "c", "3");  // delete, put: the put
  batch.Put(Family::kAccounts, "d", "1");
  batch.Delete(Family::kAccounts, "d");
  batch.Put(Family::kAccounts, "d", "4");         // put, delete, put: the last put
  batch.Put(Family::kMeta, "a", "other family");  // the same key elsewhere is another key
  batch.Put(Family::kAccounts, "e", "1");
  std::memcpy(batch.PutSized(Family::kAccounts, "e", 3), "xyz", 3);  // put, put in place
  std::memcpy(batch.PutSized(Family::kAccounts, "f", 2), "no", 2);
  batch.Put(Family::kAccounts, "f", "6");                         // put in place, put: the put
  EXPECT_NE(batch.PutSized(Family::kAccounts, "g", 0), nullptr);  // an empty value
  EXPECT_EQ(batch.Count(), 8u);
  ASSERT_TRUE(store.value()->Commit(batch).ok());
  auto read = [&](Family family, const char* key) {
    auto value = store.value()->Get(family, key);
    EXPECT_TRUE(value.ok());
    return value.ok() ? value.value() : std::nullopt;
  };
  EXPECT_EQ(read(Family::kAccounts, "a"), std::optional<std::string>("2"));
  EXPECT_EQ(read(Family::kAccounts, "b"), std::nullopt);
  EXPECT_EQ(read(Family::kAccounts, "c"), std::optional<std::string>("3"));
  EXPECT_EQ(read(Family::kAccounts, "d"), std::optional<std::string>("4"));
  EXPECT_EQ(read(Family::kMeta, "a"), std::optional<std::string>("other family"));
  EXPECT_EQ(read(Family::kAccounts, "e"), std::optional<std::string>("xyz"));
  EXPECT_EQ(read(Family::kAccounts, "f"), std::optional<std::string>("6"));
  EXPECT_EQ(read(Family::kAccounts, "g"), std::optional<std::string>(""));
  // Cleared, the batch forgets its keys: a put of "a" is an operation again. The store
  // reuses its RocksDB batch, which must hold only this one write (RocksDB numbers each).
  batch.Clear();
  EXPECT_TRUE(batch.Empty());
  batch.Put(Family::kAccounts, "a", "5");
  EXPECT_EQ(batch.Count(), 1u);
  const std::uint64_t before = store.value()->LatestSequence();
  ASSERT_TRUE(store.value()->Commit(batch).ok());
  EXPECT_EQ(store.value()->LatestSequence(), before + 1);
  EXPECT_EQ(read(Family::kAccounts, "a"), std::optional<std::string>("5"));
}

// Store::Commit writes a batch's keys family by family and in key order, not in the order
// they were recorded: what is stored must be exactly what the writes said, whatever the
// order, across families, deletes, rewrites and batches (checked against a plain map).
TEST(StoreTest, ShuffledBatchesStoreExactlyWhatWasWritten) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::array<Family, 4> families = {Family::kAccounts, Family::kTransferIds,
                                          Family::kTransfers, Family::kAccountIndex};
  std::map<std::pair<Family, std::string>, std::string> model;
  std::mt19937 random(20261130);
  Batch batch;
  for (int round = 0; round < 20; ++round) {
    batch.Clear();
    for (int i = 0; i < 500; ++i) {
      Family family = families[random() % families.size()];
      std::string key = "k" + std::to_string(random() % 700);
      if (random() % 2) key.push_back(static_cast<char>(0x80 + random() % 100));
      if (random() % 5 == 0) {
        batch.Delete(family, key);
        model.erase({family, key});
      } else {
        std::string value = std::to_string(round) + ":" + std::to_string(i);
        batch.Put(family, key, value);
        model[{family, key}] = value;
      }
    }
    ASSERT_TRUE(store.value()->Commit(batch).ok());
  }
  std::map<std::pair<Family, std::string>, std::string> stored;
  for (Family family : families) {
    Status s = store.value()->Scan(family, "", false, std::nullopt,
                                   [&](std::string_view key, std::string_view value) {
                                     stored[{family, std::string(key)}] = std::string(value);
                                     return true;
                                   });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(stored.size(), model.size());
  EXPECT_TRUE(stored == model);
}

// The estimate a load sizes its tables by: none for an empty family, about the keys written
// for a full one (in memory or, after a reopen, in files).
TEST(StoreTest, EstimatedKeysFollowWhatWasWritten) {
  testing::TempDir dir;
  {
    auto store = Store::Open({dir.path(), false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(store.value()->EstimatedKeys(Family::kAccounts), 0u);
    Batch batch;
    for (int i = 0; i < 5000; ++i) batch.Put(Family::kAccounts, "a" + std::to_string(i), "x");
    ASSERT_TRUE(store.value()->Commit(batch).ok());
    EXPECT_EQ(store.value()->EstimatedKeys(Family::kAccounts), 5000u);
  }
  auto store = Store::Open({dir.path(), false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::uint64_t estimate = store.value()->EstimatedKeys(Family::kAccounts);
  EXPECT_GE(estimate, 4000u);
  EXPECT_LE(estimate, 6000u);
  EXPECT_EQ(store.value()->EstimatedKeys(Family::kBuyers), 0u);
}

// Commit keeps its RocksDB batch for the next commit, unless a commit made it larger than
// kMostKeptWriteBatchBytes (16 MiB): then it is dropped, and the next commit starts afresh.
TEST(StoreTest, ACommitTooLargeToKeepLeavesNoBatchBehind) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Store& s = *store.value();
  EXPECT_EQ(s.KeptWriteBatchBytes(), 0u) << "nothing is kept before the first commit";
  Batch batch;
  batch.Put(Family::kAccounts, "small", "1");
  ASSERT_TRUE(s.Commit(batch).ok());
  const std::size_t small = s.KeptWriteBatchBytes();
  EXPECT_GT(small, 0u) << "an ordinary commit keeps its batch";
  EXPECT_LT(small, 1024u);
  batch.Clear();
  const std::string mebibyte(std::size_t{1} << 20, 'x');
  for (int i = 0; i < 17; ++i) batch.Put(Family::kAccounts, "large" + std::to_string(i), mebibyte);
  ASSERT_TRUE(s.Commit(batch).ok());
  EXPECT_EQ(s.KeptWriteBatchBytes(), 0u) << "a 17 MiB batch is not kept";
  batch.Clear();
  batch.Put(Family::kAccounts, "after", "2");
  ASSERT_TRUE(s.Commit(batch).ok());
  EXPECT_EQ(s.KeptWriteBatchBytes(), small) << "the next commit holds only its own write";
  EXPECT_EQ(s.Get(Family::kAccounts, "after").value(), std::optional<std::string>("2"));
  EXPECT_EQ(s.Get(Family::kAccounts, "large16").value(), std::optional<std::string>(mebibyte));
  EXPECT_EQ(s.Get(Family::kAccounts, "small").value(), std::optional<std::string>("1"));
}

// A batch keeps its buffers from one batch to the next, unless one very large batch (a
// backfill at start) grew them: then clearing gives that memory back, and the batch still works.
TEST(StoreTest, ClearingALargeBatchGivesItsMemoryBack) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Batch batch;
  for (int i = 0; i < 1000; ++i) batch.Put(Family::kAccounts, "k" + std::to_string(i), "v");
  const std::size_t small = batch.HeldBytes();
  batch.Clear();
  EXPECT_EQ(batch.HeldBytes(), small) << "a batch of ordinary size keeps its buffers";
  for (int i = 0; i < 200'000; ++i) batch.Put(Family::kAccounts, "k" + std::to_string(i), "v");
  EXPECT_EQ(batch.Count(), 200'000u);
  EXPECT_GT(batch.HeldBytes(), 4'000'000u);
  batch.Clear();
  EXPECT_LT(batch.HeldBytes(), small) << "a very large batch gives its buffers back";
  batch.Put(Family::kAccounts, "a", "1");
  batch.Put(Family::kAccounts, "a", "2");
  EXPECT_EQ(batch.Count(), 1u);
  ASSERT_TRUE(store.value()->Commit(batch).ok());
  EXPECT_EQ(store.value()->Get(Family::kAccounts, "a").value(), std::optional<std::string>("2"));
}

TEST(StoreTest, ReadViewSeesOneStateWhateverCommitsLater) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok());
  Batch first;
  first.Put(Family::kAccounts, "a", "1");
  ASSERT_TRUE(store.value()->Commit(first).ok());
  ReadView view = store.value()->View();
  Batch second;
  second.Put(Family::kAccounts, "a", "2");
  second.Put(Family::kAccounts, "b", "2");
  ASSERT_TRUE(store.value()->Commit(second).ok());
  EXPECT_EQ(view.Get(Family::kAccounts, "a").value(), std::optional<std::string>("1"));
  EXPECT_FALSE(view.Get(Family::kAccounts, "b").value().has_value());
  int seen = 0;
  ASSERT_TRUE(view.Scan(Family::kAccounts, "", false, std::nullopt,
                        [&](std::string_view, std::string_view) { return ++seen > 0; })
                  .ok());
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(store.value()->Get(Family::kAccounts, "a").value(), std::optional<std::string>("2"));
  // Several keys at once see the same frozen state, in the order asked, missing ones empty.
  auto many = view.GetMany(Family::kAccounts, {"b", "a", "zz", "a"});
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_EQ(many.value(),
            (std::vector<std::optional<std::string>>{std::nullopt, "1", std::nullopt, "1"}));
  auto now = store.value()->View().GetMany(Family::kAccounts, {"b", "a"});
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now.value(), (std::vector<std::optional<std::string>>{"2", "2"}));
  EXPECT_TRUE(view.GetMany(Family::kAccounts, {}).value().empty());
  // Keys already in order (RocksDB is told so and skips its sort), a repeat among them.
  auto sorted = store.value()->View().GetMany(Family::kAccounts, {"a", "a", "b", "zz"});
  ASSERT_TRUE(sorted.ok());
  EXPECT_EQ(sorted.value(), (std::vector<std::optional<std::string>>{"2", "2", "2", std::nullopt}));
}

TEST(StoreTest, ScansPrefixForwardAndBackwardFromAStart) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok());
  Batch batch;
  for (std::uint64_t seq : {1, 2, 3, 10}) batch.Put(Family::kAccountIndex, IndexKey("a", seq), "");
  batch.Put(Family::kAccountIndex, IndexKey("ab", 5), "");
  batch.Put(Family::kAccountIndex, IndexKey("b", 4), "");
  ASSERT_TRUE(store.value()->Commit(batch).ok());

  auto collect = [&](bool reverse, std::optional<std::string> start) {
    std::vector<std::uint64_t> out;
    std::string prefix = IndexPrefix("a");
    Status s = store.value()->Scan(Family::kAccountIndex, prefix, reverse,
                                   start ? std::optional<std::string_view>(*start) : std::nullopt,
                                   [&](std::string_view key, std::string_view) {
                                     out.push_back(*DecodeSequence(key.substr(prefix.size())));
                                     return true;
                                   });
    EXPECT_TRUE(s.ok());
    return out;
  };
  EXPECT_EQ(collect(false, std::nullopt), (std::vector<std::uint64_t>{1, 2, 3, 10}));
  EXPECT_EQ(collect(true, std::nullopt), (std::vector<std::uint64_t>{10, 3, 2, 1}));
  EXPECT_EQ(collect(true, IndexKey("a", 2)), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(collect(true, IndexKey("a", 9)), (std::vector<std::uint64_t>{3, 2, 1}));
}

// ScanFrom visits the keys at or above its bound, in either direction, through a view too;
// what was deleted below the bound is never seen.
// A view's sequence names the state it sees: equal to the store's newest right after a
// commit, kept by the view as later commits move the store's on.
TEST(StoreTest, AViewsSequenceIsTheStoresNewestAtTheTimeItWasMade) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok());
  Batch batch;
  batch.Put(Family::kMeta, "a", "1");
  batch.Put(Family::kMeta, "b", "2");
  ASSERT_TRUE(store.value()->Commit(batch).ok());
  const std::uint64_t first = store.value()->LatestSequence();
  ReadView view = store.value()->View();
  EXPECT_EQ(view.sequence(), first);
  EXPECT_EQ(store.value()->View().sequence(), first);  // no write between: the same state
  ASSERT_TRUE(store.value()->Commit(batch).ok());
  EXPECT_GT(store.value()->LatestSequence(), first);
  EXPECT_EQ(view.sequence(), first);
  EXPECT_EQ(store.value()->View().sequence(), store.value()->LatestSequence());
  ReadView moved = std::move(view);
  EXPECT_EQ(moved.sequence(), first);
  EXPECT_NE(view.sequence(), first);  // NOLINT(bugprone-use-after-move): it names no state
  EXPECT_NE(view.sequence(), store.value()->LatestSequence());
}

TEST(StoreTest, ScansFromALowerBoundForwardAndBackward) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path(), true});
  ASSERT_TRUE(store.ok());
  Batch batch;
  for (std::uint64_t seq = 1; seq <= 6; ++seq) {
    batch.Put(Family::kAccountChanges, EncodeSequence(seq), std::to_string(seq));
  }
  ASSERT_TRUE(store.value()->Commit(batch).ok());
  ReadView before = store.value()->View();
  Batch deletes;
  for (std::uint64_t seq = 1; seq <= 3; ++seq)
    deletes.Delete(Family::kAccountChanges, EncodeSequence(seq));
  ASSERT_TRUE(store.value()->Commit(deletes).ok());

  auto collect = [](const auto& reader, std::uint64_t lowest, bool reverse) {
    std::string values;
    Status s = reader.ScanFrom(Family::kAccountChanges, EncodeSequence(lowest), reverse,
                               [&](std::string_view, std::string_view value) {
                                 values.append(value);
                                 return true;
                               });
    EXPECT_TRUE(s.ok());
    return values;
  };
  EXPECT_EQ(collect(*store.value(), 4, false), "456");
  EXPECT_EQ(collect(*store.value(), 4, true), "654");
  EXPECT_EQ(collect(*store.value(), 5, true), "65");
  EXPECT_EQ(collect(*store.value(), 1, true), "654");  // the deleted ones are gone
  EXPECT_EQ(collect(*store.value(), 7, true), "");
  EXPECT_EQ(collect(before, 2, true), "65432");  // a view from before the deletes
  EXPECT_EQ(collect(before, 2, false), "23456");
}

// A staged batch reads as committed through the plain reads (the writer's), newest staged
// first, deletes included; views see only what is committed.
TEST(StoreTest, StagedBatchesReadAsCommittedByTheWriterOnly) {
  testing::TempDir dir;
  auto opened = Store::Open({dir.path(), true});
  ASSERT_TRUE(opened.ok());
  Store& store = *opened.value();
  Batch base;
  base.Put(Family::kAccounts, "a", "1");
  base.Put(Family::kAccounts, "b", "1");
  ASSERT_TRUE(store.Commit(base).ok());
  using Values = std::vector<std::optional<std::string>>;
  auto get = [&](std::string_view key) { return store.Get(Family::kAccounts, key).value(); };
  auto many = [&] { return store.GetMany(Family::kAccounts, {"a", "b", "c", "d"}).value(); };

  Batch older;
  older.Put(Family::kAccounts, "a", "2");
  older.Delete(Family::kAccounts, "b");
  older.Put(Family::kAccounts, "c", "2");
  store.Stage(&older);
  Batch newer;
  newer.Put(Family::kAccounts, "a", "3");
  newer.Put(Family::kTransfers, "d", "3");  // another family: "d" stays absent in accounts
  store.Stage(&newer);
  EXPECT_EQ(get("a"), std::optional<std::string>("3"));
  EXPECT_EQ(get("b"), std::nullopt);
  EXPECT_EQ(get("c"), std::optional<std::string>("2"));
  EXPECT_EQ(many(), (Values{"3", std::nullopt, "2", std::nullopt}));
  EXPECT_EQ(store.View().GetMany(Family::kAccounts, {"a", "b", "c"}).value(),
            (Values{"1", "1", std::nullopt}));

  ASSERT_TRUE(store.Commit(older).ok());
  store.Unstage(&older);
  EXPECT_EQ(many(), (Values{"3", std::nullopt, "2", std::nullopt}));
  EXPECT_EQ(store.View().GetMany(Family::kAccounts, {"a", "b", "c"}).value(),
            (Values{"2", std::nullopt, "2"}));
  ASSERT_TRUE(store.Commit(newer).ok());
  store.Unstage(&newer);
  EXPECT_EQ(many(), (Values{"3", std::nullopt, "2", std::nullopt}));
  EXPECT_EQ(store.View().Get(Family::kAccounts, "a").value(), std::optional<std::string>("3"));
}

// Scans have no staged batches to merge: they wait until every staged batch is committed.
// The committing side here waits 50 ms before it commits, time enough for a scan that did
// not wait to finish without the staged key.
TEST(StoreTest, ScansAndTheLatestViewWaitUntilStagedBatchesAreCommitted) {
  testing::TempDir dir;
  auto opened = Store::Open({dir.path(), true});
  ASSERT_TRUE(opened.ok());
  Store& store = *opened.value();
  for (bool latest_view : {false, true}) {
    const std::string key = latest_view ? "v" : "s";
    Batch staged;
    staged.Put(Family::kAccounts, key, "1");
    store.Stage(&staged);
    std::promise<void> started;
    std::future<bool> seen = std::async(std::launch::async, [&] {
      started.set_value();
      if (latest_view) return store.LatestView().Get(Family::kAccounts, key).value().has_value();
      bool found = false;
      EXPECT_TRUE(store
                      .Scan(Family::kAccounts, key, false, std::nullopt,
                            [&](std::string_view, std::string_view) { return !(found = true); })
                      .ok());
      return found;
    });
    started.get_future().wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(store.Commit(staged).ok());
    store.Unstage(&staged);
    EXPECT_TRUE(seen.get()) << (latest_view ? "LatestView" : "Scan") << " did not wait";
  }
}

}  // namespace store_test
}  // namespace market4::storage
