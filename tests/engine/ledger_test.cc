// Rules of the ledger, exercised through the real engine on a real RocksDB.
#include "engine/ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/query.h"
#include "engine/verify.h"
#include "storage/keys.h"
#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace ledger_test {

using std::chrono::seconds;

class LedgerTest : public EngineFixture {
 protected:
  // One transfer of 1 from alice to bob.
  static v1::CreateTransfersRequest Request(const std::string& id) {
    v1::CreateTransfersRequest request;
    *request.add_transfers() = Make(id, "alice", "bob", 1);
    return request;
  }

  void SetUp() override {
    EngineFixture::SetUp();
    ASSERT_TRUE(CreateAccount("cash").status.ok());
    ASSERT_TRUE(CreateAccount("alice", true).status.ok());
    ASSERT_TRUE(CreateAccount("bob", true).status.ok());
    ASSERT_TRUE(Move("fund", "cash", "alice", 50'000).status.ok());
  }
};

TEST_F(LedgerTest, NewAccountHasDefaultsAndZeroBalances) {
  v1::Account carol = CreateAccount("carol").value;
  EXPECT_EQ(carol.id(), "carol");
  EXPECT_EQ(carol.currency(), "VND");
  EXPECT_EQ(Balances("carol"), "0/0/0/0");
  EXPECT_EQ(carol.created_at().seconds(), clock_.NowNanos() / 1'000'000'000);
}

TEST_F(LedgerTest, CreatingTheSameAccountAgainIsIdempotent) {
  auto again = CreateAccount("alice", true);
  ASSERT_TRUE(again.status.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.value.credits_posted(), 50'000);
  auto other = CreateAccount("alice", false);
  EXPECT_EQ(other.status.code(), Code::kAlreadyExists);
  EXPECT_TRUE(Account("alice").debits_must_not_exceed_credits());
}

TEST_F(LedgerTest, AccountValidation) {
  EXPECT_EQ(CreateAccount("").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateAccount("has space").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateAccount("p1~post").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateAccount(std::string(65, 'a')).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateAccount("x", false, "vnd").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(CreateAccount("x", false, "DONG").status.code(), Code::kInvalidArgument);
  v1::CreateAccountRequest both;
  both.set_id("x");
  both.set_debits_must_not_exceed_credits(true);
  both.set_credits_must_not_exceed_debits(true);
  EXPECT_EQ(engine_->Execute(engine::CreateAccount{both}).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().GetAccount("x").status().code(), Code::kNotFound);
}

TEST_F(LedgerTest, TransferMovesExactAmountsBetweenTwoAccounts) {
  auto out = Move("t1", "alice", "bob", 12'345);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.value.transfers_size(), 1u);
  EXPECT_EQ(out.value.transfers(0).kind(), v1::TRANSFER_KIND_POSTED);
  EXPECT_EQ(out.value.transfers(0).currency(), "VND");
  EXPECT_EQ(Balances("alice"), "0/12345/0/50000");
  EXPECT_EQ(Balances("bob"), "0/0/0/12345");
  EXPECT_EQ(Balances("cash"), "0/50000/0/0");
  EXPECT_EQ(Account("alice").available(), 37'655);
}

// Two transfers of one request with the same id are refused whole: nothing moves.
TEST_F(LedgerTest, ARequestRepeatingATransferIdIsRefusedWhole) {
  std::string before = Balances("alice");
  auto answer = Submit({Make("dup", "cash", "alice", 10), Make("other", "cash", "alice", 20),
                        Make("dup", "cash", "alice", 10)});
  EXPECT_EQ(answer.status.code(), Code::kInvalidArgument) << answer.status.ToString();
  EXPECT_EQ(Balances("alice"), before);
  EXPECT_TRUE(Submit({Make("dup", "cash", "alice", 10)}).status.ok());  // the id is unused
}

TEST_F(LedgerTest, RetryReturnsFirstResultAndMovesNothing) {
  auto first = Move("t1", "alice", "bob", 100);
  auto retry = Move("t1", "alice", "bob", 100);
  ASSERT_TRUE(retry.status.ok());
  EXPECT_FALSE(first.replayed);
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.value.transfers(0).SerializeAsString(),
            first.value.transfers(0).SerializeAsString());
  EXPECT_EQ(Balances("bob"), "0/0/0/100");
}

TEST_F(LedgerTest, SameIdWithOtherContentIsAConflictAndChangesNothing) {
  ASSERT_TRUE(Move("t1", "alice", "bob", 100).status.ok());
  auto other = Move("t1", "alice", "bob", 101);
  EXPECT_EQ(other.status.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(other.status.details().at("transfer_id"), "t1");
  EXPECT_EQ(Move("t1", "bob", "alice", 100).status.code(), Code::kIdempotencyConflict);
  EXPECT_EQ(Balances("bob"), "0/0/0/100");
}

TEST_F(LedgerTest, OverdraftOfFlaggedAccountIsRefusedAndChangesNothing) {
  auto out = Move("t1", "alice", "bob", 50'001);
  EXPECT_EQ(out.status.code(), Code::kInsufficientFunds);
  EXPECT_EQ(out.status.details().at("account_id"), "alice");
  EXPECT_EQ(Balances("alice"), "0/0/0/50000");
  EXPECT_EQ(Balances("bob"), "0/0/0/0");
  // The refused id was not consumed.
  EXPECT_TRUE(Move("t1", "alice", "bob", 50'000).status.ok());
  EXPECT_EQ(Account("alice").available(), 0);
}

TEST_F(LedgerTest, CreditsMustNotExceedDebitsIsEnforced) {
  v1::CreateAccountRequest provider;
  provider.set_id("provider");
  provider.set_credits_must_not_exceed_debits(true);
  ASSERT_TRUE(engine_->Execute(engine::CreateAccount{provider}).status.ok());
  EXPECT_EQ(Move("t1", "alice", "provider", 1).status.code(), Code::kExceedsDebits);
  ASSERT_TRUE(Move("t2", "provider", "bob", 10).status.ok());
  EXPECT_TRUE(Move("t3", "alice", "provider", 10).status.ok());
  EXPECT_EQ(Move("t4", "alice", "provider", 1).status.code(), Code::kExceedsDebits);
  EXPECT_EQ(Account("provider").available(), 0);
}

TEST_F(LedgerTest, TransferValidation) {
  auto code_of = [&](v1::NewTransfer t) { return Submit({t}).status.code(); };
  EXPECT_EQ(code_of(Make("t", "alice", "alice", 1)), Code::kInvalidArgument);
  EXPECT_EQ(code_of(Make("t", "alice", "bob", 0)), Code::kInvalidArgument);
  EXPECT_EQ(code_of(Make("t", "alice", "bob", -5)), Code::kInvalidArgument);
  EXPECT_EQ(code_of(Make("", "alice", "bob", 1)), Code::kInvalidArgument);
  EXPECT_EQ(code_of(Make("a b", "alice", "bob", 1)), Code::kInvalidArgument);
  EXPECT_EQ(code_of(Make("t", "alice", "nobody", 1)), Code::kNotFound);
  EXPECT_EQ(code_of(Make("t", "nobody", "alice", 1)), Code::kNotFound);
  EXPECT_EQ(code_of(Make("t", "alice", "bob", 1, false, 30)), Code::kInvalidArgument);
  EXPECT_EQ(code_of(Make("t", "alice", "bob", 1, true,
                         static_cast<std::uint32_t>(kMaxPendingTimeout.count()) + 1)),
            Code::kInvalidArgument);
  v1::NewTransfer no_code = Make("t", "alice", "bob", 1);
  no_code.set_code(0);
  EXPECT_EQ(code_of(no_code), Code::kInvalidArgument);
  no_code.set_code(kMaxTransferCode + 1);
  EXPECT_EQ(code_of(no_code), Code::kInvalidArgument);
  ASSERT_TRUE(CreateAccount("usd", false, "USD").status.ok());
  EXPECT_EQ(code_of(Make("t", "cash", "usd", 1)), Code::kCurrencyMismatch);
  EXPECT_EQ(Submit({}).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().GetTransfer("t").status().code(), Code::kNotFound);
}

TEST_F(LedgerTest, GroupSucceedsOrFailsAsAWhole) {
  // alice pays bob, bob pays on to cash: the second leg depends on the first.
  auto ok = Submit({Make("g1", "alice", "bob", 300), Make("g2", "bob", "cash", 300)});
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.value.transfers_size(), 2u);
  EXPECT_EQ(ok.value.transfers(1).sequence(), ok.value.transfers(0).sequence() + 1);
  EXPECT_EQ(Balances("bob"), "0/300/0/300");

  auto failed = Submit({Make("g3", "alice", "bob", 100), Make("g4", "bob", "cash", 101)});
  EXPECT_EQ(failed.status.code(), Code::kInsufficientFunds);
  EXPECT_EQ(failed.status.details().at("index"), "1");
  EXPECT_EQ(failed.status.details().at("transfer_id"), "g4");
  EXPECT_EQ(Balances("alice"), "0/300/0/50000");
  EXPECT_EQ(engine_->Read().GetTransfer("g3").status().code(), Code::kNotFound);
}

TEST_F(LedgerTest, GroupRetryRulesAreStrict) {
  ASSERT_TRUE(Submit({Make("g1", "alice", "bob", 1), Make("g2", "alice", "bob", 2)}).status.ok());
  auto retry = Submit({Make("g1", "alice", "bob", 1), Make("g2", "alice", "bob", 2)});
  EXPECT_TRUE(retry.status.ok());
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(Submit({Make("g1", "alice", "bob", 1), Make("g9", "alice", "bob", 2)}).status.code(),
            Code::kIdempotencyConflict);
  EXPECT_EQ(Submit({Make("d", "alice", "bob", 1), Make("d", "alice", "bob", 1)}).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Balances("bob"), "0/0/0/3");
}

TEST_F(LedgerTest, OverflowIsARejectionNeverAWrap) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  ASSERT_TRUE(Move("big", "cash", "bob", kMax - 50'000).status.ok());
  auto out = Move("more", "cash", "bob", 1);
  EXPECT_EQ(out.status.code(), Code::kOverflow);
  EXPECT_EQ(Account("cash").debits_posted(), kMax);
  EXPECT_EQ(Account("bob").credits_posted(), kMax - 50'000);
}

TEST_F(LedgerTest, PendingReservesThenPostsInFull) {
  auto p = Submit({Make("p1", "alice", "bob", 1'000, true)});
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.value.transfers(0).status(), v1::TRANSFER_STATUS_PENDING);
  EXPECT_EQ(Balances("alice"), "1000/0/0/50000");
  EXPECT_EQ(Balances("bob"), "0/0/1000/0");
  EXPECT_EQ(Account("alice").available(), 49'000);
  // The reservation counts against the no-overdraft flag.
  EXPECT_EQ(Move("t", "alice", "bob", 49'001).status.code(), Code::kInsufficientFunds);

  auto post = engine_->Execute(PostPending{"p1", std::nullopt});
  ASSERT_TRUE(post.status.ok()) << post.status.ToString();
  EXPECT_EQ(post.value.id(), "p1~post");
  EXPECT_EQ(post.value.amount(), 1'000);
  EXPECT_EQ(Balances("alice"), "0/1000/0/50000");
  EXPECT_EQ(Balances("bob"), "0/0/0/1000");
  auto view = engine_->Read().GetTransfer("p1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->status(), v1::TRANSFER_STATUS_POSTED);
  EXPECT_EQ(view->posted_amount(), 1'000);
}

TEST_F(LedgerTest, PartialPostReleasesTheRemainder) {
  ASSERT_TRUE(Submit({Make("p1", "alice", "bob", 1'000, true, 60)}).status.ok());
  auto post = engine_->Execute(PostPending{"p1", 400});
  ASSERT_TRUE(post.status.ok());
  EXPECT_EQ(Balances("alice"), "0/400/0/50000");
  EXPECT_EQ(Balances("bob"), "0/0/0/400");
  auto retry = engine_->Execute(PostPending{"p1", 400});
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.value.SerializeAsString(), post.value.SerializeAsString());
  EXPECT_EQ(engine_->Execute(PostPending{"p1", 500}).status.code(), Code::kPendingAlreadyPosted);
  EXPECT_EQ(engine_->Execute(PostPending{"p1", std::nullopt}).status.code(),
            Code::kPendingAlreadyPosted);
  EXPECT_EQ(engine_->Execute(VoidPending{"p1"}).status.code(), Code::kPendingAlreadyPosted);
  EXPECT_EQ(engine_->Execute(PostPending{"p1", 0}).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Balances("bob"), "0/0/0/400");
}

TEST_F(LedgerTest, VoidReleasesTheReservation) {
  ASSERT_TRUE(Submit({Make("p1", "alice", "bob", 1'000, true)}).status.ok());
  auto v = engine_->Execute(VoidPending{"p1"});
  ASSERT_TRUE(v.status.ok());
  EXPECT_EQ(v.value.kind(), v1::TRANSFER_KIND_VOID_PENDING);
  EXPECT_EQ(Balances("alice"), "0/0/0/50000");
  EXPECT_EQ(Balances("bob"), "0/0/0/0");
  EXPECT_TRUE(engine_->Execute(VoidPending{"p1"}).replayed);
  EXPECT_EQ(engine_->Execute(PostPending{"p1", std::nullopt}).status.code(),
            Code::kPendingAlreadyVoided);
  EXPECT_EQ(engine_->Read().GetTransfer("p1")->status(), v1::TRANSFER_STATUS_VOIDED);
}

TEST_F(LedgerTest, PostAndVoidRefuseWhatIsNotPending) {
  ASSERT_TRUE(Submit({Make("p1", "alice", "bob", 1'000, true)}).status.ok());
  EXPECT_EQ(engine_->Execute(PostPending{"p1", 1'001}).status.code(), Code::kAmountExceedsPending);
  EXPECT_EQ(engine_->Execute(PostPending{"p1", 0}).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->Execute(PostPending{"fund", std::nullopt}).status.code(),
            Code::kPendingNotFound);
  EXPECT_EQ(engine_->Execute(VoidPending{"nope"}).status.code(), Code::kNotFound);
  EXPECT_EQ(engine_->Execute(VoidPending{"bad id"}).status.code(), Code::kNotFound);
  EXPECT_EQ(Balances("alice"), "1000/0/0/50000");
}

TEST_F(LedgerTest, PendingVoidsItselfAfterItsTimeout) {
  ASSERT_TRUE(Submit({Make("p1", "alice", "bob", 1'000, true, 60)}).status.ok());
  ASSERT_TRUE(Submit({Make("forever", "alice", "bob", 5, true, 0)}).status.ok());
  AdvanceAndTick(seconds(59));
  EXPECT_EQ(engine_->Read().GetTransfer("p1")->status(), v1::TRANSFER_STATUS_PENDING);
  AdvanceAndTick(seconds(1));
  EXPECT_EQ(engine_->Read().GetTransfer("p1")->status(), v1::TRANSFER_STATUS_EXPIRED);
  EXPECT_EQ(Balances("alice"), "5/0/0/50000");
  EXPECT_EQ(engine_->Execute(PostPending{"p1", std::nullopt}).status.code(), Code::kPendingExpired);
  auto expiry = engine_->Read().GetTransfer("p1~expire");
  ASSERT_TRUE(expiry.ok());
  EXPECT_EQ(expiry->kind(), v1::TRANSFER_KIND_EXPIRE_PENDING);
  AdvanceAndTick(std::chrono::hours(24 * 365));
  EXPECT_EQ(engine_->Read().GetTransfer("forever")->status(), v1::TRANSFER_STATUS_PENDING);
}

TEST_F(LedgerTest, HistoryIsNewestFirstAndPaged) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Move("h" + std::to_string(i), "alice", "bob", i + 1).status.ok());
  }
  auto page1 = engine_->Read().ListAccountTransfers("alice", 4, "");
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->transfers_size(), 4);
  EXPECT_EQ(page1->transfers(0).id(), "h4");
  EXPECT_EQ(page1->transfers(3).id(), "h1");
  auto page2 = engine_->Read().ListAccountTransfers("alice", 4, page1->next_page_token());
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->transfers_size(), 2);
  EXPECT_EQ(page2->transfers(0).id(), "h0");
  EXPECT_EQ(page2->transfers(1).id(), "fund");
  EXPECT_EQ(page2->next_page_token(), "");
  EXPECT_EQ(engine_->Read().ListAccountTransfers("alice", 201, "").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().ListAccountTransfers("alice", 1, "x").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().ListAccountTransfers("nobody", 1, "").status().code(), Code::kNotFound);
}

TEST_F(LedgerTest, RestartRebuildsEveryBalanceAndPendingTimer) {
  ASSERT_TRUE(Move("t1", "alice", "bob", 700).status.ok());
  ASSERT_TRUE(Submit({Make("p1", "alice", "bob", 1'000, true, 60)}).status.ok());
  ASSERT_TRUE(Submit({Make("p2", "bob", "cash", 200, true, 0)}).status.ok());
  std::string before = Balances("alice") + " " + Balances("bob") + " " + Balances("cash");
  Reopen();
  EXPECT_EQ(Balances("alice") + " " + Balances("bob") + " " + Balances("cash"), before);
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
  // Idempotency survives the restart, and so do open pending transfers and their timers.
  EXPECT_TRUE(Move("t1", "alice", "bob", 700).replayed);
  ASSERT_TRUE(engine_->Execute(PostPending{"p2", 50}).status.ok());
  AdvanceAndTick(seconds(61));
  EXPECT_EQ(engine_->Read().GetTransfer("p1")->status(), v1::TRANSFER_STATUS_EXPIRED);
  EXPECT_EQ(Balances("alice"), "0/700/0/50000");
  EXPECT_EQ(Balances("bob"), "0/50/0/700");
  Reopen();
  EXPECT_EQ(Balances("bob"), "0/50/0/700");
  EXPECT_TRUE(engine_->Read().AuditHistory().ok());
  // New transfers continue the sequence rather than reusing it.
  auto next = Move("t2", "alice", "bob", 1);
  EXPECT_GT(next.value.transfers(0).sequence(),
            engine_->Read().GetTransfer("p1~expire")->sequence());
}

TEST_F(LedgerTest, StoppedEngineAnswersUnavailable) {
  engine_->Stop();
  EXPECT_EQ(Move("late", "alice", "bob", 1).status.code(), Code::kUnavailable);
}

TEST(EngineQueueTest, FullQueueAnswersUnavailableAtOnce) {
  testing::TempDir dir;
  EngineOptions options;
  options.store.path = dir.Sub("ledger");
  options.max_queued_commands = 0;
  auto engine = Engine::Open(std::move(options));
  ASSERT_TRUE(engine.ok());
  v1::CreateAccountRequest request;
  request.set_id("a");
  EXPECT_EQ(engine.value()->Execute(engine::CreateAccount{request}).status.code(),
            Code::kUnavailable);
  EXPECT_EQ(engine.value()->Read().GetAccount("a").status().code(), Code::kNotFound);
}

TEST_F(LedgerTest, AuditRunsWhileTheEngineCommits) {
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      Submit({Make("a" + std::to_string(i), "cash", "bob", 7),
              Make("b" + std::to_string(i), "bob", "alice", 3)});
    }
    done = true;
  });
  int audits = 0;
  while (!done) {
    Status audit = engine_->Read().AuditHistory();
    ASSERT_TRUE(audit.ok()) << audit.ToString();
    ++audits;
  }
  writer.join();
  EXPECT_GT(audits, 0);
  EXPECT_EQ(Balances("bob"), "0/900/0/2100");
}

TEST_F(LedgerTest, ConcurrentSubmittersAreSerialisedExactly) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> succeeded{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto id = "c" + std::to_string(t) + "-" + std::to_string(i);
        if (Move(id, "alice", "bob", 100).status.ok()) ++succeeded;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kThreads * kPerThread);
  EXPECT_EQ(Balances("bob"), "0/0/0/" + std::to_string(100 * kThreads * kPerThread));
  EXPECT_TRUE(engine_->Execute(VerifyInvariants{}).status.ok());
}

// The ledger alone, with batches cut where the test says: a batch's transfer ids read ahead
// in one pass (PrefetchTransfers) answer exactly as reading each id alone would, retries and
// conflicts included, and nothing read ahead outlives the batch it was read for.
// A clean stop writes out every account changed since it was last written, and so does a
// tick with nothing queued, so that reads of a quiet ledger search no change log.
TEST_F(LedgerTest, ChangedAccountsAreWrittenOutAtStopAndOnAnIdleTick) {
  ASSERT_TRUE(Move("t1", "alice", "bob", 100).status.ok());
  EXPECT_EQ(engine_->unwritten_accounts(), 3u);  // cash and alice since SetUp's batch, bob
  EXPECT_EQ(engine_->live_change_logs(), 2u);
  // Nothing commits meanwhile (no tick for an hour): a read gets the logs the writer holds.
  EXPECT_TRUE(engine_->Read().reads_published_logs());
  Reopen();
  EXPECT_TRUE(engine_->Read().reads_published_logs()) << "published at start too";
  EXPECT_EQ(engine_->unwritten_accounts(), 0u);
  EXPECT_EQ(engine_->live_change_logs(), 0u);
  EXPECT_EQ(Balances("bob"), "0/0/0/100");

  tick_interval_ = std::chrono::milliseconds(20);
  Reopen();
  ASSERT_TRUE(Move("t2", "alice", "bob", 100).status.ok());
  for (int i = 0; i < 500 && engine_->live_change_logs() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(engine_->live_change_logs(), 0u);
  EXPECT_EQ(engine_->unwritten_accounts(), 0u);
  EXPECT_EQ(Balances("bob"), "0/0/0/200");
  EXPECT_EQ(Balances("alice"), "0/200/0/50000");
}

// The writer takes at most max_batch_commands queued commands into a batch, the oldest first;
// the rest wait for the next one, and every answer comes back in the order submitted.
TEST_F(LedgerTest, ABatchTakesAtMostItsLimitOfQueuedCommandsOldestFirst) {
  max_batch_commands_ = 3;
  Reopen();
  // The writer is held inside an answer (answers run on it), so the next ten all queue.
  std::promise<void> holding, all_answered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  engine_->Submit<CreateTransfers>(CreateTransfers{Request("hold")},
                                   [&](Answer<v1::CreateTransfersResponse>) {
                                     holding.set_value();
                                     released.wait();
                                   });
  holding.get_future().wait();
  const Engine::Counters before = engine_->counters();
  std::mutex mutex;
  std::vector<std::string> answered;
  std::atomic<int> left{10};
  std::vector<std::string> submitted;
  for (int i = 0; i < 10; ++i) {
    std::string id = "q" + std::to_string(i);
    submitted.push_back(id);
    engine_->Submit<CreateTransfers>(CreateTransfers{Request(id)},
                                     [&, id](Answer<v1::CreateTransfersResponse> answer) {
                                       EXPECT_TRUE(answer.ok()) << answer.status.ToString();
                                       {
                                         std::lock_guard lock(mutex);
                                         answered.push_back(id);
                                       }
                                       if (--left == 0) all_answered.set_value();
                                     });
  }
  EXPECT_EQ(engine_->queue_depth(), 10u);
  release.set_value();
  all_answered.get_future().wait();
  const Engine::Counters after = engine_->counters();
  EXPECT_EQ(after.batches - before.batches, 4u);  // 3, 3, 3 and 1
  EXPECT_EQ(after.commands - before.commands, 10u);
  EXPECT_EQ(answered, submitted);
  EXPECT_EQ(Balances("bob"), "0/0/0/11");
}

class LedgerBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("ledger");
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ledger_ = std::make_unique<Ledger>(store_.get());
    ASSERT_TRUE(ledger_->Load().ok());
    for (const char* id : {"cash", "alice"}) {
      v1::CreateAccountRequest account;
      account.set_id(id);
      ASSERT_TRUE(ledger_->CreateAccount(account, Now()).status.ok());
    }
    CommitBatch();
  }

  std::int64_t Now() { return now_ns_ += 1'000; }

  Answer<v1::CreateTransfersResponse> Move(const std::string& id, std::int64_t amount) {
    v1::CreateTransfersRequest request;
    auto* transfer = request.add_transfers();
    transfer->set_id(id);
    transfer->set_debit_account_id("cash");
    transfer->set_credit_account_id("alice");
    transfer->set_amount(amount);
    transfer->set_code(1);
    return ledger_->CreateTransfers(request, Now(), &batch_);
  }

  void CommitBatch() {
    ledger_->FinishBatch(&batch_);
    ASSERT_TRUE(store_->Commit(batch_).ok());
    ledger_->OnSealed();
    batch_.Clear();
  }

  // What a reader sees of alice's balance (her record, or her newest logged change).
  std::int64_t Received() {
    auto alice = Query(store_->View()).GetAccount("alice");
    EXPECT_TRUE(alice.ok()) << alice.status().ToString();
    return alice.ok() ? alice.value().credits_posted() : -1;
  }

  // The keys (and values) of `family` that start with `prefix`.
  std::vector<std::pair<std::string, std::string>> Stored(storage::Family family,
                                                          const std::string& prefix = "") {
    std::vector<std::pair<std::string, std::string>> found;
    EXPECT_TRUE(store_
                    ->Scan(family, prefix, false, std::nullopt,
                           [&](std::string_view key, std::string_view value) {
                             found.emplace_back(key, value);
                             return true;
                           })
                    .ok());
    return found;
  }

  // The ids of `account`'s transfers, newest first, read `page` at a time.
  std::vector<std::string> History(const std::string& account, std::size_t page) {
    Query query(store_->View());
    std::vector<std::string> seen;
    std::string token;
    for (int pages = 0; pages < 20; ++pages) {  // a loop would repeat pages
      auto listed = query.ListAccountTransfers(account, page, token);
      EXPECT_TRUE(listed.ok()) << listed.status().ToString();
      if (!listed.ok()) break;
      for (const auto& transfer : listed.value().transfers()) seen.push_back(transfer.id());
      token = listed.value().next_page_token();
      if (token.empty()) break;
    }
    return seen;
  }

  void Checkpoint() {
    ledger_->Checkpoint(&batch_);
    ASSERT_TRUE(store_->Commit(batch_).ok());
    batch_.Clear();
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Ledger> ledger_;
  storage::Batch batch_;
  std::int64_t now_ns_ = 1'700'000'000'000'000'000;
};

TEST_F(LedgerBatchTest, TransferIdsReadAheadAnswerAsReadingEachWould) {
  ASSERT_TRUE(Move("t1", 100).status.ok());
  CommitBatch();

  ledger_->PrefetchTransfers({"t1", "t2", "t2", "t3"});
  auto retry = Move("t1", 100);
  ASSERT_TRUE(retry.status.ok()) << retry.status.ToString();
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(Move("t1", 101).status.code(), Code::kIdempotencyConflict);
  auto created = Move("t2", 200);
  ASSERT_TRUE(created.status.ok());
  EXPECT_FALSE(created.replayed);
  EXPECT_TRUE(Move("t2", 200).replayed);  // in this batch, not yet stored
  EXPECT_EQ(Move("t2", 201).status.code(), Code::kIdempotencyConflict);
  EXPECT_FALSE(Move("t4", 400).replayed);  // not read ahead: read alone
  CommitBatch();
  EXPECT_EQ(Received(), 700);

  // The next batch: t2 and t4 are stored now, whatever the last batch read ahead.
  ledger_->PrefetchTransfers({"t2", "t3"});
  EXPECT_TRUE(Move("t2", 200).replayed);
  EXPECT_TRUE(Move("t4", 400).replayed);
  EXPECT_FALSE(Move("t3", 300).replayed);
  CommitBatch();
  EXPECT_EQ(Received(), 1000);
  EXPECT_TRUE(ledger_->CheckInvariants().ok());
}

// Between checkpoints each batch writes one change log, not each account's record and index
// key; histories, balances and statements read the logs first, then the index, and a page
// may end and resume inside a batch. A checkpoint writes one index key per account, listing
// its entries since the one before, and deletes the logs; readers see the same.
TEST_F(LedgerBatchTest, BatchesAreLoggedUntilACheckpointWritesTheIndex) {
  const std::vector<std::pair<std::string, std::string>> no_keys;
  for (const char* id : {"t1", "t2", "t3", "t4", "t5"}) ASSERT_TRUE(Move(id, 10).status.ok());
  CommitBatch();
  ASSERT_TRUE(Move("t6", 10).status.ok());
  CommitBatch();
  ASSERT_TRUE(Move("t7", 10).status.ok());
  ASSERT_TRUE(Move("t8", 10).status.ok());
  CommitBatch();
  auto logs = Stored(storage::Family::kAccountChanges);
  ASSERT_EQ(logs.size(), 3u);  // t1..t5, t6, t7..t8: sequences 1..5, 6, 7..8
  EXPECT_EQ(logs[0].first, storage::EncodeSequence(1));
  EXPECT_EQ(logs[2].first, storage::EncodeSequence(7));
  EXPECT_EQ(Stored(storage::Family::kAccountIndex), no_keys);

  const std::vector<std::string> newest_first = {"t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1"};
  auto check_reads = [&](const char* when) {
    for (const char* account : {"alice", "cash"}) {
      EXPECT_EQ(History(account, 3), newest_first) << account << " " << when;
    }
    EXPECT_EQ(Received(), 80) << when;
    auto cash = Query(store_->View()).GetAccount("cash");
    ASSERT_TRUE(cash.ok());
    EXPECT_EQ(cash.value().debits_posted(), 80) << when;
    auto listed = Query(store_->View()).ListAccounts(1, "");
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed.value().accounts_size(), 1);  // alice, the first id
    EXPECT_EQ(listed.value().accounts(0).credits_posted(), 80) << when;
    // Today's statement: every entry, oldest first, with the running balance.
    auto day = StatementPeriodOf("", "", now_ns_, kDefaultUtcOffsetMinutes);
    ASSERT_TRUE(day.ok());
    auto statement = Query(store_->View()).GetStatement("alice", day.value(), 0, "");
    ASSERT_TRUE(statement.ok()) << statement.status().ToString();
    ASSERT_EQ(statement.value().lines_size(), 8);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(statement.value().lines(i).transfer_id(), "t" + std::to_string(i + 1));
      EXPECT_EQ(statement.value().lines(i).balance(), 10 * (i + 1));
    }
    EXPECT_EQ(statement.value().closing(), 80);
    auto verified = VerifyLedger(store_->View());
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified.value().ok()) << verified.value().problem() << " " << when;
  };
  check_reads("logged");
  auto stored_alice = Stored(storage::Family::kAccounts, "alice");
  ASSERT_EQ(stored_alice.size(), 1u);
  v1::AccountRecord as_created;
  ASSERT_TRUE(as_created.ParseFromString(stored_alice[0].second));
  EXPECT_EQ(as_created.credits_posted(), 0);  // the record is as created until a checkpoint

  storage::ReadView before = store_->View();
  Checkpoint();
  EXPECT_EQ(Stored(storage::Family::kAccountChanges), no_keys);
  auto keys = Stored(storage::Family::kAccountIndex, storage::IndexPrefix("alice"));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].first, storage::IndexKey("alice", 1));
  std::string one_to_eight;
  for (std::uint64_t s = 1; s <= 8; ++s) one_to_eight += storage::EncodeSequence(s);
  EXPECT_EQ(keys[0].second, one_to_eight);
  auto from = store_->Get(storage::Family::kMeta, kChangesFromKey);
  ASSERT_TRUE(from.ok() && from.value());
  EXPECT_EQ(*from.value(), storage::EncodeSequence(9));  // where readers seek the next logs
  check_reads("checkpointed");
  EXPECT_EQ(Query(std::move(before)).GetAccount("alice").value().credits_posted(), 80)
      << "a view from before the checkpoint still reads the logs it saw";

  // A lone entry since the last checkpoint: the empty value every entry had before grouping.
  ASSERT_TRUE(Move("t9", 10).status.ok());
  CommitBatch();
  Checkpoint();
  keys = Stored(storage::Family::kAccountIndex, storage::IndexPrefix("alice"));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1].first, storage::IndexKey("alice", 9));
  EXPECT_EQ(keys[1].second, "");
  EXPECT_EQ(History("alice", 4).front(), "t9");

  // An entry whose list does not start at its key's sequence is refused, not misread.
  storage::Batch bad;
  bad.Put(storage::Family::kAccountIndex, storage::IndexKey("alice", 10),
          storage::EncodeSequence(9) + storage::EncodeSequence(10));
  ASSERT_TRUE(store_->Commit(bad).ok());
  EXPECT_EQ(Query(store_->View()).ListAccountTransfers("alice", 3, "").status().code(),
            Code::kInternal);
}

// Once more than kMostLogs logs are live, a batch writes out the accounts first logged in
// the oldest, and drops every log no pending account needs. A ledger opened over logs takes
// them back: its balances, and the entries it writes out next.
TEST_F(LedgerBatchTest, PastkMostLogsTheOldestAreWrittenOutAndAReopenedLedgerTakesLogsBack) {
  for (std::size_t i = 1; i <= kMostLogs; ++i) {
    ASSERT_TRUE(Move("w" + std::to_string(i), 1).status.ok());
    CommitBatch();
  }
  EXPECT_EQ(Stored(storage::Family::kAccountChanges).size(), kMostLogs);
  ASSERT_TRUE(Move("full", 1).status.ok());
  CommitBatch();
  EXPECT_TRUE(Stored(storage::Family::kAccountChanges).empty());
  EXPECT_EQ(Stored(storage::Family::kAccountIndex, storage::IndexPrefix("alice")).size(), 1u);
  EXPECT_EQ(Received(), std::int64_t(kMostLogs) + 1);

  ASSERT_TRUE(Move("r1", 100).status.ok());
  CommitBatch();
  ASSERT_TRUE(Move("r2", 1000).status.ok());
  CommitBatch();
  ledger_ = std::make_unique<Ledger>(store_.get());  // as after a crash: nothing written out
  ASSERT_TRUE(ledger_->Load().ok());
  const std::int64_t moved = std::int64_t(kMostLogs) + 1101;
  EXPECT_EQ(ledger_->FindAccount("alice")->credits_posted(), moved);
  EXPECT_EQ(ledger_->FindAccount("cash")->debits_posted(), moved);
  ASSERT_TRUE(Move("r3", 10000).status.ok());
  CommitBatch();
  Checkpoint();
  EXPECT_TRUE(Stored(storage::Family::kAccountChanges).empty());
  auto keys = Stored(storage::Family::kAccountIndex, storage::IndexPrefix("alice"));
  ASSERT_EQ(keys.size(), 2u);
  const std::uint64_t first = kMostLogs + 2;
  EXPECT_EQ(keys[1].first, storage::IndexKey("alice", first));
  EXPECT_EQ(keys[1].second, storage::EncodeSequence(first) + storage::EncodeSequence(first + 1) +
                                storage::EncodeSequence(first + 2));
  EXPECT_EQ(Received(), moved + 10000);
  auto history = History("alice", 50);
  ASSERT_EQ(history.size(), kMostLogs + 4);
  EXPECT_EQ(history[0], "r3");
  EXPECT_EQ(history[3], "full");
  EXPECT_EQ(history.back(), "w1");
}

// Accounts are written out in the order they were first logged, a log's worth per batch,
// while others stay pending; the live logs then still hold entries of written-out accounts,
// which readers skip by the record's checkpoint_sequence instead of counting them twice.
TEST_F(LedgerBatchTest, WrittenOutAccountsAreNotReadTwiceFromTheLogsStillLive) {
  v1::CreateAccountRequest bob;
  bob.set_id("bob");
  ASSERT_TRUE(ledger_->CreateAccount(bob, Now()).status.ok());
  CommitBatch();
  auto pay = [&](const std::string& id, const char* to) {
    v1::CreateTransfersRequest request;
    auto* transfer = request.add_transfers();
    transfer->set_id(id);
    transfer->set_debit_account_id("cash");
    transfer->set_credit_account_id(to);
    transfer->set_amount(1);
    transfer->set_code(1);
    ASSERT_TRUE(ledger_->CreateTransfers(request, Now(), &batch_).status.ok());
    CommitBatch();
  };
  std::vector<std::string> cash_history = {"a1"};
  pay("a1", "alice");  // log 0: alice and cash
  for (std::size_t i = 2; i <= kMostLogs + 1; ++i) {
    std::string id = "b" + std::to_string(i);
    pay(id, "bob");  // logs 1..64: cash and bob
    cash_history.insert(cash_history.begin(), id);
  }
  // Past 64 logs: alice and cash, first in log 0, are written out; bob is still pending.
  auto stored = [&](const char* id) {
    auto value = Stored(storage::Family::kAccounts, id);
    v1::AccountRecord record;
    EXPECT_TRUE(value.size() == 1 && record.ParseFromString(value[0].second));
    return record;
  };
  EXPECT_EQ(stored("cash").checkpoint_sequence(), kMostLogs + 1);
  EXPECT_EQ(stored("cash").debits_posted(), std::int64_t(kMostLogs) + 1);
  EXPECT_EQ(stored("bob").checkpoint_sequence(), 0u);
  EXPECT_EQ(Stored(storage::Family::kAccountChanges).size(), kMostLogs);
  EXPECT_TRUE(Stored(storage::Family::kAccountIndex, storage::IndexPrefix("bob")).empty());
  auto check = [&](const char* when) {
    EXPECT_EQ(History("cash", 7), cash_history) << when;
    EXPECT_EQ(History("bob", 50).size(), kMostLogs) << when;
    auto cash = Query(store_->View()).GetAccount("cash");
    ASSERT_TRUE(cash.ok());
    EXPECT_EQ(cash.value().debits_posted(), std::int64_t(cash_history.size())) << when;
    auto verified = VerifyLedger(store_->View());
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified.value().ok()) << verified.value().problem() << " " << when;
  };
  check("cash written out, its old logs live");
  ledger_ = std::make_unique<Ledger>(store_.get());  // takes back bob's changes, not cash's
  ASSERT_TRUE(ledger_->Load().ok());

  // The next batch writes bob out (first in log 1); no pending account needs logs 2..64.
  pay("a66", "alice");
  cash_history.insert(cash_history.begin(), "a66");
  EXPECT_EQ(Stored(storage::Family::kAccountChanges).size(), 1u);
  auto from = store_->Get(storage::Family::kMeta, kChangesFromKey);
  ASSERT_TRUE(from.ok() && from.value());
  EXPECT_EQ(*from.value(), storage::EncodeSequence(kMostLogs + 2));
  check("bob written out");
  ledger_ = std::make_unique<Ledger>(store_.get());
  ASSERT_TRUE(ledger_->Load().ok());
  EXPECT_EQ(ledger_->FindAccount("cash")->debits_posted(), std::int64_t(cash_history.size()));
  Checkpoint();
  EXPECT_TRUE(Stored(storage::Family::kAccountChanges).empty());
  check("all written out");
}

// A change log that does not read is refused where it is read: at load, by a reader, and by
// verify; an edited balance in one is named by verify.
TEST_F(LedgerBatchTest, AnEditedOrBrokenChangeLogIsNamedNotMisread) {
  ASSERT_TRUE(Move("t1", 10).status.ok());
  CommitBatch();
  auto logs = Stored(storage::Family::kAccountChanges);
  ASSERT_EQ(logs.size(), 1u);
  const auto& [key, value] = logs[0];

  std::string edited = value;  // alice's credits_posted is the 8 bytes 24 after her id
  std::size_t credits_posted = edited.find("alice") + 5 + 24;
  ASSERT_EQ(edited[credits_posted + 7], 10);
  edited[credits_posted + 7] = 11;
  storage::Batch batch;
  batch.Put(storage::Family::kAccountChanges, key, edited);
  ASSERT_TRUE(store_->Commit(batch).ok());
  EXPECT_EQ(Received(), 11);  // read as stored
  auto verified = VerifyLedger(store_->View());
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified.value().ok());
  EXPECT_EQ(verified.value().account_id(), "alice") << verified.value().problem();
  Ledger reopened(store_.get());
  EXPECT_EQ(reopened.Load().message(), "ledger does not balance");

  // A log naming an account that has no record, built by hand in the documented layout:
  // one part, at offset 8: id length, id, four balances, one sequence.
  std::string ghost("\x00\x00\x00\x01\x00\x00\x00\x08\x00\x05ghost", 15);
  ghost += std::string(32, '\0') + std::string("\x00\x00\x00\x01", 4) + storage::EncodeSequence(1);
  storage::Batch with_ghost;
  with_ghost.Put(storage::Family::kAccountChanges, key, value);  // as written
  with_ghost.Put(storage::Family::kAccountChanges, storage::EncodeSequence(2), ghost);
  ASSERT_TRUE(store_->Commit(with_ghost).ok());
  auto ghost_verified = VerifyLedger(store_->View());
  ASSERT_TRUE(ghost_verified.ok());
  EXPECT_EQ(ghost_verified.value().account_id(), "ghost") << ghost_verified.value().problem();
  Ledger with_ghost_ledger(store_.get());
  Status ghost_load = with_ghost_ledger.Load();
  EXPECT_EQ(ghost_load.message(), "a change log names an account that does not exist");
  EXPECT_EQ(ghost_load.details().at("account_id"), "ghost");
  storage::Batch without_ghost;
  without_ghost.Delete(storage::Family::kAccountChanges, storage::EncodeSequence(2));
  ASSERT_TRUE(store_->Commit(without_ghost).ok());

  for (const std::string& broken : {std::string("\x00\x00"), value.substr(0, value.size() - 3),
                                    std::string("\x00\x00\x00\x09") + value.substr(4)}) {
    storage::Batch b;
    b.Put(storage::Family::kAccountChanges, key, broken);
    ASSERT_TRUE(store_->Commit(b).ok());
    EXPECT_EQ(Query(store_->View()).GetAccount("alice").status().code(), Code::kInternal);
    EXPECT_EQ(Query(store_->View()).ListAccountTransfers("alice", 3, "").status().code(),
              Code::kInternal);
    auto result = VerifyLedger(store_->View());
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_FALSE(result.value().ok());
    EXPECT_EQ(result.value().problem(), "an account change log is malformed");
    Ledger refused(store_.get());
    EXPECT_EQ(refused.Load().code(), Code::kInternal);
  }
}

// A directory of an older layout opens and is marked with the current one, so an older
// market4 refuses it rather than misreading newer entries; a newer or unreadable one is
// refused and left as it is.
// The engine publishes the live logs after each commit so that readers need not scan them.
// A reader uses them only when its view is of the very state they were published for: here
// a published set with its last log left out shows through when the view matches, and is
// ignored once another batch is committed.
TEST_F(LedgerBatchTest, PublishedLogsAreReadOnlyByAViewOfTheirOwnState) {
  for (const char* id : {"t1", "t2", "t3", "t4", "t5"}) ASSERT_TRUE(Move(id, 10).status.ok());
  CommitBatch();
  ASSERT_TRUE(Move("t6", 10).status.ok());
  CommitBatch();
  auto published =
      std::make_shared<const LiveLogs>(LiveLogs{store_->LatestSequence(), ledger_->LiveLogsNow()});
  ASSERT_EQ(published->logs.size(), 2u);

  // The same answers as a scan of the store, for every read that looks at the logs.
  auto day = StatementPeriodOf("", "", now_ns_, kDefaultUtcOffsetMinutes);
  ASSERT_TRUE(day.ok());
  auto answers = [&](const Query& query) {
    std::string all;
    for (const char* account : {"alice", "cash"}) {
      all += query.GetAccount(account).value().SerializeAsString();
      all += query.ListAccountTransfers(account, 4, "").value().SerializeAsString();
      all += query.GetStatement(account, day.value(), 0, "").value().SerializeAsString();
    }
    return all + query.ListAccounts(10, "").value().SerializeAsString();
  };
  const std::string scanned = answers(Query(store_->View()));
  EXPECT_TRUE(Query(store_->View(), published).reads_published_logs());
  EXPECT_FALSE(Query(store_->View()).reads_published_logs());
  EXPECT_EQ(answers(Query(store_->View(), published)), scanned);
  EXPECT_NE(scanned.find("t6"), std::string::npos);

  // Without its last log (t6), the published set is what a reader of this state sees.
  auto partial = std::make_shared<LiveLogs>(*published);
  partial->logs.pop_back();
  EXPECT_EQ(Query(store_->View(), partial).GetAccount("alice").value().credits_posted(), 50);
  auto history = Query(store_->View(), partial).ListAccountTransfers("alice", 10, "");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history.value().transfers(0).id(), "t5");

  // Of an older state, it is not used: the view scans.
  ASSERT_TRUE(Move("t7", 10).status.ok());
  CommitBatch();
  EXPECT_FALSE(Query(store_->View(), partial).reads_published_logs());
  EXPECT_EQ(Query(store_->View(), partial).GetAccount("alice").value().credits_posted(), 70);
  history = Query(store_->View(), partial).ListAccountTransfers("alice", 10, "");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history.value().transfers(0).id(), "t7");
  EXPECT_EQ(Query(store_->View(), published).GetAccount("cash").value().debits_posted(), 70);
}

TEST_F(LedgerBatchTest, OlderSchemaVersionsAreUpgradedAndUnknownOnesAreRefused) {
  auto stored_version = [&] {
    auto value = store_->Get(storage::Family::kMeta, "schema_version");
    EXPECT_TRUE(value.ok() && value.value());
    return value.value().value_or("");
  };
  EXPECT_EQ(stored_version(), storage::EncodeSequence(kSchemaVersion));
  ASSERT_EQ(kSchemaVersion, 3u);

  for (std::uint64_t version : {1, 2}) {
    storage::Batch older;
    older.Put(storage::Family::kMeta, "schema_version", storage::EncodeSequence(version));
    ASSERT_TRUE(store_->Commit(older).ok());
    Ledger upgraded(store_.get());
    ASSERT_TRUE(upgraded.Load().ok());
    EXPECT_EQ(stored_version(), storage::EncodeSequence(3));
  }

  for (const std::string& unknown :
       {storage::EncodeSequence(4), storage::EncodeSequence(0), std::string("\x01\x02")}) {
    storage::Batch batch;
    batch.Put(storage::Family::kMeta, "schema_version", unknown);
    ASSERT_TRUE(store_->Commit(batch).ok());
    Ledger refused(store_.get());
    EXPECT_EQ(refused.Load().code(), Code::kInternal);
    EXPECT_EQ(stored_version(), unknown);
  }
}

}  // namespace ledger_test
}  // namespace market4::engine
