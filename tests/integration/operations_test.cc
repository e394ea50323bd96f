// The operators' day over real HTTP: named operators (admin only), four eyes on raw
// corrections (202, SAME_OPERATOR), a day closed by one operator and approved by another with
// its report in JSON and CSV, the verification route, and who may call what.
#include "market4/v1/ledger.pb.h"
#include "market4/v1/operations.pb.h"
#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace operations_test {

class OperationsHttpTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    lan_ = NewOperator("Chị Lan");
    minh_ = NewOperator("Anh Minh");
    buyer_ = NewBuyer();
  }

  Principal NewOperator(const std::string& name) {
    ClientResponse r =
        Send("POST", "/v1/operators", kOperatorToken, R"({"name":")" + name + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    auto created = ParseJson<v1::CreateOperatorResponse>(r);
    EXPECT_EQ(created.operator_().name(), name);
    return {created.operator_().id(), created.token()};
  }

  ClientResponse Correct(const Principal& who, const std::string& id, std::int64_t amount) {
    return Send("POST", "/v1/transfers", who.token,
                R"({"transfers":[{"id":")" + id +
                    R"(","debit_account_id":"suspense","credit_account_id":")" + buyer_.id +
                    R"(.wallet","amount":")" + std::to_string(amount) + R"(","code":900}]})");
  }

  Principal lan_, minh_, buyer_;
};

TEST_F(OperationsHttpTest, OnlyTheAdminTokenCreatesOrDisablesOperators) {
  EXPECT_EQ(Send("POST", "/v1/operators", lan_.token, R"({"name":"X"})").status, 403);
  EXPECT_EQ(Send("POST", "/v1/operators", buyer_.token, R"({"name":"X"})").status, 403);
  EXPECT_EQ(Send("POST", "/v1/operators", "", R"({"name":"X"})").status, 401);
  EXPECT_EQ(Send("POST", "/v1/operators/" + minh_.id + "/disable", lan_.token).status, 403);
  ClientResponse listed = Send("GET", "/v1/operators", lan_.token);
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(ParseJson<v1::ListOperatorsResponse>(listed).operators_size(), 2);
  EXPECT_EQ(Send("GET", "/v1/accounts", lan_.token).status, 200);  // what the admin could do
  ClientResponse onboarded =
      Send("POST", "/v1/merchants", lan_.token,
           R"({"name":"Cô Ba","phone":"0901234567","location":"Chợ Vị Thanh, sạp 12"})");
  ASSERT_EQ(onboarded.status, 201) << onboarded.body;
  EXPECT_EQ(ParseJson<v1::CreateMerchantResponse>(onboarded).merchant().onboarded_by(), lan_.id);
  ClientResponse disabled = Send("POST", "/v1/operators/" + minh_.id + "/disable", kOperatorToken);
  EXPECT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(Send("GET", "/v1/accounts", minh_.token).status, 401);
}

TEST_F(OperationsHttpTest, ACorrectionNeedsASecondOperator) {
  ASSERT_EQ(Send("POST", "/v1/accounts", lan_.token, R"({"id":"suspense"})").status, 201);
  ClientResponse held = Correct(lan_, "fix1", 5000);
  ASSERT_EQ(held.status, 202) << held.body;
  v1::Approval approval = ParseJson<v1::ApprovalResponse>(held).approval();
  EXPECT_EQ(approval.status(), v1::PENDING_APPROVAL);
  EXPECT_EQ(approval.requested_by(), lan_.id);
  ASSERT_EQ(approval.transfers_size(), 1);
  ClientResponse waiting = Send("GET", "/v1/approvals?status=PENDING_APPROVAL", minh_.token);
  EXPECT_EQ(ParseJson<v1::ListApprovalsResponse>(waiting).approvals_size(), 1);
  ClientResponse same = Send("POST", "/v1/approvals/" + approval.id() + "/approve", lan_.token);
  EXPECT_EQ(same.status, 409);
  EXPECT_EQ(ParseJson<v1::Error>(same).code(), "SAME_OPERATOR");
  EXPECT_EQ(Send("GET", "/v1/transfers/fix1", lan_.token).status, 404);
  ClientResponse approved =
      Send("POST", "/v1/approvals/" + approval.id() + "/approve", minh_.token);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(ParseJson<v1::Approval>(approved).status(), v1::APPROVED);
  ClientResponse entry = Send("GET", "/v1/transfers/fix1", lan_.token);
  ASSERT_EQ(entry.status, 200);
  EXPECT_EQ(ParseJson<v1::Transfer>(entry).approved_by(), minh_.id);
  waiting = Send("GET", "/v1/approvals?status=PENDING_APPROVAL", minh_.token);
  EXPECT_EQ(ParseJson<v1::ListApprovalsResponse>(waiting).approvals_size(), 0);
  ClientResponse all = Send("GET", "/v1/approvals", minh_.token);
  EXPECT_EQ(ParseJson<v1::ListApprovalsResponse>(all).approvals_size(), 1);
  EXPECT_EQ(Send("GET", "/v1/approvals?status=NOPE", minh_.token).status, 400);
  EXPECT_EQ(Send("GET", "/v1/approvals", buyer_.token).status, 403);
}

TEST_F(OperationsHttpTest, ADayIsClosedByOneOperatorAndApprovedByAnother) {
  Deposit(buyer_, 25'000);
  ClientResponse early = Send("POST", "/v1/days/2026-01-01/close", lan_.token);
  EXPECT_EQ(early.status, 409) << early.body;  // 2026-01-01 07:00 local: the day has not ended
  EXPECT_EQ(Send("POST", "/v1/days/2026-02-30/close", lan_.token).status, 400);
  AdvanceAndTick(std::chrono::hours(17));
  ClientResponse closed = Send("POST", "/v1/days/2026-01-01/close", lan_.token);
  ASSERT_EQ(closed.status, 201) << closed.body;
  v1::DayClose close = ParseJson<v1::DayClose>(closed);
  EXPECT_EQ(close.status(), "PENDING_APPROVAL");
  EXPECT_EQ(close.closed_by(), lan_.id);
  EXPECT_EQ(close.report().utc_offset(), "+07:00");
  EXPECT_EQ(Send("POST", "/v1/days/2026-01-01/close", minh_.token).status, 200);  // the stored one
  ClientResponse same = Send("POST", "/v1/days/2026-01-01/approve", lan_.token);
  EXPECT_EQ(ParseJson<v1::Error>(same).code(), "SAME_OPERATOR");
  ClientResponse approved = Send("POST", "/v1/days/2026-01-01/approve", minh_.token);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(ParseJson<v1::DayClose>(approved).status(), "CLOSED");

  ClientResponse csv =
      client_->Send("GET", "/v1/days/2026-01-01/report", "",
                    {{"Authorization", "Bearer " + lan_.token}, {"Accept", "text/csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body, "account_id,opening,debits,credits,closing\r\n" + buyer_.id +
                          ".wallet,0,0,25000,25000\r\nplatform.cash_desk,0,25000,0,-25000\r\n"
                          "platform.fees,0,0,0,0\r\n");
  ClientResponse report = Send("GET", "/v1/days/2026-01-01/report", minh_.token);
  v1::DayReport json = ParseJson<v1::DayReport>(report);
  EXPECT_EQ(json.status(), "CLOSED");
  EXPECT_EQ(json.totals().debits(), 25'000);
  ASSERT_EQ(json.by_code_size(), 1);
  EXPECT_EQ(json.by_code(0).name(), "deposit");
  ClientResponse verify = Send("GET", "/v1/ledger/verify", minh_.token);
  ASSERT_EQ(verify.status, 200);
  v1::LedgerVerification verified = ParseJson<v1::LedgerVerification>(verify);
  EXPECT_TRUE(verified.ok());
  EXPECT_EQ(verified.head(), json.chain_head());
  EXPECT_EQ(Send("GET", "/v1/days/2026-01-01/report", buyer_.token).status, 403);
  EXPECT_EQ(Send("GET", "/v1/ledger/verify", "").status, 401);
}

}  // namespace operations_test
}  // namespace market4
