// Rotating and reissuing API tokens (engine/tokens.cc): the old token stops at once, except to
// retry its own rotation for a while; a retry gets the first answer; an operator's reissue
// revokes whatever token the principal holds.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace tokens_test {

constexpr std::int64_t kNoRetry = std::numeric_limits<std::int64_t>::max();
const Caller kAdmin{Role::kOperator, kAdminOperatorId};

class TokensTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    Ok(AddMerchant("m_1"));
    Ok(AddBuyer("b_1"));
  }

  Answer<v1::IssuedToken> Rotate(const Caller& who, const std::string& old_hash,
                                 const std::string& new_hash, const std::string& key) {
    return engine_->Execute(RotateToken{who, old_hash, new_hash, key});
  }
  Answer<v1::IssuedToken> Reissue(Role role, const std::string& id, const std::string& new_hash,
                                  const std::string& key, const Caller& who = AsOperator()) {
    return engine_->Execute(ReissueToken{who, role, id, new_hash, key});
  }
  // Who the token is, or the error's code name.
  std::string Who(const std::string& hash, std::int64_t rotated_since = kNoRetry) {
    auto caller = engine_->Read().Authenticate(hash, rotated_since);
    if (!caller.ok()) return std::string(CodeName(caller.status().code()));
    return std::string(RoleName(caller->role)) + ":" + caller->id;
  }
};

TEST_F(TokensTest, ARotatedTokenStopsAndItsRetryGetsTheFirstAnswer) {
  const std::int64_t before = clock_.NowNanos();
  v1::IssuedToken issued = Ok(Rotate(AsMerchant("m_1"), TokenHashOf("m_1"), "new-1", "k1"));
  EXPECT_EQ(issued.role(), "merchant");
  EXPECT_EQ(issued.id(), "m_1");
  EXPECT_EQ(issued.replaced(), "rotated");
  EXPECT_EQ(issued.issued_by(), "m_1");
  EXPECT_TRUE(issued.token().empty());  // only the gateway knows it
  EXPECT_EQ(Who("new-1"), "merchant:m_1");
  EXPECT_EQ(Who(TokenHashOf("m_1")), "UNAUTHENTICATED");
  // Still recognised by the rotation route's window, which is all it is good for.
  EXPECT_EQ(Who(TokenHashOf("m_1"), before), "merchant:m_1");
  // The retry (same old token, same key) gets the first answer and changes nothing.
  Answer<v1::IssuedToken> retry = Rotate(AsMerchant("m_1"), TokenHashOf("m_1"), "new-1", "k1");
  ASSERT_TRUE(retry.ok()) << retry.status.ToString();
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.value.SerializeAsString(), issued.SerializeAsString());
  // The old token with another key is refused: it no longer works.
  EXPECT_EQ(Rotate(AsMerchant("m_1"), TokenHashOf("m_1"), "new-2", "k2").status.code(),
            Code::kUnauthenticated);
  EXPECT_EQ(Who("new-2"), "UNAUTHENTICATED");
  // The same key with the new token is another request: a conflict, not a replay.
  EXPECT_EQ(Rotate(AsMerchant("m_1"), "new-1", "new-3", "k1").status.code(),
            Code::kIdempotencyConflict);
  // The new token rotates again; both old ones are retired.
  Ok(Rotate(AsMerchant("m_1"), "new-1", "new-4", "k4"));
  EXPECT_EQ(Who("new-1"), "UNAUTHENTICATED");
  EXPECT_EQ(Who("new-4"), "merchant:m_1");
  // Everything survives a restart.
  Reopen();
  EXPECT_EQ(Who("new-4"), "merchant:m_1");
  EXPECT_EQ(Who(TokenHashOf("m_1")), "UNAUTHENTICATED");
  EXPECT_TRUE(Rotate(AsMerchant("m_1"), TokenHashOf("m_1"), "new-1", "k1").replayed);
}

TEST_F(TokensTest, RotationNeedsAKeyAndIsNotForTheAdminToken) {
  EXPECT_EQ(Rotate(AsBuyer("b_1"), TokenHashOf("b_1"), "new-1", "").status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Rotate(kAdmin, "admin-hash", "new-1", "k1").status.code(), Code::kPermissionDenied);
  // A token that is someone else's cannot be rotated by naming it.
  EXPECT_EQ(Rotate(AsBuyer("b_1"), TokenHashOf("m_1"), "new-1", "k1").status.code(),
            Code::kUnauthenticated);
  EXPECT_EQ(Who(TokenHashOf("m_1")), "merchant:m_1");
  EXPECT_EQ(Who(TokenHashOf("b_1")), "buyer:b_1");
  EXPECT_EQ(Who("new-1"), "UNAUTHENTICATED");
}

TEST_F(TokensTest, AnOperatorReissueRevokesTheCurrentTokenAtOnce) {
  Ok(Rotate(AsBuyer("b_1"), TokenHashOf("b_1"), "rotated-1", "k1"));
  v1::IssuedToken issued = Ok(Reissue(Role::kBuyer, "b_1", "reissued-1", "r1"));
  EXPECT_EQ(issued.replaced(), "revoked");
  EXPECT_EQ(issued.role(), "buyer");
  EXPECT_EQ(issued.id(), "b_1");
  // The buyer's current token (the rotated one) is revoked, with no retry window.
  EXPECT_EQ(Who("rotated-1", 0), "UNAUTHENTICATED");
  EXPECT_EQ(Who("reissued-1"), "buyer:b_1");
  // A retry gets the first answer; a second reissue revokes the first.
  EXPECT_TRUE(Reissue(Role::kBuyer, "b_1", "reissued-1", "r1").replayed);
  Ok(Reissue(Role::kBuyer, "b_1", "reissued-2", "r2"));
  EXPECT_EQ(Who("reissued-1", 0), "UNAUTHENTICATED");
  EXPECT_EQ(Who("reissued-2"), "buyer:b_1");
  // Merchants too; the buyer's token is untouched by it.
  Ok(Reissue(Role::kMerchant, "m_1", "reissued-m", "r3"));
  EXPECT_EQ(Who(TokenHashOf("m_1"), 0), "UNAUTHENTICATED");
  EXPECT_EQ(Who("reissued-m"), "merchant:m_1");
  EXPECT_EQ(Who("reissued-2"), "buyer:b_1");
}

TEST_F(TokensTest, ReissueIsForOperatorsAndNamesAPrincipalThatExists) {
  EXPECT_EQ(Reissue(Role::kBuyer, "b_1", "x", "r1", AsMerchant("m_1")).status.code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Reissue(Role::kBuyer, "b_9", "x", "r1").status.code(), Code::kNotFound);
  EXPECT_EQ(Reissue(Role::kMerchant, "b_1", "x", "r1").status.code(), Code::kNotFound);
  EXPECT_EQ(Reissue(Role::kBuyer, "b_1", "x", "").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Who("x"), "UNAUTHENTICATED");
  EXPECT_EQ(Who(TokenHashOf("b_1")), "buyer:b_1");
}

// Two rotations of one token in one batch: the second sees the first (staged), so only one
// new token works.
TEST_F(TokensTest, ConcurrentRotationsOfOneTokenMakeOneNewToken) {
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto answer = Rotate(AsBuyer("b_1"), TokenHashOf("b_1"), "c-" + std::to_string(i),
                           "key-" + std::to_string(i));
      (answer.ok() ? ok : refused)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(refused, 7);
  int working = 0;
  for (int i = 0; i < 8; ++i) working += Who("c-" + std::to_string(i)) == "buyer:b_1";
  EXPECT_EQ(working, 1);
}

TEST_F(TokensTest, ANamedOperatorRotatesAndDisablingRetiresTheNewToken) {
  CreateOperator create{kAdmin, "op_lan", "op-hash-1", {}};
  create.request.set_name("Chị Lan");
  Ok(engine_->Execute(create));
  const Caller lan{Role::kOperator, "op_lan"};
  EXPECT_EQ(Who("op-hash-1"), "operator:op_lan");
  Ok(Rotate(lan, "op-hash-1", "op-hash-2", "k1"));
  EXPECT_EQ(Who("op-hash-2"), "operator:op_lan");
  EXPECT_EQ(Who("op-hash-1"), "UNAUTHENTICATED");
  // Disabling stops the token the operator holds now.
  Ok(engine_->Execute(DisableOperator{kAdmin, "op_lan"}));
  EXPECT_EQ(Who("op-hash-2", 0), "UNAUTHENTICATED");
  EXPECT_EQ(Rotate(lan, "op-hash-2", "op-hash-3", "k3").status.code(), Code::kUnauthenticated);
}

}  // namespace tokens_test
}  // namespace market4::engine
