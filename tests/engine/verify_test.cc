// The hash chain and VerifyLedger: an untouched ledger verifies clean, and any edit to a stored
// entry (its amount, its accounts, any byte, its place in the order), its chain hash or an
// account's balances is found and named, with the engine stopped and the store edited directly.
#include "engine/verify.h"

#include <gtest/gtest.h>

#include "common/business_day.h"
#include "common/crypto.h"
#include "engine/chain.h"
#include "storage/keys.h"
#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace verify_test {

using storage::Family;

// The chain's input, pinned: the bytes and the first hash of one entry, as an auditor's own
// program (here, a few lines of Python's struct and hashlib) computes them from the
// documented layout. A change to CanonicalEntryBytes that moves one byte breaks every
// existing ledger's chain, and fails here first.
TEST(ChainTest, CanonicalBytesAndHashMatchAnIndependentComputation) {
  v1::TransferRecord r;
  r.set_version(1);
  r.set_sequence(42);
  r.set_id("t-1");
  r.set_debit_account_id("buyer:7");
  r.set_credit_account_id("escrow");
  r.set_amount(125000);
  r.set_code(3);
  r.set_kind(v1::TRANSFER_KIND_POSTED);
  r.set_currency("VND");
  r.set_timestamp_ns(1764460800000000000);
  r.set_entered_by("op_lan");
  r.set_approved_by("op_minh");
  EXPECT_EQ(HexEncode(CanonicalEntryBytes(r)),
            "6d34656e747279310000000000000001000000000000002a00000003742d310000000762757965723a"
            "3700000006657363726f77000000000001e84800000000000000030000000000000001000000000000"
            "00000000000000000003564e44187c9fbfc41a00000000000000000000000000066f705f6c616e0000"
            "00076f705f6d696e68");
  EXPECT_EQ(HexEncode(ChainHash(ChainGenesis(), r)),
            "ca795e372f4e8406be177e5be52b820fd0021b1ce01eb8e0de33adb044d6f319");
}

// The hash is taken from a buffer on the stack when the entry's encoding fits (every entry
// the API accepts) and from the heap otherwise; both must hash exactly the documented bytes.
TEST(ChainTest, AHashIsOfThePreviousAndTheCanonicalBytesWhateverTheEntrysSize) {
  v1::TransferRecord r;
  r.set_version(1);
  r.set_sequence(7);
  r.set_id("t-7");
  r.set_debit_account_id("cash");
  r.set_credit_account_id("alice");
  r.set_amount(5);
  r.set_currency("VND");
  const std::string previous(32, '\x5a');
  auto expected = [&] {
    Sha256Digest digest = Sha256(previous, CanonicalEntryBytes(r));
    return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
  };
  EXPECT_EQ(ChainHash(previous, r), expected());
  r.set_approved_by(std::string(3000, 'x'));  // past any stack buffer
  ASSERT_GT(CanonicalEntryBytes(r).size(), 3000u);
  EXPECT_EQ(ChainHash(previous, r), expected());
}

class VerifyTest : public EngineFixture {
 protected:
  // Eight entries of every kind: posted, pending, post, void.
  void SetUp() override {
    EngineFixture::SetUp();
    for (const char* id : {"cash", "alice", "bob"}) ASSERT_TRUE(CreateAccount(id).ok());
    ASSERT_TRUE(Move("t1", "cash", "alice", 1000).ok());
    ASSERT_TRUE(Move("t2", "alice", "bob", 300).ok());
    ASSERT_TRUE(Submit({Make("p1", "alice", "bob", 200, true)}).ok());
    ASSERT_TRUE(engine_->Execute(PostPending{"p1", 150}).ok());
    ASSERT_TRUE(Submit({Make("p2", "bob", "alice", 50, true)}).ok());
    ASSERT_TRUE(engine_->Execute(VoidPending{"p2"}).ok());
    ASSERT_TRUE(Submit({Make("t3", "cash", "bob", 7), Make("t4", "bob", "cash", 5)}).ok());
    engine_.reset();
    OpenStore();
  }

  void OpenStore() {
    auto store = storage::Store::Open({dir_.Sub("ledger")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  v1::LedgerVerification Verify() {
    auto result = VerifyLedger(store_->View());
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.value();
  }

  std::string Stored(Family family, const std::string& key) {
    auto value = store_->Get(family, key);
    EXPECT_TRUE(value.ok() && value.value());
    return value.value().value_or("");
  }
  void Put(Family family, const std::string& key, const std::string& value) {
    storage::Batch batch;
    batch.Put(family, key, value);
    ASSERT_TRUE(store_->Commit(batch).ok());
  }
  v1::TransferRecord Entry(std::uint64_t sequence) {
    v1::TransferRecord record;
    EXPECT_TRUE(record.ParseFromString(Stored(Family::kTransfers, Key(sequence))));
    return record;
  }
  static std::string Key(std::uint64_t sequence) { return storage::EncodeSequence(sequence); }

  static constexpr std::uint64_t kEntries = 8;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(VerifyTest, AnUntouchedLedgerVerifiesCleanWithTheHeadRecomputedHere) {
  std::string head = ChainGenesis();
  for (std::uint64_t s = 1; s <= kEntries; ++s) {
    head = ChainHash(head, Entry(s));
    EXPECT_EQ(Entry(s).chain_hash(), head) << "entry " << s;  // kept in the entry itself
    auto beside = store_->Get(Family::kChain, Key(s));
    ASSERT_TRUE(beside.ok());
    EXPECT_FALSE(beside.value()) << "entry " << s << " has its hash in the chain family too";
  }
  v1::LedgerVerification result = Verify();
  EXPECT_TRUE(result.ok()) << result.problem();
  EXPECT_EQ(result.entries(), kEntries);
  EXPECT_EQ(result.head(), HexEncode(head));
  EXPECT_EQ(result.first_bad_entry(), 0u);
}

TEST_F(VerifyTest, AnEditedAmountOrAccountOfAnyEntryIsNamed) {
  using Edit = void (*)(v1::TransferRecord&);
  const Edit edits[] = {
      [](v1::TransferRecord& r) { r.set_amount(r.amount() + 1); },
      [](v1::TransferRecord& r) { r.set_debit_account_id("cash"); },
      [](v1::TransferRecord& r) { r.set_credit_account_id("alice"); },
      [](v1::TransferRecord& r) { r.set_timestamp_ns(r.timestamp_ns() + 1); },
      [](v1::TransferRecord& r) { r.set_code(r.code() + 1); },
  };
  for (std::uint64_t s = 1; s <= kEntries; ++s) {
    const std::string original = Stored(Family::kTransfers, Key(s));
    for (Edit edit : edits) {
      v1::TransferRecord record = Entry(s);
      edit(record);
      if (record.SerializeAsString() == original) continue;  // the edit changed nothing here
      Put(Family::kTransfers, Key(s), record.SerializeAsString());
      v1::LedgerVerification result = Verify();
      EXPECT_FALSE(result.ok());
      EXPECT_EQ(result.first_bad_entry(), s) << result.problem();
      Put(Family::kTransfers, Key(s), original);
    }
  }
  EXPECT_TRUE(Verify().ok());
}

TEST_F(VerifyTest, FlippingAnyByteOfAnEntryIsNamed) {
  for (std::uint64_t s = 1; s <= kEntries; ++s) {
    const std::string original = Stored(Family::kTransfers, Key(s));
    for (std::size_t i = 0; i < original.size(); ++i) {
      std::string edited = original;
      edited[i] = static_cast<char>(edited[i] ^ 0x01);
      Put(Family::kTransfers, Key(s), edited);
      v1::LedgerVerification result = Verify();
      EXPECT_FALSE(result.ok()) << "entry " << s << " byte " << i;
      EXPECT_EQ(result.first_bad_entry(), s) << "byte " << i << ": " << result.problem();
    }
    Put(Family::kTransfers, Key(s), original);
  }
  EXPECT_TRUE(Verify().ok());
}

TEST_F(VerifyTest, SwappingTwoEntriesIsNamed) {
  std::string second = Stored(Family::kTransfers, Key(2));
  std::string third = Stored(Family::kTransfers, Key(3));
  Put(Family::kTransfers, Key(2), third);
  Put(Family::kTransfers, Key(3), second);
  EXPECT_EQ(Verify().first_bad_entry(), 2u);
  // Renumbered to fit their new places, the entries no longer match their chain hashes.
  v1::TransferRecord moved_back = Entry(2);
  moved_back.set_sequence(2);
  Put(Family::kTransfers, Key(2), moved_back.SerializeAsString());
  v1::TransferRecord moved_on = Entry(3);
  moved_on.set_sequence(3);
  Put(Family::kTransfers, Key(3), moved_on.SerializeAsString());
  v1::LedgerVerification result = Verify();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.first_bad_entry(), 2u) << result.problem();
}

TEST_F(VerifyTest, AMissingEntryOrAnEditedChainHashIsNamed) {
  std::string last = Stored(Family::kTransfers, Key(kEntries));
  storage::Batch batch;
  batch.Delete(Family::kTransfers, Key(kEntries));
  ASSERT_TRUE(store_->Commit(batch).ok());
  EXPECT_EQ(Verify().first_bad_entry(), kEntries);
  Put(Family::kTransfers, Key(kEntries), last);
  // An entry appended behind the engine's back is named too.
  v1::TransferRecord extra = Entry(kEntries);
  extra.set_sequence(kEntries + 1);
  Put(Family::kTransfers, Key(kEntries + 1), extra.SerializeAsString());
  EXPECT_EQ(Verify().first_bad_entry(), kEntries + 1);
  storage::Batch remove;
  remove.Delete(Family::kTransfers, Key(kEntries + 1));
  ASSERT_TRUE(store_->Commit(remove).ok());
  v1::TransferRecord original = Entry(4);
  v1::TransferRecord edited = original;
  edited.set_chain_hash(std::string(32, 'x'));
  Put(Family::kTransfers, Key(4), edited.SerializeAsString());
  EXPECT_EQ(Verify().first_bad_entry(), 4u);
  Put(Family::kTransfers, Key(4), original.SerializeAsString());
  EXPECT_TRUE(Verify().ok());

  // Entries written before the hash moved into them keep it in the chain family.
  for (std::uint64_t s = 1; s <= kEntries; ++s) {
    v1::TransferRecord older = Entry(s);
    Put(Family::kChain, Key(s), older.chain_hash());
    older.clear_chain_hash();
    Put(Family::kTransfers, Key(s), older.SerializeAsString());
  }
  EXPECT_TRUE(Verify().ok()) << Verify().problem();
  Put(Family::kChain, Key(6), std::string(32, 'x'));
  EXPECT_EQ(Verify().first_bad_entry(), 6u);
}

TEST_F(VerifyTest, AnEditedBalanceNamesItsAccount) {
  v1::AccountRecord bob;
  ASSERT_TRUE(bob.ParseFromString(Stored(Family::kAccounts, "bob")));
  bob.set_credits_posted(bob.credits_posted() + 1);
  Put(Family::kAccounts, "bob", bob.SerializeAsString());
  v1::LedgerVerification result = Verify();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.account_id(), "bob") << result.problem();
}

// The engine checks every account's balances when it opens a ledger and refuses one that
// breaks a rule. Of several broken accounts it names the lowest id, whatever the order its
// table of accounts is kept in; balances that break no rule of their own but no longer sum
// to zero are refused for the ledger as a whole.
TEST_F(VerifyTest, OpeningRefusesBrokenBalancesAndNamesTheLowestAccount) {
  auto open_status = [this] {
    store_.reset();
    EngineOptions options;
    options.store.path = dir_.Sub("ledger");
    options.clock = &clock_;
    Status status = Engine::Open(std::move(options)).status();  // the engine closes here
    OpenStore();
    return status;
  };
  auto edit = [this](const char* id, auto change) {
    v1::AccountRecord account;
    ASSERT_TRUE(account.ParseFromString(Stored(Family::kAccounts, id)));
    change(account);
    Put(Family::kAccounts, id, account.SerializeAsString());
  };
  ASSERT_TRUE(open_status().ok());
  edit("bob", [](v1::AccountRecord& a) { a.set_credits_posted(a.credits_posted() + 1); });
  Status unbalanced = open_status();
  EXPECT_EQ(unbalanced.code(), Code::kInternal);
  EXPECT_EQ(unbalanced.message(), "ledger does not balance") << unbalanced.ToString();
  edit("cash", [](v1::AccountRecord& a) { a.set_debits_posted(-1); });
  edit("alice", [](v1::AccountRecord& a) { a.set_credits_posted(-1); });
  Status broken = open_status();
  EXPECT_EQ(broken.message(), "negative balance field") << broken.ToString();
  EXPECT_EQ(broken.details().at("account_id"), "alice") << broken.ToString();
}

// An attacker who edits an entry and then rewrites the whole chain and its head to match is
// still caught: the day's close recorded the head as it was.
TEST_F(VerifyTest, ARewrittenChainNoLongerMatchesTheHeadADayCloseRecorded) {
  store_.reset();
  clock_.Advance(std::chrono::hours(24));
  Open();
  std::int64_t day = LocalDayOf(clock_.NowNanos(), kDefaultUtcOffsetMinutes) - 1;
  auto close = engine_->Execute(CloseDay{Caller{Role::kOperator, "op_lan"}, day});
  ASSERT_TRUE(close.ok()) << close.status.ToString();
  ASSERT_EQ(close.value.report().last_sequence(), kEntries);
  engine_.reset();
  OpenStore();
  v1::TransferRecord edited = Entry(2);
  edited.set_code(edited.code() + 1);  // moves no balance
  Put(Family::kTransfers, Key(2), edited.SerializeAsString());
  std::string head = ChainGenesis();
  for (std::uint64_t s = 1; s <= kEntries; ++s) {
    v1::TransferRecord entry = Entry(s);
    head = ChainHash(head, entry);
    entry.set_chain_hash(head);
    Put(Family::kTransfers, Key(s), entry.SerializeAsString());
  }
  Put(Family::kMeta, "chain_head", head);
  v1::LedgerVerification result = Verify();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.first_bad_entry(), kEntries) << result.problem();
  EXPECT_NE(result.problem().find("close of"), std::string::npos) << result.problem();
}

// A ledger written before entries were chained gets its chain when the engine opens it; the
// entries themselves are not rewritten.
TEST_F(VerifyTest, ALedgerWithoutAChainIsChainedAtStart) {
  std::string head = Verify().head();
  storage::Batch batch;
  for (std::uint64_t s = 1; s <= kEntries; ++s) {
    v1::TransferRecord unchained = Entry(s);
    unchained.clear_chain_hash();
    batch.Put(Family::kTransfers, Key(s), unchained.SerializeAsString());
  }
  batch.Delete(Family::kMeta, "chain_head");
  ASSERT_TRUE(store_->Commit(batch).ok());
  std::string first_entry = Stored(Family::kTransfers, Key(1));
  EXPECT_FALSE(Verify().ok());
  store_.reset();
  Open();
  ASSERT_TRUE(Move("t5", "cash", "alice", 1).ok());
  auto result = engine_->Read().VerifyLedger();
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.value().ok()) << result.value().problem();
  EXPECT_EQ(result.value().entries(), kEntries + 1);
  engine_.reset();
  OpenStore();
  EXPECT_EQ(Stored(Family::kTransfers, Key(1)), first_entry);
  EXPECT_EQ(HexEncode(Stored(Family::kChain, Key(kEntries))), head);
}

}  // namespace verify_test
}  // namespace market4::engine
