// Key encodings: sequences are 8 big-endian bytes, so byte order is numeric order, and index
// keys sort by owner first and then by sequence, with no owner's range bleeding into another's.
#include "storage/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace market4::storage {
namespace keys_test {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(KeysTest, EncodeSequenceIsEightBytesMostSignificantFirst) {
  EXPECT_EQ(EncodeSequence(0x0102030405060708), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(EncodeSequence(0), std::string(8, '\0'));
  EXPECT_EQ(EncodeSequence(kMax), std::string(8, '\xff'));
  EXPECT_EQ(EncodeSequence(256), std::string("\0\0\0\0\0\0\x01\x00", 8));
}

TEST(KeysTest, DecodeSequenceRoundTrips) {
  for (std::uint64_t value :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{255}, std::uint64_t{256},
        std::uint64_t{1} << 32, std::uint64_t{0x8000000000000000}, kMax - 1, kMax}) {
    auto decoded = DecodeSequence(EncodeSequence(value));
    ASSERT_TRUE(decoded.has_value()) << value;
    EXPECT_EQ(*decoded, value);
  }
}

TEST(KeysTest, DecodeSequenceRejectsWrongSizes) {
  EXPECT_FALSE(DecodeSequence("").has_value());
  EXPECT_FALSE(DecodeSequence(std::string(7, '\x01')).has_value());
  EXPECT_FALSE(DecodeSequence(std::string(9, '\x01')).has_value());
  EXPECT_FALSE(DecodeSequence(IndexKey("a", 1)).has_value());
}

TEST(KeysTest, ByteOrderIsNumericOrder) {
  // std::string compares bytes as unsigned, like RocksDB's bytewise comparator.
  std::vector<std::uint64_t> values = {
      kMax, 0, 256, 255, 1, std::uint64_t{1} << 63, 65'536, (std::uint64_t{1} << 63) - 1};
  std::vector<std::string> keys;
  for (auto v : values) keys.push_back(EncodeSequence(v));
  std::sort(values.begin(), values.end());
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(*DecodeSequence(keys[i]), values[i]);
}

TEST(KeysTest, IndexKeyIsPrefixThenSequence) {
  EXPECT_EQ(IndexPrefix("alice"), std::string("alice\0", 6));
  std::string key = IndexKey("alice", 42);
  ASSERT_EQ(key.size(), IndexPrefix("alice").size() + 8);
  EXPECT_EQ(key.substr(0, 6), IndexPrefix("alice"));
  EXPECT_EQ(DecodeSequence(std::string_view(key).substr(6)), 42u);
}

TEST(KeysTest, IndexKeysSortByOwnerThenSequence) {
  EXPECT_LT(IndexKey("a", 2), IndexKey("a", 10));
  EXPECT_LT(IndexKey("a", 255), IndexKey("a", 256));
  // The 0x00 separator keeps every key of "a" before every key of "ab" or "b".
  EXPECT_LT(IndexKey("a", kMax), IndexKey("ab", 0));
  EXPECT_LT(IndexKey("a", kMax), IndexKey("b", 0));
  EXPECT_LT(IndexPrefix("a"), IndexKey("a", 0));
}

TEST(KeysTest, PrefixScanSeesOnlyItsOwner) {
  const std::string prefix = IndexPrefix("a");
  auto starts_with = [&](const std::string& key) { return key.rfind(prefix, 0) == 0; };
  EXPECT_TRUE(starts_with(IndexKey("a", 0)));
  EXPECT_TRUE(starts_with(IndexKey("a", kMax)));
  EXPECT_FALSE(starts_with(IndexKey("ab", 1)));
  EXPECT_FALSE(starts_with(IndexKey("b", 1)));
  EXPECT_FALSE(starts_with(IndexKey("", 1)));
}

}  // namespace keys_test
}  // namespace market4::storage
