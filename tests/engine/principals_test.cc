// Merchants and buyers (engine/principals.cc): what creating one opens in the ledger, how a
// token finds its principal, what is refused, and how principals are listed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/limits.h"
#include "tests/engine/market_fixture.h"

namespace market4::engine {
namespace principals_test {

class PrincipalsTest : public MarketFixture {
 protected:
  // The merchant `id` left no trace: no record, no accounts, no token.
  void ExpectNoMerchant(const std::string& id) {
    Query query = engine_->Read();
    EXPECT_EQ(query.GetMerchant(id).status().code(), Code::kNotFound) << id;
    EXPECT_EQ(query.GetAccount(AvailableAccount(id)).status().code(), Code::kNotFound) << id;
    EXPECT_EQ(query.GetAccount(EscrowAccount(id)).status().code(), Code::kNotFound) << id;
    EXPECT_EQ(query.Authenticate(TokenHashOf(id)).status().code(), Code::kUnauthenticated) << id;
  }
  void ExpectNoBuyer(const std::string& id) {
    Query query = engine_->Read();
    EXPECT_EQ(query.GetBuyer(id).status().code(), Code::kNotFound) << id;
    EXPECT_EQ(query.GetAccount(WalletAccount(id)).status().code(), Code::kNotFound) << id;
    EXPECT_EQ(query.Authenticate(TokenHashOf(id)).status().code(), Code::kUnauthenticated) << id;
  }
  void ExpectOpenNoOverdraftAccount(const std::string& id) {
    auto account = engine_->Read().GetAccount(id);
    ASSERT_TRUE(account.ok()) << id << ": " << account.status().ToString();
    EXPECT_TRUE(account->debits_must_not_exceed_credits()) << id;
    EXPECT_FALSE(account->credits_must_not_exceed_debits()) << id;
    EXPECT_EQ(account->currency(), "VND") << id;
    EXPECT_EQ(Balances(id), "0/0/0/0");
  }
};

const std::vector<std::string> kBadPhones = {
    "09012345ab",        // letters
    "0901 234 567",      // spaces
    "1234567",           // 7 digits: one too few
    "+1234567",          // the + is not a digit
    "1234567890123456",  // 16 digits: one too many
    "+84+901234567",     // + only in front
    "",                  // nothing
    "+",
};

TEST_F(PrincipalsTest, CreateMerchantOpensItsTwoAccounts) {
  v1::Merchant merchant = Ok(AddMerchant("m_1", "+84901234567", "Cô Ba"));
  EXPECT_EQ(merchant.id(), "m_1");
  EXPECT_EQ(merchant.name(), "Cô Ba");
  EXPECT_EQ(merchant.phone(), "+84901234567");
  EXPECT_EQ(merchant.location(), "Chợ Vị Thanh, sạp 12");
  EXPECT_EQ(NanosOf(merchant.created_at()), clock_.NowNanos());
  ExpectOpenNoOverdraftAccount("m_1.available");
  ExpectOpenNoOverdraftAccount("m_1.escrow");
  auto stored = engine_->Read().GetMerchant("m_1");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->DebugString(), merchant.DebugString());
  // A merchant has no wallet.
  EXPECT_EQ(engine_->Read().GetAccount("m_1.wallet").status().code(), Code::kNotFound);
}

TEST_F(PrincipalsTest, CreateBuyerOpensItsWallet) {
  v1::Buyer buyer = Ok(AddBuyer("b_1", "0912345678", "Anh Tư"));
  EXPECT_EQ(buyer.id(), "b_1");
  EXPECT_EQ(buyer.name(), "Anh Tư");
  EXPECT_EQ(buyer.phone(), "0912345678");
  EXPECT_EQ(NanosOf(buyer.created_at()), clock_.NowNanos());
  ExpectOpenNoOverdraftAccount("b_1.wallet");
  auto stored = engine_->Read().GetBuyer("b_1");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->DebugString(), buyer.DebugString());
  EXPECT_EQ(engine_->Read().GetAccount("b_1.available").status().code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetAccount("b_1.escrow").status().code(), Code::kNotFound);
}

TEST_F(PrincipalsTest, AuthenticateFindsTheRoleAndIdOfAToken) {
  Ok(AddMerchant("m_1"));
  Ok(AddBuyer("b_1"));
  Query query = engine_->Read();
  auto merchant = query.Authenticate(TokenHashOf("m_1"));
  ASSERT_TRUE(merchant.ok()) << merchant.status().ToString();
  EXPECT_EQ(merchant->role, Role::kMerchant);
  EXPECT_EQ(merchant->id, "m_1");
  auto buyer = query.Authenticate(TokenHashOf("b_1"));
  ASSERT_TRUE(buyer.ok()) << buyer.status().ToString();
  EXPECT_EQ(buyer->role, Role::kBuyer);
  EXPECT_EQ(buyer->id, "b_1");
  for (const std::string& unknown : {std::string("hash-nobody"), std::string(""),
                                     std::string("m_1"), TokenHashOf("m_1") + "x"}) {
    EXPECT_EQ(query.Authenticate(unknown).status().code(), Code::kUnauthenticated) << unknown;
  }
}

TEST_F(PrincipalsTest, TokensSurviveARestart) {
  Ok(AddMerchant("m_1"));
  Ok(AddBuyer("b_1"));
  Reopen();
  auto merchant = engine_->Read().Authenticate(TokenHashOf("m_1"));
  ASSERT_TRUE(merchant.ok());
  EXPECT_EQ(merchant->role, Role::kMerchant);
  EXPECT_EQ(merchant->id, "m_1");
  auto buyer = engine_->Read().Authenticate(TokenHashOf("b_1"));
  ASSERT_TRUE(buyer.ok());
  EXPECT_EQ(buyer->role, Role::kBuyer);
}

TEST_F(PrincipalsTest, PhoneNumbersOfEightToFifteenDigitsAreAccepted) {
  EXPECT_TRUE(AddMerchant("m_1", std::string(kMinPhoneDigits, '1')).ok());
  EXPECT_TRUE(AddMerchant("m_2", std::string(kMaxPhoneDigits, '2')).ok());
  EXPECT_TRUE(AddMerchant("m_3", "+" + std::string(kMaxPhoneDigits, '3')).ok());
  EXPECT_TRUE(AddBuyer("b_1", std::string(kMinPhoneDigits, '4')).ok());
  EXPECT_TRUE(AddBuyer("b_2", "+" + std::string(kMinPhoneDigits, '5')).ok());
}

TEST_F(PrincipalsTest, BadPhoneIsRefusedAndLeavesNoTrace) {
  for (const std::string& phone : kBadPhones) {
    SCOPED_TRACE("phone '" + phone + "'");
    auto merchant = AddMerchant("m_1", phone);
    EXPECT_EQ(merchant.status.code(), Code::kInvalidArgument);
    EXPECT_EQ(DetailOf(merchant.status, "field"), "phone");
    ExpectNoMerchant("m_1");
    auto buyer = AddBuyer("b_1", phone);
    EXPECT_EQ(buyer.status.code(), Code::kInvalidArgument);
    EXPECT_EQ(DetailOf(buyer.status, "field"), "phone");
    ExpectNoBuyer("b_1");
  }
  auto accounts = engine_->Read().ListAccounts(kMaxPageSize, "");
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->accounts_size(), 2) << "only the platform's own accounts";
  // Nothing was half made: the same ids can be used once the phone is right.
  EXPECT_TRUE(AddMerchant("m_1", "0901234567").ok());
  EXPECT_TRUE(AddBuyer("b_1", "0901234567").ok());
}

TEST_F(PrincipalsTest, PhoneMessageStatesTheLimits) {
  auto refused = AddBuyer("b_1", "123");
  ASSERT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status.message().find(std::to_string(kMinPhoneDigits)), std::string::npos)
      << refused.status.message();
  EXPECT_NE(refused.status.message().find(std::to_string(kMaxPhoneDigits)), std::string::npos)
      << refused.status.message();
}

TEST_F(PrincipalsTest, NameIsRequired) {
  for (const std::string& name : {std::string(""), std::string("   "), std::string("\t")}) {
    SCOPED_TRACE("name '" + name + "'");
    auto merchant = AddMerchant("m_1", "0901234567", name);
    EXPECT_EQ(merchant.status.code(), Code::kInvalidArgument);
    EXPECT_EQ(DetailOf(merchant.status, "field"), "name");
    ExpectNoMerchant("m_1");
    auto buyer = AddBuyer("b_1", "0901234567", name);
    EXPECT_EQ(buyer.status.code(), Code::kInvalidArgument);
    EXPECT_EQ(DetailOf(buyer.status, "field"), "name");
    ExpectNoBuyer("b_1");
  }
}

TEST_F(PrincipalsTest, NameLongerThanTheLimitIsRefused) {
  EXPECT_TRUE(AddBuyer("b_1", "0901234567", std::string(kMaxNameChars, 'a')).ok());
  auto refused = AddBuyer("b_2", "0901234567", std::string(kMaxNameChars + 1, 'a'));
  EXPECT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(refused.status, "field"), "name");
  ExpectNoBuyer("b_2");
}

TEST_F(PrincipalsTest, MerchantLocationIsRequired) {
  CreateMerchant command{"m_1", TokenHashOf("m_1"), {}};
  command.request.set_name("Cô Ba");
  command.request.set_phone("0901234567");
  auto refused = engine_->Execute(command);
  EXPECT_EQ(refused.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(DetailOf(refused.status, "field"), "location");
  ExpectNoMerchant("m_1");
}

// Walks a list page by page with `limit`, returning every id seen; fails on a bad page.
template <typename Page>
std::vector<std::string> Walk(std::size_t limit, const Page& page) {
  std::vector<std::string> ids;
  std::string token;
  for (int pages = 0; pages < 100; ++pages) {
    auto [page_ids, next] = page(limit, token);
    EXPECT_LE(page_ids.size(), limit);
    ids.insert(ids.end(), page_ids.begin(), page_ids.end());
    if (next.empty()) return ids;
    token = next;
  }
  ADD_FAILURE() << "the list never ends";
  return ids;
}

TEST_F(PrincipalsTest, ListMerchantsPagesInIdOrder) {
  for (const char* id : {"m_3", "m_1", "m_5", "m_2", "m_4"}) Ok(AddMerchant(id));
  auto first = engine_->Read().ListMerchants(2, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->merchants_size(), 2);
  EXPECT_EQ(first->merchants(0).id(), "m_1");
  EXPECT_EQ(first->merchants(1).id(), "m_2");
  ASSERT_FALSE(first->next_page_token().empty());
  auto second = engine_->Read().ListMerchants(2, first->next_page_token());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->merchants_size(), 2);
  EXPECT_EQ(second->merchants(0).id(), "m_3");
  EXPECT_EQ(second->merchants(1).id(), "m_4");
  auto third = engine_->Read().ListMerchants(2, second->next_page_token());
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  ASSERT_EQ(third->merchants_size(), 1);
  EXPECT_EQ(third->merchants(0).id(), "m_5");
  EXPECT_EQ(third->next_page_token(), "");

  auto all = engine_->Read().ListMerchants(0, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->merchants_size(), 5);
  EXPECT_EQ(all->next_page_token(), "");
  EXPECT_EQ(all->merchants(2).DebugString(), engine_->Read().GetMerchant("m_3")->DebugString());
}

TEST_F(PrincipalsTest, ListBuyersPagesInIdOrder) {
  std::vector<std::string> expected;
  for (int i = 0; i < 7; ++i) {
    expected.push_back("b_" + std::to_string(i));
    Ok(AddBuyer(expected.back()));
  }
  for (std::size_t limit : {1, 2, 3, 7, 8}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    auto ids = Walk(limit, [&](std::size_t n, const std::string& token) {
      auto page = engine_->Read().ListBuyers(n, token);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      std::vector<std::string> page_ids;
      if (!page.ok()) return std::make_pair(page_ids, std::string());
      for (const auto& buyer : page->buyers()) page_ids.push_back(buyer.id());
      return std::make_pair(page_ids, page->next_page_token());
    });
    EXPECT_EQ(ids, expected);
  }
}

TEST_F(PrincipalsTest, GarbagePageTokenIsRefused) {
  Ok(AddMerchant("m_1"));
  Ok(AddBuyer("b_1"));
  for (const std::string& token : {std::string("garbage"), std::string("m"), std::string("b")}) {
    auto merchants = engine_->Read().ListMerchants(10, token);
    EXPECT_EQ(merchants.status().code(), Code::kInvalidArgument) << token;
    EXPECT_EQ(DetailOf(merchants.status(), "field"), "page_token");
    auto buyers = engine_->Read().ListBuyers(10, token);
    EXPECT_EQ(buyers.status().code(), Code::kInvalidArgument) << token;
    EXPECT_EQ(DetailOf(buyers.status(), "field"), "page_token");
  }
  // One list's token means nothing to the other.
  Ok(AddMerchant("m_2"));
  Ok(AddBuyer("b_2"));
  std::string merchants_token = engine_->Read().ListMerchants(1, "")->next_page_token();
  std::string buyers_token = engine_->Read().ListBuyers(1, "")->next_page_token();
  ASSERT_FALSE(merchants_token.empty());
  ASSERT_FALSE(buyers_token.empty());
  EXPECT_EQ(engine_->Read().ListBuyers(10, merchants_token).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().ListMerchants(10, buyers_token).status().code(),
            Code::kInvalidArgument);
}

}  // namespace principals_test
}  // namespace market4::engine
