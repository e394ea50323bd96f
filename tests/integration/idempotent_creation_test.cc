// Creating merchants, buyers and listings under an Idempotency-Key, over real sockets: a
// retry gets the first answer (the same id, and for principals the same token, which was
// never stored) and creates nothing; the same key with another body is refused; keys belong
// to whoever sent them.
#include <gtest/gtest.h>

#include <string>

#include "tests/gateway/gateway_fixture.h"

namespace market4::idempotent_creation_test {

class IdempotentCreationTest : public GatewayFixture {
 protected:
  ClientResponse CreateMerchant(const std::string& name, const std::string& key) {
    return Send("POST", "/v1/merchants", kOperatorToken,
                R"({"name":")" + name + R"(","phone":"0901234567","location":"Chợ"})", key);
  }
  ClientResponse Register(const std::string& name, const std::string& key) {
    return Send("POST", "/v1/buyers", "", R"({"name":")" + name + R"(","phone":"0912345678"})",
                key);
  }
  ClientResponse List(const Principal& merchant, const std::string& title, const std::string& key) {
    return Send("POST", "/v1/listings", merchant.token,
                R"({"title":")" + title + R"(","unit":"bó","price":"10000","stock":"5"})", key);
  }
  int Count(const std::string& path, const std::string& field) {
    ClientResponse r = Send("GET", path + "?limit=200", kOperatorToken);
    EXPECT_EQ(r.status, 200) << r.body;
    std::size_t n = 0;
    for (std::size_t at = r.body.find(field); at != std::string::npos;
         at = r.body.find(field, at + 1)) {
      ++n;
    }
    return static_cast<int>(n);
  }
  std::string Me(const std::string& token) {
    ClientResponse r = Send("GET", "/v1/me", token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }
};

TEST_F(IdempotentCreationTest, ARetriedMerchantIsTheSameMerchantWithTheSameToken) {
  ClientResponse first = CreateMerchant("Cô Ba", "onboard-co-ba");
  ASSERT_EQ(first.status, 201) << first.body;
  ClientResponse retry = CreateMerchant("Cô Ba", "onboard-co-ba");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.body, first.body);  // id, stall code, created_at and token
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  EXPECT_EQ(first.Header("idempotent-replayed"), "");
  auto created = ParseJson<v1::CreateMerchantResponse>(first);
  EXPECT_NE(Me(created.token()).find(created.merchant().id()), std::string::npos);
  // The same key for another merchant is a mistake, refused; another key is another one.
  ClientResponse other = CreateMerchant("Chú Năm", "onboard-co-ba");
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(ParseJson<v1::Error>(other).code(), "IDEMPOTENCY_CONFLICT");
  ClientResponse second = CreateMerchant("Cô Ba", "onboard-co-ba-2");
  ASSERT_EQ(second.status, 201);
  EXPECT_NE(ParseJson<v1::CreateMerchantResponse>(second).merchant().id(), created.merchant().id());
  EXPECT_EQ(Count("/v1/merchants", "\"stall_code\""), 2);
}

TEST_F(IdempotentCreationTest, ARetriedRegistrationIsTheSameBuyer) {
  ClientResponse first = Register("Anh Tư", "3f1c9a7e-registration");
  ASSERT_EQ(first.status, 201) << first.body;
  ClientResponse retry = Register("Anh Tư", "3f1c9a7e-registration");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  auto buyer = ParseJson<v1::CreateBuyerResponse>(first);
  EXPECT_NE(Me(buyer.token()).find(buyer.buyer().id()), std::string::npos);
  EXPECT_EQ(Register("Chị Sáu", "3f1c9a7e-registration").status, 422);
  // Without a key, every call is a new buyer, as before.
  ASSERT_EQ(Register("Anh Tư", "").status, 201);
  EXPECT_EQ(Count("/v1/buyers", "\"phone\""), 2);
  // Bad keys are refused before anything is made.
  EXPECT_EQ(Register("Anh Tư", std::string(300, 'k')).status, 400);
  EXPECT_EQ(Count("/v1/buyers", "\"phone\""), 2);
}

TEST_F(IdempotentCreationTest, ARetriedListingIsTheSameListingAndKeysAreTheMerchants) {
  Principal co_ba = NewMerchant("Cô Ba");
  Principal chu_nam = NewMerchant("Chú Năm");
  ClientResponse first = List(co_ba, "Rau muống", "list-1");
  ASSERT_EQ(first.status, 201) << first.body;
  ClientResponse retry = List(co_ba, "Rau muống", "list-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  EXPECT_EQ(List(co_ba, "Cá lóc", "list-1").status, 422);
  // Another merchant's identical key is unrelated: a listing of its own.
  ClientResponse theirs = List(chu_nam, "Rau muống", "list-1");
  ASSERT_EQ(theirs.status, 201) << theirs.body;
  EXPECT_NE(ParseJson<v1::Listing>(theirs).id(), ParseJson<v1::Listing>(first).id());
  EXPECT_EQ(ParseJson<v1::Listing>(theirs).merchant_id(), chu_nam.id);
  EXPECT_EQ(Count("/v1/listings", "\"merchant_id\""), 2);
}

}  // namespace market4::idempotent_creation_test
