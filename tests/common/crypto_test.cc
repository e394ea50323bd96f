// SHA-256, HMAC and hex against published test vectors.
#include "common/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace market4 {
namespace crypto_test {

std::string Hex(const Sha256Digest& digest) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

TEST(CryptoTest, Sha256Vectors) {  // FIPS 180-2
  EXPECT_EQ(Hex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// The two-part form hashes the concatenation; each thread reuses its own context, so a
// digest on one thread cannot leak into another's.
TEST(CryptoTest, Sha256OfTwoPartsAndOnManyThreads) {
  const std::string million_a(1000000, 'a');  // FIPS 180-2, third vector
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  EXPECT_EQ(Hex(Sha256(million_a)), expected);
  EXPECT_EQ(Hex(Sha256(std::string_view(million_a).substr(0, 1234),
                       std::string_view(million_a).substr(1234))),
            expected);
  EXPECT_EQ(Hex(Sha256("ab", "c")), Hex(Sha256("abc")));
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, &million_a, t] {
      for (int i = 0; i < 20; ++i) seen[t] = Hex(Sha256(million_a));
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& digest : seen) EXPECT_EQ(digest, expected);
}

TEST(CryptoTest, HmacVectors) {  // RFC 4231, test case 2
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha512("Jefe", "what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f"
            "65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(CryptoTest, HexRoundTripAndRefusals) {
  std::string bytes;
  ASSERT_TRUE(HexDecode("00ff7A", &bytes));
  EXPECT_EQ(bytes, std::string("\x00\xff\x7a", 3));
  EXPECT_EQ(HexEncode(bytes), "00ff7a");
  EXPECT_FALSE(HexDecode("abc", &bytes));  // odd length
  EXPECT_FALSE(HexDecode("zz", &bytes));
}

TEST(CryptoTest, Base64Vectors) {  // RFC 4648 §10
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
  std::string ignored;
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!", "Zm 9v", "=Zm9"}) {
    EXPECT_FALSE(Base64Decode(bad, &ignored)) << bad;
  }
}

TEST(CryptoTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "samf"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(CryptoTest, RandomHexHasTheSizeAskedAndDiffers) {
  auto a = RandomHex(16);
  auto b = RandomHex(16);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(a.value(), b.value());
}

}  // namespace crypto_test
}  // namespace market4
