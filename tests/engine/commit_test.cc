// The write pipeline (engine/commit.cc): batches larger than the writer commits itself are
// handed to the committer, and the writer applies the next batch while the last one is still
// being committed, reading it from the store's staged batches. These tests keep many
// commands queued, in batches of a fixed size, so that the pipeline is full.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace commit_test {

constexpr std::size_t kBatch = 100;  // above the writer's own commits (64 commands)

class CommitTest : public EngineFixture {
 protected:
  void SetUp() override {
    max_batch_commands_ = kBatch;
    EngineFixture::SetUp();
    ASSERT_TRUE(CreateAccount("source").status.ok());
    ASSERT_TRUE(CreateAccount("sink").status.ok());
  }

  static CreateTransfers OneUnit(const std::string& id) {
    v1::CreateTransfersRequest request;
    *request.add_transfers() = Make(id, "source", "sink", 1);
    return CreateTransfers{request};
  }

  // Submits every command at once and waits for all the answers, in the order they came.
  // The wait ends holding the callbacks' mutex, so none of them still uses it.
  std::vector<Answer<v1::CreateTransfersResponse>> SubmitAll(std::vector<CreateTransfers> all) {
    std::mutex mutex;
    std::condition_variable all_answered;
    std::vector<Answer<v1::CreateTransfersResponse>> answers;
    std::vector<std::size_t> order;
    const std::size_t count = all.size();
    for (std::size_t i = 0; i < count; ++i) {
      engine_->Submit<CreateTransfers>(std::move(all[i]),
                                       [&, i](Answer<v1::CreateTransfersResponse> answer) {
                                         std::lock_guard lock(mutex);
                                         answers.push_back(std::move(answer));
                                         order.push_back(i);
                                         if (answers.size() == count) all_answered.notify_one();
                                       });
    }
    std::unique_lock lock(mutex);
    all_answered.wait(lock, [&] { return answers.size() == count; });
    arrival_ = order;
    return answers;
  }

  std::vector<std::size_t> arrival_;  // submission index of each answer, in arrival order
};

TEST_F(CommitTest, RetriesAppliedWhileTheirFirstBatchIsCommittedMoveNothingAgain) {
  // Each batch of new transfers is followed by a batch retrying them, which the writer
  // applies while the first is being committed.
  constexpr int kTransfers = 1000;
  std::vector<CreateTransfers> commands;
  for (int first = 0; first < kTransfers; first += static_cast<int>(kBatch)) {
    for (int round = 0; round < 2; ++round) {
      for (int n = first; n < first + static_cast<int>(kBatch); ++n) {
        commands.push_back(OneUnit("t" + std::to_string(n)));
      }
    }
  }
  const Engine::Counters before = engine_->counters();
  auto answers = SubmitAll(std::move(commands));
  const Engine::Counters after = engine_->counters();

  int replayed = 0;
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
    replayed += answer.replayed ? 1 : 0;
  }
  EXPECT_EQ(replayed, kTransfers);
  EXPECT_EQ(Balances("sink"), "0/0/0/" + std::to_string(kTransfers));
  EXPECT_GT(after.handed_over - before.handed_over, 0u) << "no batch went through the committer";
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
}

// One command at a time makes batches of one, which the writer commits itself: no hand-over,
// so a lone client waits for no second thread.
TEST_F(CommitTest, ALoneCommandIsCommittedByTheWriterItself) {
  const Engine::Counters before = engine_->counters();
  for (int n = 0; n < 20; ++n) {
    ASSERT_TRUE(Move("t" + std::to_string(n), "source", "sink", 1).status.ok());
  }
  const Engine::Counters after = engine_->counters();
  EXPECT_EQ(after.batches - before.batches, 20u);
  EXPECT_EQ(after.handed_over, before.handed_over);
}

TEST_F(CommitTest, AnswersComeInTheOrderTheCommandsWereApplied) {
  std::vector<CreateTransfers> commands;
  for (int n = 0; n < 1500; ++n) commands.push_back(OneUnit("t" + std::to_string(n)));
  auto answers = SubmitAll(std::move(commands));
  for (std::size_t i = 0; i < arrival_.size(); ++i) {
    ASSERT_EQ(arrival_[i], i) << "answer " << i << " came out of order";
  }
  // Each answer's transfer is the next in the ledger's order.
  for (std::size_t i = 1; i < answers.size(); ++i) {
    ASSERT_LT(answers[i - 1].value.transfers(0).sequence(),
              answers[i].value.transfers(0).sequence());
  }
}

TEST_F(CommitTest, AStopCommitsEverythingQueuedAndInFlight) {
  constexpr int kTransfers = 800;
  std::mutex mutex;
  int ok = 0;
  for (int n = 0; n < kTransfers; ++n) {
    engine_->Submit<CreateTransfers>(OneUnit("t" + std::to_string(n)),
                                     [&](Answer<v1::CreateTransfersResponse> answer) {
                                       std::lock_guard lock(mutex);
                                       ok += answer.status.ok() ? 1 : 0;
                                     });
  }
  engine_->Stop();
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(ok, kTransfers);
  }
  Reopen();
  EXPECT_EQ(Balances("sink"), "0/0/0/" + std::to_string(kTransfers));
  for (int n = 0; n < kTransfers; n += 97) {
    EXPECT_TRUE(engine_->Read().GetTransfer("t" + std::to_string(n)).ok()) << n;
  }
}

// A command is answered only once its batch is in RocksDB, where readers (Read, from any
// thread) see it: a Query made inside an answer finds that answer's transfer.
TEST_F(CommitTest, AnAnsweredTransferIsVisibleToReadersWhenItsAnswerArrives) {
  constexpr int kTransfers = 600;
  std::mutex mutex;
  std::condition_variable all_answered;
  std::vector<std::string> problems;
  int answered = 0;
  for (int n = 0; n < kTransfers; ++n) {
    std::string id = "t" + std::to_string(n);
    engine_->Submit<CreateTransfers>(OneUnit(id), [&, id](Answer<v1::CreateTransfersResponse>) {
      Query query = engine_->Read();
      auto transfer = query.GetTransfer(id);
      std::lock_guard lock(mutex);
      if (!transfer.ok()) problems.push_back(id + " not visible when answered");
      if (++answered == kTransfers) all_answered.notify_one();
    });
  }
  std::unique_lock lock(mutex);
  all_answered.wait(lock, [&] { return answered == kTransfers; });
  EXPECT_TRUE(problems.empty()) << problems.front();
}

}  // namespace commit_test
}  // namespace market4::engine
