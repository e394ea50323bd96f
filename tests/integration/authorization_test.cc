// The authorization matrix: every route, called by every role and by the other tenant of the
// same role. A caller without a token gets 401, a role the route is not for gets 403, another
// tenant's object gets 404 as if it did not exist, and none of the refusals changes anything.
#include <set>

#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace {

class AuthorizationTest : public GatewayFixture {};

TEST_F(AuthorizationTest, EveryRouteRefusesOtherRolesAndTenants) {
  Principal merchant_a = NewMerchant("A"), merchant_b = NewMerchant("B");
  Principal buyer_a = NewBuyer("A"), buyer_b = NewBuyer("B");
  Deposit(buyer_a, 100'000);
  Deposit(buyer_b, 100'000);
  std::string listing = NewListing(merchant_a, 1'000, 10);
  std::string order = OrderId(buyer_a, listing, 2);
  ASSERT_EQ(Act(buyer_a, order, "pay").status, 200);

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
  };
  auto snapshot = [&] {
    return Send("GET", o, kOperatorToken).body + Send("GET", l, kOperatorToken).body +
           Send("GET", "/v1/wallet", buyer_a.token).body +
           Send("GET", "/v1/wallet", buyer_b.token).body +
           Send("GET", "/v1/merchant/balance", merchant_a.token).body +
           Send("GET", "/v1/merchants", kOperatorToken).body +
           Send("GET", "/v1/accounts/platform.fees", kOperatorToken).body;
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

}  // namespace
}  // namespace market4
