// Operator authentication, Bearer parsing and token hashing, without a server.
#include "gateway/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "common/limits.h"
#include "tests/test_util.h"

namespace market4::gateway {
namespace auth_test {

TEST(BearerTokenTest, ParsesTheSchemeInAnyCase) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(BearerToken("Bearer    abc"), "abc");
  EXPECT_EQ(BearerToken("Bearer abc  "), "abc");
  EXPECT_FALSE(BearerToken("Bearer"));
  EXPECT_FALSE(BearerToken("Bearer "));
  EXPECT_FALSE(BearerToken("Bearerabc"));
  EXPECT_FALSE(BearerToken("Basic abc"));
  EXPECT_FALSE(BearerToken("Bearer a b"));
  EXPECT_FALSE(BearerToken(""));
}

TEST(AdminAuthTest, RecognisesOnlyItsToken) {
  AdminAuth auth("the-operator-token-0123");
  EXPECT_TRUE(auth.IsOperator("the-operator-token-0123"));
  EXPECT_FALSE(auth.IsOperator("the-operator-token-0124"));
  EXPECT_FALSE(auth.IsOperator(""));
}

TEST(AdminAuthTest, EnvironmentWinsAndShortTokensAreRefused) {
  testing::TempDir dir;
  std::string path;
  ::setenv(kAdminTokenEnv, "an-operator-token-from-env", 1);
  auto from_env = AdminAuth::Load(dir.path(), &path);
  ASSERT_TRUE(from_env.ok());
  EXPECT_TRUE(from_env->IsOperator("an-operator-token-from-env"));
  EXPECT_EQ(path, "");
  ::setenv(kAdminTokenEnv, "short", 1);
  auto short_token = AdminAuth::Load(dir.path(), &path);
  EXPECT_EQ(short_token.status().code(), Code::kInvalidArgument);
  ::unsetenv(kAdminTokenEnv);
}

TEST(AdminAuthTest, GeneratesAPrivateTokenFileOnceAndReusesIt) {
  ::unsetenv(kAdminTokenEnv);
  testing::TempDir dir;
  std::string path;
  auto first = AdminAuth::Load(dir.path(), &path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(path, dir.Sub(kAdminTokenFile));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  std::string token;
  std::ifstream(path) >> token;
  EXPECT_EQ(token.size(), 2 * kTokenRandomBytes);
  EXPECT_TRUE(first->IsOperator(token));
  auto second = AdminAuth::Load(dir.path(), &path);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->IsOperator(token));
}

TEST(TokenHashTest, IsTheHexSha256) {
  // SHA-256("abc") from FIPS 180-2.
  EXPECT_EQ(TokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace auth_test
}  // namespace market4::gateway
