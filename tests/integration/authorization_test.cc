// The authorization matrix: every route, called by every role and by the other tenant of the
// same role. A caller without a token gets 401, a role the route is not for gets 403, another
// tenant's object gets 404 as if it did not exist, and none of the refusals changes anything.
#include <set>

#include "market4/v1/rails.pb.h"
#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace authorization_test {

class AuthorizationTest : public GatewayFixture {};

TEST_F(AuthorizationTest, EveryRouteRefusesOtherRolesAndTenants) {
  Principal merchant_a = NewMerchant("A"), merchant_b = NewMerchant("B");
  Principal buyer_a = NewBuyer("A"), buyer_b = NewBuyer("B");
  Deposit(buyer_a, 100'000);
  Deposit(buyer_b, 100'000);
  std::string listing = NewListing(merchant_a, 1'000, 10);
  std::string order = OrderId(buyer_a, listing, 2);
  ASSERT_EQ(Act(buyer_a, order, "pay").status, 200);
  ASSERT_EQ(Send("POST", "/v1/providers", kOperatorToken,
                 R"({"id":"momo","name":"MoMo","scheme":"STANDARD_WEBHOOKS",)"
                 R"("secrets":["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]})")
                .status,
            201);
  ClientResponse top_up = Send("POST", "/v1/wallet/topups", buyer_a.token,
                               R"({"provider":"momo","amount":"1000"})", "authz-topup");
  ASSERT_EQ(top_up.status, 201);
  const std::string t = "/v1/wallet/topups/" + ParseJson<v1::TopUp>(top_up).id();
  std::string unpaid = OrderId(buyer_a, listing, 1);

  std::map<std::string, std::string> tokens = {{"anonymous", ""},
                                               {"operator", kOperatorToken},
                                               {"merchant_a", merchant_a.token},
                                               {"merchant_b", merchant_b.token},
                                               {"buyer_a", buyer_a.token},
                                               {"buyer_b", buyer_b.token}};
  struct Row {
    std::string method, path, body;
    std::set<std::string> allowed;        // never called here: they would change state
    std::set<std::string> other_tenants;  // expected 404
  };
  const std::string o = "/v1/orders/" + order;
  const std::string l = "/v1/listings/" + listing;
  const std::set<std::string> op = {"operator"};
  const std::set<std::string> buyers = {"buyer_a", "buyer_b"};
  const std::set<std::string> merchants = {"merchant_a", "merchant_b"};
  const std::vector<Row> rows = {
      {"POST", "/v1/accounts", R"({"id":"x"})", op, {}},
      {"GET", "/v1/accounts/platform.fees", "", op, {}},
      {"GET", "/v1/accounts/platform.fees/transfers", "", op, {}},
      {"POST", "/v1/transfers", R"({"transfers":[]})", op, {}},
      {"GET", "/v1/transfers/x", "", op, {}},
      {"POST", "/v1/transfers/x/post", "{}", op, {}},
      {"POST", "/v1/transfers/x/void", "{}", op, {}},
      {"POST", "/v1/merchants", R"({"name":"x","phone":"0901234567","location":"x"})", op, {}},
      {"GET", "/v1/merchants", "", op, {}},
      {"GET", "/v1/merchants/" + merchant_a.id, "", op, {}},
      {"GET", "/v1/buyers", "", op, {}},
      {"GET", "/v1/buyers/" + buyer_a.id, "", op, {}},
      {"POST", "/v1/buyers/" + buyer_a.id + "/deposits", R"({"amount":"5"})", op, {}},
      {"GET", "/v1/me", "", {"operator", "merchant_a", "merchant_b", "buyer_a", "buyer_b"}, {}},
      {"POST",
       "/v1/me/token/rotate",
       "{}",
       {"operator", "merchant_a", "merchant_b", "buyer_a", "buyer_b"},
       {}},
      {"POST", "/v1/merchants/" + merchant_a.id + "/token", "{}", op, {}},
      {"POST", "/v1/buyers/" + buyer_a.id + "/token", "{}", op, {}},
      {"POST",
       "/v1/listings",
       R"({"title":"x","unit":"kg","price":"1","stock":"1"})",
       {"merchant_a", "merchant_b"},
       {}},
      {"PATCH", l, R"({"price":"1"})", {"merchant_a"}, {"merchant_b"}},
      {"DELETE", l, "", {"merchant_a"}, {"merchant_b"}},
      {"POST", "/v1/orders", R"({"items":[]})", {"buyer_a", "buyer_b"}, {}},
      {"GET", "/v1/orders", "", {"operator", "merchant_a", "merchant_b", "buyer_a", "buyer_b"}, {}},
      {"GET", o, "", {"operator", "merchant_a", "buyer_a"}, {"merchant_b", "buyer_b"}},
      {"POST", o + "/pay", "{}", {"buyer_a"}, {"buyer_b"}},
      {"POST", o + "/ship", "{}", {"merchant_a"}, {"merchant_b"}},
      {"POST", o + "/confirm", "{}", {"buyer_a"}, {"buyer_b"}},
      {"POST",
       o + "/cancel",
       "{}",
       {"operator", "merchant_a", "buyer_a"},
       {"merchant_b", "buyer_b"}},
      {"POST", o + "/refund", R"({"amount":"1"})", {"merchant_a"}, {"merchant_b"}},
      {"GET", "/v1/wallet", "", {"buyer_a", "buyer_b"}, {}},
      {"GET", "/v1/merchant/balance", "", {"merchant_a", "merchant_b"}, {}},
      // Payment providers and the rails.
      {"POST", "/v1/providers", R"({"id":"x"})", op, {}},
      {"GET", "/v1/providers", "", op, {}},
      {"GET",
       "/v1/payment-methods",
       "",
       {"operator", "merchant_a", "merchant_b", "buyer_a", "buyer_b"},
       {}},
      {"GET", "/v1/providers/momo", "", op, {}},
      {"PATCH", "/v1/providers/momo", R"({"secrets":[]})", op, {}},
      {"POST", "/v1/wallet/topups", R"({"provider":"momo","amount":"1"})", buyers, {}},
      {"GET", "/v1/wallet/topups", "", buyers, {}},
      {"GET", t, "", {"buyer_a"}, {"buyer_b"}},
      {"POST", "/v1/merchant/payouts", R"({"provider":"momo","amount":"1"})", merchants, {}},
      {"GET", "/v1/merchant/payouts", "", merchants, {}},
      {"GET", "/v1/merchant/payouts/po_x", "", merchants, {}},
      {"GET", "/v1/payouts", "", op, {}},
      {"GET", "/v1/payouts/po_x", "", op, {}},
      {"GET", "/v1/exceptions", "", op, {}},
      {"GET", "/v1/exceptions/ex_x", "", op, {}},
      {"POST", "/v1/exceptions/ex_x/resolve", R"({"action":"DISMISS"})", op, {}},
      {"GET", "/v1/events/ev_x", "", op, {}},
      // The market stall.
      {"GET", "/v1/orders/" + unpaid + "/vietqr?provider=momo", "", {"buyer_a"}, {"buyer_b"}},
      {"GET", "/v1/orders/" + unpaid + "/vietqr.svg?provider=momo", "", {"buyer_a"}, {"buyer_b"}},
      {"POST", "/v1/payment-requests", R"({"amount":"1"})", merchants, {}},
      {"POST", "/v1/payment-requests/M4X/pay", "{}", buyers, {}},
      {"GET", "/v1/merchant/qr", "", merchants, {}},
      {"GET", "/v1/merchant/qr.svg", "", merchants, {}},
      {"GET", "/v1/merchant/stall-payments", "", merchants, {}},
      {"POST", "/v1/stall-payments/sp_x/refund", R"({"amount":"1"})", merchants, {}},
      {"POST", "/v1/merchant/events/tickets", "", merchants, {}},
      // Statements: each reads its own; merchants' by id are the operator's.
      {"GET", "/v1/merchant/statement", "", merchants, {}},
      {"GET", "/v1/merchants/" + merchant_a.id + "/statement", "", op, {}},
      {"GET", "/v1/wallet/statement", "", buyers, {}},
  };
  auto snapshot = [&] {
    return Send("GET", o, kOperatorToken).body + Send("GET", l, kOperatorToken).body +
           Send("GET", "/v1/wallet", buyer_a.token).body +
           Send("GET", "/v1/wallet", buyer_b.token).body +
           Send("GET", "/v1/merchant/balance", merchant_a.token).body +
           Send("GET", "/v1/merchants", kOperatorToken).body +
           Send("GET", "/v1/accounts/platform.fees", kOperatorToken).body +
           Send("GET", "/v1/accounts", kOperatorToken).body +
           Send("GET", "/v1/exceptions", kOperatorToken).body +
           Send("GET", "/v1/providers", kOperatorToken).body;
  };
  const std::string before = snapshot();
  int checked = 0;
  for (const auto& row : rows) {
    for (const auto& [name, token] : tokens) {
      if (row.allowed.count(name)) continue;
      int expected = name == "anonymous" ? 401 : row.other_tenants.count(name) ? 404 : 403;
      ClientResponse r = Send(row.method, row.path, token, row.body, "authz-key");
      EXPECT_EQ(r.status, expected)
          << name << " " << row.method << " " << row.path << " " << r.body;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(AuthorizationTest, PublicRoutesNeedNoTokenButRejectABadOne) {
  EXPECT_EQ(Send("GET", "/v1/listings", "").status, 200);
  EXPECT_EQ(Send("GET", "/v1/listings", "forged-token").status, 401);
  EXPECT_EQ(Send("POST", "/v1/buyers", "", R"({"name":"x","phone":"0912345678"})").status, 201);
}

TEST_F(AuthorizationTest, TokensAreStoredOnlyAsHashes) {
  Principal merchant = NewMerchant();
  EXPECT_EQ(merchant.token.size(), 64u);
  ASSERT_TRUE(engine_->Read().Authenticate(gateway::TokenHash(merchant.token)).ok());
  EXPECT_FALSE(engine_->Read().Authenticate(merchant.token).ok());
  EXPECT_EQ(merchant.id.rfind("m_", 0), 0u);
  EXPECT_EQ(merchant.id.size(), 34u);  // 128 random bits
}

}  // namespace authorization_test
}  // namespace market4
