// Four eyes on operators' raw corrections, and named operators: a raw transfer, post or void
// touching a marketplace account waits, moving nothing, until a different operator approves
// it; every entry names who entered and who approved it; only the admin creates and disables
// operators, and a disabled operator's token stops working at once.
#include <gtest/gtest.h>

#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace approvals_test {

const Caller kLan{Role::kOperator, "op_lan"};
const Caller kMinh{Role::kOperator, "op_minh"};
const Caller kAdmin{Role::kOperator, kAdminOperatorId};

class ApprovalsTest : public MarketFixture {
 protected:
  void SetUp() override {
    MarketFixture::SetUp();
    ASSERT_TRUE(AddBuyer("b_1").ok());
    for (const char* id : {"suspense", "vault"}) ASSERT_TRUE(CreateAccount(id).ok());
  }

  Answer<v1::CreateTransfersResponse> Raw(const Caller& who, std::vector<v1::NewTransfer> list,
                                          const std::string& approval_id = "ap_1") {
    v1::CreateTransfersRequest request;
    for (auto& t : list) *request.add_transfers() = std::move(t);
    return engine_->Execute(CreateTransfers{request, who, approval_id});
  }
  Answer<v1::Approval> Decide(const Caller& who, const std::string& id, bool approve) {
    return engine_->Execute(DecideApproval{who, id, approve});
  }
  std::int64_t WalletBalance() { return Account("b_1.wallet").credits_posted(); }
};

TEST_F(ApprovalsTest, ACorrectionToAWalletWaitsForASecondOperator) {
  auto held = Raw(kLan, {Make("fix1", "suspense", "b_1.wallet", 5'000)});
  ASSERT_TRUE(held.ok()) << held.status.ToString();
  ASSERT_TRUE(held.value.has_approval());
  EXPECT_EQ(held.value.transfers_size(), 0);
  const v1::Approval& approval = held.value.approval();
  EXPECT_EQ(approval.status(), v1::PENDING_APPROVAL);
  EXPECT_EQ(approval.requested_by(), "op_lan");
  EXPECT_EQ(WalletBalance(), 0);
  EXPECT_EQ(engine_->Read().GetTransfer("fix1").status().code(), Code::kNotFound);

  // A retry gets the same approval; the same ids with other content are a conflict.
  auto retry = Raw(kLan, {Make("fix1", "suspense", "b_1.wallet", 5'000)}, "ap_2");
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.value.approval().id(), "ap_1");
  EXPECT_EQ(Raw(kLan, {Make("fix1", "suspense", "b_1.wallet", 6'000)}, "ap_3").status.code(),
            Code::kIdempotencyConflict);

  EXPECT_EQ(Decide(kLan, "ap_1", true).status.code(), Code::kSameOperator);
  EXPECT_EQ(Decide(kLan, "ap_1", false).status.code(), Code::kSameOperator);
  EXPECT_EQ(WalletBalance(), 0);
  v1::Approval approved = Ok(Decide(kMinh, "ap_1", true));
  EXPECT_EQ(approved.status(), v1::APPROVED);
  EXPECT_EQ(approved.decided_by(), "op_minh");
  ASSERT_EQ(approved.applied_size(), 1);
  EXPECT_EQ(WalletBalance(), 5'000);
  auto entry = engine_->Read().GetTransfer("fix1");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry.value().entered_by(), "op_lan");
  EXPECT_EQ(entry.value().approved_by(), "op_minh");
  EXPECT_TRUE(Decide(kMinh, "ap_1", true).replayed);
  EXPECT_EQ(Decide(kMinh, "ap_1", false).status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(WalletBalance(), 5'000);
}

TEST_F(ApprovalsTest, ARejectedCorrectionMovesNothingAndAnInvalidOneIsRefusedAtOnce) {
  ASSERT_TRUE(Raw(kAdmin, {Make("fix1", "b_1.wallet", "suspense", 1)}).status.code() ==
              Code::kInsufficientFunds);  // checked as if applied: the wallet is empty
  ASSERT_TRUE(Raw(kAdmin, {Make("fix2", "suspense", "b_1.wallet", 700)}).ok());
  v1::Approval rejected = Ok(Decide(kLan, "ap_1", false));
  EXPECT_EQ(rejected.status(), v1::REJECTED);
  EXPECT_EQ(rejected.applied_size(), 0);
  EXPECT_EQ(WalletBalance(), 0);
  EXPECT_EQ(Decide(kMinh, "ap_1", true).status.code(), Code::kFailedPrecondition);
  EXPECT_EQ(WalletBalance(), 0);
  EXPECT_EQ(Decide(kMinh, "ap_404", true).status.code(), Code::kNotFound);
}

TEST_F(ApprovalsTest, TransfersOutsideTheMarketplaceApplyAtOnceAndNameTheirOperator) {
  auto direct = Raw(kLan, {Make("own1", "suspense", "vault", 900)});
  ASSERT_TRUE(direct.ok());
  EXPECT_FALSE(direct.value.has_approval());
  ASSERT_EQ(direct.value.transfers_size(), 1);
  EXPECT_EQ(direct.value.transfers(0).entered_by(), "op_lan");
  EXPECT_EQ(direct.value.transfers(0).approved_by(), "");
  EXPECT_EQ(Account("vault").credits_posted(), 900);
  for (const char* account :
       {"b_1.wallet", "m_1.available", "m_1.escrow", "provider.momo", "platform.fees"}) {
    EXPECT_TRUE(IsMarketplaceAccount(account)) << account;
  }
  for (const char* account : {"vault", "platform.cash_desk", "wallet", "x.wallets"}) {
    EXPECT_FALSE(IsMarketplaceAccount(account)) << account;
  }
}

TEST_F(ApprovalsTest, PostingOrVoidingAMarketplaceReservationWaitsToo) {
  ASSERT_TRUE(Deposit("b_1", 10'000).ok());
  ASSERT_TRUE(Submit({Make("hold", "b_1.wallet", "suspense", 4'000, true)}).ok());  // in-process
  auto held = engine_->Execute(ResolvePending{kLan, "hold", true, 1'500, "ap_p"});
  ASSERT_TRUE(held.ok()) << held.status.ToString();
  ASSERT_TRUE(held.value.has_approval());
  EXPECT_EQ(held.value.approval().action(), "post");
  EXPECT_EQ(Balances("b_1.wallet"), "4000/0/0/10000");
  EXPECT_TRUE(engine_->Execute(ResolvePending{kLan, "hold", true, 1'500, "ap_q"}).replayed);
  EXPECT_EQ(
      engine_->Execute(ResolvePending{kMinh, "hold", false, std::nullopt, "ap_v"}).status.code(),
      Code::kFailedPrecondition);  // another resolution awaits approval
  v1::Approval approved = Ok(Decide(kMinh, "ap_p", true));
  ASSERT_EQ(approved.applied_size(), 1);
  EXPECT_EQ(approved.applied(0).amount(), 1'500);
  EXPECT_EQ(Balances("b_1.wallet"), "0/1500/0/10000");
  auto replay = engine_->Execute(ResolvePending{kLan, "hold", true, 1'500, "ap_r"});
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.value.transfers(0).approved_by(), "op_minh");
}

TEST_F(ApprovalsTest, OnlyTheAdminCreatesAndDisablesOperators) {
  CreateOperator create{kLan, "op_x", "hash-x", {}};
  create.request.set_name("Chị Lan");
  EXPECT_EQ(engine_->Execute(create).status.code(), Code::kPermissionDenied);
  create.caller = kAdmin;
  v1::Operator lan = Ok(engine_->Execute(create));
  EXPECT_EQ(lan.name(), "Chị Lan");
  auto caller = engine_->Read().Authenticate("hash-x");
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller.value().role, Role::kOperator);
  EXPECT_EQ(caller.value().id, "op_x");
  create.request.set_name("");
  EXPECT_EQ(engine_->Execute(create).status.code(), Code::kInvalidArgument);

  EXPECT_EQ(engine_->Execute(DisableOperator{kLan, "op_x"}).status.code(), Code::kPermissionDenied);
  v1::Operator disabled = Ok(engine_->Execute(DisableOperator{kAdmin, "op_x"}));
  EXPECT_TRUE(disabled.disabled());
  EXPECT_EQ(disabled.disabled_by(), kAdminOperatorId);
  EXPECT_EQ(engine_->Read().Authenticate("hash-x").status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(engine_->Execute(DisableOperator{kAdmin, "op_x"}).replayed);
  EXPECT_EQ(engine_->Execute(DisableOperator{kAdmin, "op_404"}).status.code(), Code::kNotFound);
  auto listed = engine_->Read().ListOperators(0, "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed.value().operators_size(), 1);
  EXPECT_TRUE(listed.value().operators(0).disabled());
}

}  // namespace approvals_test
}  // namespace market4::engine
