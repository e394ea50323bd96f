// The Idempotency class (engine/idempotency.cc) on a real store: first answers are kept per
// (scope, key), seen within their own batch and after commit, and a different request under
// the same key is a conflict.
#include "engine/idempotency.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "market4/v1/market.pb.h"
#include "tests/test_util.h"

namespace market4::engine {
namespace idempotency_test {

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenStore(); }

  void OpenStore() {
    idempotency_.reset();
    store_.reset();
    storage::StoreOptions options;
    options.path = dir_.Sub("store");
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    idempotency_ = std::make_unique<Idempotency>(store_.get());
  }

  static v1::Deposit AnAnswer(std::int64_t amount = 50'000) {
    v1::Deposit deposit;
    deposit.set_buyer_id("b_1");
    deposit.set_amount(amount);
    deposit.set_transfer_id("d~7");
    return deposit;
  }

  Result<std::optional<v1::Deposit>> Recall(Idempotency& idempotency, const std::string& scope,
                                            const std::string& key, const std::string& request) {
    return idempotency.Recall<v1::Deposit>(scope, key, request);
  }
  // The answer stored under (scope, key) for `request`, or "" if none; fails on an error.
  std::string Stored(Idempotency& idempotency, const std::string& scope, const std::string& key,
                     const std::string& request) {
    auto recalled = Recall(idempotency, scope, key, request);
    EXPECT_TRUE(recalled.ok()) << recalled.status().ToString();
    if (!recalled.ok() || !recalled.value()) return "";
    return recalled.value()->DebugString();
  }

  const std::string kScope = "operator:";
  const std::string kRequest = Fingerprint("deposit", "b_1", "body");

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Idempotency> idempotency_;
};

TEST_F(IdempotencyTest, NothingRememberedRecallsNothing) {
  auto recalled = Recall(*idempotency_, kScope, "k", kRequest);
  ASSERT_TRUE(recalled.ok()) << recalled.status().ToString();
  EXPECT_FALSE(recalled.value().has_value());
}

TEST_F(IdempotencyTest, RememberedAnswerIsRecalledBeforeAndAfterCommit) {
  storage::Batch batch;
  idempotency_->Remember(kScope, "k", kRequest, AnAnswer(), &batch);
  EXPECT_FALSE(batch.Empty());
  // In the same, uncommitted batch: from memory.
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), AnAnswer().DebugString());
  // Nothing is in the store yet: a reader without that memory sees nothing.
  Idempotency other(store_.get());
  EXPECT_EQ(Stored(other, kScope, "k", kRequest), "");

  ASSERT_TRUE(store_->Commit(batch).ok());
  idempotency_->OnSealed();
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), AnAnswer().DebugString());
  EXPECT_EQ(Stored(other, kScope, "k", kRequest), AnAnswer().DebugString());
  // And after the store is closed and opened again.
  OpenStore();
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), AnAnswer().DebugString());
}

TEST_F(IdempotencyTest, AnAbandonedBatchIsForgottenOnTheNextCommit) {
  storage::Batch abandoned;
  idempotency_->Remember(kScope, "k", kRequest, AnAnswer(), &abandoned);
  // The engine never commits a batch it did not finish; committing another one (here an
  // empty one) clears what was remembered only in memory.
  storage::Batch next;
  ASSERT_TRUE(store_->Commit(next).ok());
  idempotency_->OnSealed();
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), "");
}

TEST_F(IdempotencyTest, AnotherRequestUnderTheSameKeyIsAConflict) {
  storage::Batch batch;
  idempotency_->Remember(kScope, "k", kRequest, AnAnswer(), &batch);
  const std::string other_body = Fingerprint("deposit", "b_1", "other body");
  const std::string other_target = Fingerprint("deposit", "b_2", "body");
  const std::string other_action = Fingerprint("order", "b_1", "body");
  for (const std::string& request : {other_body, other_target, other_action}) {
    auto uncommitted = Recall(*idempotency_, kScope, "k", request);
    EXPECT_EQ(uncommitted.status().code(), Code::kIdempotencyConflict);
    EXPECT_EQ(uncommitted.status().details().at("field"), "Idempotency-Key");
  }
  ASSERT_TRUE(store_->Commit(batch).ok());
  idempotency_->OnSealed();
  for (const std::string& request : {other_body, other_target, other_action}) {
    EXPECT_EQ(Recall(*idempotency_, kScope, "k", request).status().code(),
              Code::kIdempotencyConflict);
  }
  // The first answer is still there for the first request.
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), AnAnswer().DebugString());
}

TEST_F(IdempotencyTest, ScopesAndKeysAreIndependent) {
  storage::Batch batch;
  idempotency_->Remember("merchant:m_1", "k", kRequest, AnAnswer(1), &batch);
  idempotency_->Remember("merchant:m_2", "k", kRequest, AnAnswer(2), &batch);
  ASSERT_TRUE(store_->Commit(batch).ok());
  idempotency_->OnSealed();
  EXPECT_EQ(Stored(*idempotency_, "merchant:m_1", "k", kRequest), AnAnswer(1).DebugString());
  EXPECT_EQ(Stored(*idempotency_, "merchant:m_2", "k", kRequest), AnAnswer(2).DebugString());
  // Another scope, another key, or the same characters split differently: nothing there.
  const std::string other = Fingerprint("something", "else");
  EXPECT_EQ(Stored(*idempotency_, "buyer:m_1", "k", other), "");
  EXPECT_EQ(Stored(*idempotency_, "merchant:m_1", "k2", other), "");
  EXPECT_EQ(Stored(*idempotency_, "merchant:m_", "1k", other), "");
  EXPECT_EQ(Stored(*idempotency_, "merchant:m_1k", "", other), "");
}

TEST_F(IdempotencyTest, TheLatestAnswerUnderAKeyWins) {
  // The engine remembers only after a success and never twice for one key, but a second
  // Remember in one batch must not leave the memory and the batch disagreeing.
  storage::Batch batch;
  idempotency_->Remember(kScope, "k", kRequest, AnAnswer(1), &batch);
  idempotency_->Remember(kScope, "k", kRequest, AnAnswer(2), &batch);
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), AnAnswer(2).DebugString());
  ASSERT_TRUE(store_->Commit(batch).ok());
  idempotency_->OnSealed();
  EXPECT_EQ(Stored(*idempotency_, kScope, "k", kRequest), AnAnswer(2).DebugString());
}

TEST(FingerprintTest, IsUnambiguous) {
  EXPECT_NE(Fingerprint("a", "bc"), Fingerprint("ab", "c"));
  EXPECT_NE(Fingerprint("a", "b", "c"), Fingerprint("a", "bc", ""));
  EXPECT_NE(Fingerprint("a", "", "bc"), Fingerprint("a", "b", "c"));
  EXPECT_NE(Fingerprint("pay", "o_1"), Fingerprint("cancel", "o_1"));
  EXPECT_NE(Fingerprint("pay", "o_1"), Fingerprint("pay", "o_2"));
  // Lengths cannot be forged with digits and colons in the parts.
  EXPECT_NE(Fingerprint("1:a", "b"), Fingerprint("1", "a:b"));
  EXPECT_NE(Fingerprint("", "1:x"), Fingerprint("1:x", ""));
}

TEST(FingerprintTest, IsStable) {
  EXPECT_EQ(Fingerprint("pay", "o_1"), Fingerprint("pay", "o_1", ""));
  EXPECT_EQ(Fingerprint("refund", "o_1", std::string("\0\x01", 2)),
            Fingerprint("refund", "o_1", std::string("\0\x01", 2)));
  EXPECT_NE(Fingerprint("refund", "o_1", std::string("\0\x01", 2)),
            Fingerprint("refund", "o_1", std::string("\0\x02", 2)));
}

}  // namespace idempotency_test
}  // namespace market4::engine

namespace market4::engine {
namespace idempotency_test {

// Records of the first format, as the engine wrote them before keys were scoped per caller.
void PutVersion1(storage::Store& store, const std::string& key, const std::string& request,
                 const google::protobuf::Message& response) {
  v1::IdempotencyRecord record;
  record.set_version(1);
  record.set_request(request);
  record.set_response(response.SerializeAsString());
  storage::Batch batch;
  batch.Put(storage::Family::kIdempotency, key, record.SerializeAsString());
  ASSERT_TRUE(store.Commit(batch).ok());
}

// A retry sent across the upgrade still replays: the money moves once.
TEST_F(IdempotencyTest, FirstFormatRecordsAreUpgradedAtStart) {
  const char sep = '\x1f';
  v1::Deposit deposit = AnAnswer();
  v1::Order paid;
  paid.set_id("o_1");
  paid.set_status(v1::PAID);
  v1::Order placed;
  placed.set_id("o_2");
  PutVersion1(*store_, std::string("deposit") + sep + "operator:" + sep + "desk-1",
              std::string("b_1") + sep + "body", deposit);
  PutVersion1(*store_, std::string("order") + sep + "b_1" + sep + "k-order", "order-body", placed);
  PutVersion1(*store_, std::string("cancel") + sep + "buyer:b_1" + sep + "k-act", "o_1", paid);
  PutVersion1(*store_, std::string("pay") + sep + "buyer:b_1" + sep + "k-act", "o_1", paid);

  storage::Batch batch;
  ASSERT_TRUE(idempotency_->UpgradeRecords(&batch).ok());
  ASSERT_TRUE(store_->Commit(batch).ok());
  OpenStore();

  EXPECT_EQ(Stored(*idempotency_, "operator:", "desk-1", Fingerprint("deposit", "b_1", "body")),
            deposit.DebugString());
  auto order = idempotency_->Recall<v1::Order>("buyer:b_1", "k-order",
                                               Fingerprint("order", "", "order-body"));
  ASSERT_TRUE(order.ok() && order.value());
  EXPECT_EQ(order.value()->id(), "o_2");
  // One key had served pay and cancel: the first in key order ("cancel") keeps it, and the
  // other becomes a conflict, never a second application.
  auto cancel = idempotency_->Recall<v1::Order>("buyer:b_1", "k-act", Fingerprint("cancel", "o_1"));
  ASSERT_TRUE(cancel.ok() && cancel.value());
  EXPECT_EQ(idempotency_->Recall<v1::Order>("buyer:b_1", "k-act", Fingerprint("pay", "o_1"))
                .status()
                .code(),
            Code::kIdempotencyConflict);
  // Old keys are gone, and a second start finds nothing more to upgrade.
  std::size_t records = 0;
  ASSERT_TRUE(store_
                  ->Scan(storage::Family::kIdempotency, "", false, std::nullopt,
                         [&](std::string_view, std::string_view) { return ++records, true; })
                  .ok());
  EXPECT_EQ(records, 3u);
  storage::Batch again;
  ASSERT_TRUE(idempotency_->UpgradeRecords(&again).ok());
  EXPECT_TRUE(again.Empty());
}

}  // namespace idempotency_test
}  // namespace market4::engine
