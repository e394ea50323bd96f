// Rotating a token (POST /v1/me/token/rotate) and an operator's reissue, which revokes
// (POST /v1/merchants/{id}/token, /v1/buyers/{id}/token), over real sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/gateway/gateway_fixture.h"

namespace market4::tokens_http_test {

class TokensHttpTest : public GatewayFixture {
 protected:
  ClientResponse Rotate(const std::string& token, const std::string& key) {
    return Send("POST", "/v1/me/token/rotate", token, "{}", key);
  }
  ClientResponse Reissue(const std::string& who, const std::string& path_id, const std::string& key,
                         const std::string& token = kOperatorToken) {
    return Send("POST", "/v1/" + who + "/" + path_id + "/token", token, "{}", key);
  }
  int MeStatus(const std::string& token) { return Send("GET", "/v1/me", token).status; }
};

TEST_F(TokensHttpTest, ABuyerRotatesAndARetryWithTheOldTokenGetsTheSameNewOne) {
  Principal buyer = NewBuyer("Chị Mai");
  ClientResponse rotated = Rotate(buyer.token, "rotate-1");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  auto issued = ParseJson<v1::IssuedToken>(rotated);
  EXPECT_EQ(issued.role(), "buyer");
  EXPECT_EQ(issued.id(), buyer.id);
  EXPECT_EQ(issued.replaced(), "rotated");
  ASSERT_EQ(issued.token().size(), 64u);
  EXPECT_NE(issued.token(), buyer.token);
  EXPECT_EQ(MeStatus(issued.token()), 200);
  EXPECT_EQ(MeStatus(buyer.token), 401);  // at once, everywhere but the rotation's retry
  // The answer was lost: the retry, with the old token and the same key, gets the same token.
  ClientResponse retry = Rotate(buyer.token, "rotate-1");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  EXPECT_EQ(ParseJson<v1::IssuedToken>(retry).token(), issued.token());
  // The old token cannot start another rotation.
  EXPECT_EQ(Rotate(buyer.token, "rotate-2").status, 401);
  // After the retry window it is refused even for its retry.
  clock_.Advance(std::chrono::minutes(11));
  EXPECT_EQ(Rotate(buyer.token, "rotate-1").status, 401);
  // The new token works, and orders stay the buyer's.
  Deposit(Principal{buyer.id, issued.token()}, 10'000);
  EXPECT_EQ(Wallet(Principal{buyer.id, issued.token()}).balance(), 10'000);
}

TEST_F(TokensHttpTest, RotationNeedsAKeyAndAWorkingTokenAndIsNotForTheAdminToken) {
  Principal merchant = NewMerchant();
  ClientResponse no_key = Rotate(merchant.token, "");
  EXPECT_EQ(no_key.status, 400) << no_key.body;
  EXPECT_EQ(ErrorCode(no_key), "INVALID_ARGUMENT");
  EXPECT_EQ(Rotate("", "k").status, 401);
  EXPECT_EQ(Rotate(std::string(64, 'a'), "k").status, 401);
  ClientResponse admin = Rotate(kOperatorToken, "k");
  EXPECT_EQ(admin.status, 403) << admin.body;
  EXPECT_EQ(ErrorCode(admin), "PERMISSION_DENIED");
  EXPECT_EQ(MeStatus(merchant.token), 200);  // nothing changed
  EXPECT_EQ(MeStatus(kOperatorToken), 200);
}

TEST_F(TokensHttpTest, AnOperatorRevokesAMerchantsTokenByIssuingANewOne) {
  Principal merchant = NewMerchant();
  Principal other = NewMerchant("Chú Năm");
  ClientResponse r = Reissue("merchants", merchant.id, "lost-phone");
  ASSERT_EQ(r.status, 200) << r.body;
  auto issued = ParseJson<v1::IssuedToken>(r);
  EXPECT_EQ(issued.replaced(), "revoked");
  EXPECT_EQ(issued.issued_by(), "admin");
  EXPECT_EQ(MeStatus(merchant.token), 401);
  EXPECT_EQ(MeStatus(issued.token()), 200);
  EXPECT_EQ(MeStatus(other.token), 200);
  // A revoked token gets no retry window on the rotation route.
  EXPECT_EQ(Rotate(merchant.token, "k").status, 401);
  // The operator's retry gets the same token.
  ClientResponse retry = Reissue("merchants", merchant.id, "lost-phone");
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  EXPECT_EQ(ParseJson<v1::IssuedToken>(retry).token(), issued.token());
  // Not for merchants or buyers themselves; not for ids that do not exist.
  EXPECT_EQ(Reissue("merchants", other.id, "k", other.token).status, 403);
  EXPECT_EQ(Reissue("merchants", "m_0000", "k").status, 404);
  EXPECT_EQ(Reissue("buyers", merchant.id, "k").status, 404);
  EXPECT_EQ(Reissue("merchants", other.id, "").status, 400);
  EXPECT_EQ(MeStatus(other.token), 200);
}

TEST_F(TokensHttpTest, AnOperatorRevokesABuyersRotatedToken) {
  Principal buyer = NewBuyer();
  std::string rotated = ParseJson<v1::IssuedToken>(Rotate(buyer.token, "r")).token();
  ClientResponse r = Reissue("buyers", buyer.id, "stolen");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(MeStatus(rotated), 401);
  EXPECT_EQ(MeStatus(ParseJson<v1::IssuedToken>(r).token()), 200);
}

}  // namespace market4::tokens_http_test
