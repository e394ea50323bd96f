// Payment providers on the engine: registration with its ledger account, secrets kept for
// verification but never shown, rotation, and every refusal leaving nothing behind.
#include <gtest/gtest.h>

#include "engine/chart.h"
#include "tests/engine/engine_fixture.h"

namespace market4::engine {
namespace providers_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kOtherSecret[] = "whsec_c2VjcmV0LW51bWJlci10d28tZm9yLXJvdGF0aW9u";

class ProvidersTest : public EngineFixture {
 protected:
  Answer<v1::Provider> Create(const std::string& id, std::vector<std::string> secrets = {kSecret},
                              v1::ProviderScheme scheme = v1::STANDARD_WEBHOOKS) {
    CreateProvider command;
    command.request.set_id(id);
    command.request.set_name("Ví MoMo");
    command.request.set_scheme(scheme);
    for (auto& s : secrets) command.request.add_secrets(s);
    return engine_->Execute(command);
  }
};

TEST_F(ProvidersTest, CreateOpensTheProviderAccountAndKeepsTheSecrets) {
  auto created = Create("momo");
  ASSERT_TRUE(created.ok()) << created.status.ToString();
  EXPECT_EQ(created.value.id(), "momo");
  EXPECT_EQ(created.value.scheme(), v1::STANDARD_WEBHOOKS);
  EXPECT_EQ(created.value.secret_count(), 1);
  EXPECT_TRUE(engine_->Read().GetAccount(ProviderAccount("momo")).ok());
  auto record = engine_->Read().GetProviderRecord("momo");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->secrets_size(), 1);
  EXPECT_EQ(record->secrets(0), kSecret);
  // What callers see never holds a secret.
  EXPECT_EQ(engine_->Read().GetProvider("momo")->DebugString().find("whsec_"), std::string::npos);
  auto listed = engine_->Read().ListProviders(0, "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->providers_size(), 1);
  EXPECT_EQ(listed->DebugString().find("whsec_"), std::string::npos);
}

TEST_F(ProvidersTest, RefusalsLeaveNothingBehind) {
  EXPECT_EQ(Create("MoMo").status.code(), Code::kInvalidArgument);  // upper case
  EXPECT_EQ(Create("").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Create("momo", {}).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Create("momo", {"whsec_not base64"}).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Create("momo", {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}).status.code(),
            Code::kInvalidArgument);                                                    // no prefix
  EXPECT_EQ(Create("momo", {"whsec_c2hvcnQ="}).status.code(), Code::kInvalidArgument);  // 5 bytes
  EXPECT_EQ(
      Create("momo", std::vector<std::string>(kMaxProviderSecrets + 1, kSecret)).status.code(),
      Code::kInvalidArgument);
  EXPECT_EQ(Create("momo", {kSecret}, v1::PROVIDER_SCHEME_UNSPECIFIED).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().GetProvider("momo").status().code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetAccount(ProviderAccount("momo")).status().code(), Code::kNotFound);
  ASSERT_TRUE(Create("momo").ok());
  EXPECT_EQ(Create("momo").status.code(), Code::kAlreadyExists);
}

TEST_F(ProvidersTest, SecretsAreReplacedForARotation) {
  ASSERT_TRUE(Create("momo").ok());
  UpdateProviderSecrets rotate{"momo", {}};
  rotate.request.add_secrets(kSecret);
  rotate.request.add_secrets(kOtherSecret);
  auto rotated = engine_->Execute(rotate);
  ASSERT_TRUE(rotated.ok()) << rotated.status.ToString();
  EXPECT_EQ(rotated.value.secret_count(), 2);
  UpdateProviderSecrets finish{"momo", {}};
  finish.request.add_secrets(kOtherSecret);
  ASSERT_TRUE(engine_->Execute(finish).ok());
  Reopen();  // durable
  auto record = engine_->Read().GetProviderRecord("momo");
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->secrets_size(), 1);
  EXPECT_EQ(record->secrets(0), kOtherSecret);
  UpdateProviderSecrets unknown{"nobody", {}};
  unknown.request.add_secrets(kSecret);
  EXPECT_EQ(engine_->Execute(unknown).status.code(), Code::kNotFound);
  UpdateProviderSecrets empty{"momo", {}};
  EXPECT_EQ(engine_->Execute(empty).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().GetProviderRecord("momo")->secrets(0), kOtherSecret);
}

TEST_F(ProvidersTest, EachSchemeTakesItsOwnKindOfSecret) {
  EXPECT_TRUE(Create("momo", {"F8BBA842ECF85:K951B6PE1waDMi640xX08PD3vg6EkVlz"}, v1::MOMO).ok());
  EXPECT_TRUE(Create("vnpay", {"VNPAYSANDBOXHASHSECRET0123456789"}, v1::VNPAY).ok());
  EXPECT_TRUE(Create("zalopay", {"kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz"}, v1::ZALOPAY).ok());
  // MoMo needs its access key and a secret key of at least kMinProviderKeyBytes.
  EXPECT_EQ(Create("m2", {"K951B6PE1waDMi640xX08PD3vg6EkVlz"}, v1::MOMO).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Create("m2", {"F8BBA842ECF85:short"}, v1::MOMO).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Create("m2", {":K951B6PE1waDMi640xX08PD3vg6EkVlz"}, v1::MOMO).status.code(),
            Code::kInvalidArgument);
  // Keys are printable ASCII without spaces, 16 to kMaxProviderSecretBytes long.
  EXPECT_EQ(Create("v2", {"too-short"}, v1::VNPAY).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Create("v2", {"VNPAY SANDBOX HASH SECRET 012345"}, v1::VNPAY).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Create("v2", {std::string(kMaxProviderSecretBytes + 1, 'k')}, v1::VNPAY).status.code(),
            Code::kInvalidArgument);
  // A Standard Webhooks secret is "whsec_" and base64; a bare key is not one.
  EXPECT_EQ(Create("sw", {"kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz"}).status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Create("s3", {kSecret}, static_cast<v1::ProviderScheme>(99)).status.code(),
            Code::kInvalidArgument);
  // Rotation checks the new secrets against the provider's own scheme.
  UpdateProviderSecrets update{"momo", {}};
  update.request.add_secrets(kSecret);
  EXPECT_EQ(engine_->Execute(update).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().GetProvider("m2").status().code(), Code::kNotFound);
  EXPECT_EQ(engine_->Read().GetProvider("v2").status().code(), Code::kNotFound);
}

TEST_F(ProvidersTest, BankTransferProvidersNameTheirCollectionAccount) {
  auto bank = [&](const std::string& id, const std::string& bin, const std::string& account,
                  const std::string& name) {
    CreateProvider command;
    command.request.set_id(id);
    command.request.set_name("Vietcombank");
    command.request.set_scheme(v1::BANK_TRANSFER);
    command.request.add_secrets(kSecret);
    command.request.set_bank_bin(bin);
    command.request.set_account_number(account);
    command.request.set_account_name(name);
    return engine_->Execute(command);
  };
  auto created = bank("vcb", "970436", "0011001234567", "HTX CHO VI THANH");
  ASSERT_TRUE(created.ok()) << created.status.ToString();
  EXPECT_EQ(created.value.bank_bin(), "970436");
  EXPECT_EQ(engine_->Read().GetProvider("vcb")->account_name(), "HTX CHO VI THANH");
  EXPECT_EQ(bank("b1", "97043", "0011001234567", "HTX").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(bank("b1", "970436", "00110012345x", "HTX").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(bank("b1", "970436", std::string(20, '1'), "HTX").status.code(),
            Code::kInvalidArgument);
  EXPECT_EQ(bank("b1", "970436", "001", "htx chợ").status.code(), Code::kInvalidArgument);
  EXPECT_EQ(bank("b1", "970436", "001", std::string(26, 'A')).status.code(),
            Code::kInvalidArgument);
  // Only bank-transfer providers have an account.
  CreateProvider wallet;
  wallet.request.set_id("momo");
  wallet.request.set_name("MoMo");
  wallet.request.set_scheme(v1::STANDARD_WEBHOOKS);
  wallet.request.add_secrets(kSecret);
  wallet.request.set_bank_bin("970436");
  EXPECT_EQ(engine_->Execute(wallet).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->Read().GetProvider("b1").status().code(), Code::kNotFound);
}

}  // namespace providers_test
}  // namespace market4::engine
