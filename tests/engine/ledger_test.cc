// Rules of the ledger, exercised through the real engine on a real RocksDB.
#include "engine/ledger.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/query.h"
#include "storage/keys.h"
#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace ledger_test {

using std::chrono::seconds;

class LedgerTest : public EngineFixture {
 protected:
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
      ASSERT_TRUE(ledger_->CreateAccount(account, Now(), &batch_).status.ok());
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
    ledger_->OnCommitted();
    batch_.Clear();
  }

  std::int64_t Received() {
    auto stored = store_->Get(storage::Family::kAccounts, "alice");
    v1::AccountRecord account;
    EXPECT_TRUE(stored.ok() && stored.value() && account.ParseFromString(*stored.value()));
    return account.credits_posted();
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

// A batch keeps one account index key per account, listing the batch's entries of that
// account; histories and statements read them as one key per entry was read, and a page may
// end and resume inside a batch.
TEST_F(LedgerBatchTest, AccountIndexKeepsOneKeyPerAccountPerBatch) {
  for (const char* id : {"t1", "t2", "t3", "t4", "t5"}) ASSERT_TRUE(Move(id, 10).status.ok());
  CommitBatch();
  ASSERT_TRUE(Move("t6", 10).status.ok());
  CommitBatch();
  ASSERT_TRUE(Move("t7", 10).status.ok());
  ASSERT_TRUE(Move("t8", 10).status.ok());
  CommitBatch();

  std::vector<std::pair<std::string, std::string>> keys;
  ASSERT_TRUE(store_
                  ->Scan(storage::Family::kAccountIndex, storage::IndexPrefix("alice"), false,
                         std::nullopt,
                         [&](std::string_view key, std::string_view value) {
                           keys.emplace_back(key, value);
                           return true;
                         })
                  .ok());
  ASSERT_EQ(keys.size(), 3u);  // t1..t5, t6, t7..t8: sequences 1..5, 6, 7..8
  EXPECT_EQ(keys[0].first, storage::IndexKey("alice", 1));
  std::string one_to_five;
  for (std::uint64_t s = 1; s <= 5; ++s) one_to_five += storage::EncodeSequence(s);
  EXPECT_EQ(keys[0].second, one_to_five);
  EXPECT_EQ(keys[1].first, storage::IndexKey("alice", 6));
  EXPECT_EQ(keys[1].second, "");  // a lone entry: the form every entry had before grouping
  EXPECT_EQ(keys[2].first, storage::IndexKey("alice", 7));

  for (const char* account : {"alice", "cash"}) {
    Query query(store_->View());
    std::vector<std::string> seen;
    std::string token;
    for (int pages = 0; pages < 5; ++pages) {  // 3 pages expected; a loop would repeat them
      auto page = query.ListAccountTransfers(account, 3, token);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const auto& transfer : page.value().transfers()) seen.push_back(transfer.id());
      token = page.value().next_page_token();
      if (token.empty()) break;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1"}))
        << account;
  }

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

  // An entry whose list does not start at its key's sequence is refused, not misread.
  storage::Batch bad;
  bad.Put(storage::Family::kAccountIndex, storage::IndexKey("alice", 9),
          storage::EncodeSequence(8) + storage::EncodeSequence(9));
  ASSERT_TRUE(store_->Commit(bad).ok());
  EXPECT_EQ(Query(store_->View()).ListAccountTransfers("alice", 3, "").status().code(),
            Code::kInternal);
}

// A directory of the first layout opens and is marked with the current one, so an older
// market4 refuses it rather than misreading newer entries; a newer or unreadable one is
// refused and left as it is.
TEST_F(LedgerBatchTest, SchemaVersionOneIsUpgradedAndUnknownOnesAreRefused) {
  auto stored_version = [&] {
    auto value = store_->Get(storage::Family::kMeta, "schema_version");
    EXPECT_TRUE(value.ok() && value.value());
    return value.value().value_or("");
  };
  EXPECT_EQ(stored_version(), storage::EncodeSequence(kSchemaVersion));
  ASSERT_EQ(kSchemaVersion, 2u);

  storage::Batch older;
  older.Put(storage::Family::kMeta, "schema_version", storage::EncodeSequence(1));
  ASSERT_TRUE(store_->Commit(older).ok());
  Ledger upgraded(store_.get());
  ASSERT_TRUE(upgraded.Load().ok());
  EXPECT_EQ(stored_version(), storage::EncodeSequence(2));

  for (const std::string& unknown :
       {storage::EncodeSequence(3), storage::EncodeSequence(0), std::string("\x01\x02")}) {
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
