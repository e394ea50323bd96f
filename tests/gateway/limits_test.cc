// The abuse limits' buckets on a clock the test moves: bursts, refill, the wait they report,
// keys kept apart, a refused request spending nothing, and the bound on remembered keys.
#include "gateway/limits.h"

#include <gtest/gtest.h>

#include <string>

namespace market4::gateway {
namespace limits_test {

using std::chrono::milliseconds;
using std::chrono::seconds;

const LimitClock::time_point kStart = LimitClock::time_point() + std::chrono::hours(1);

TEST(TokenBucketsTest, ABurstThenOnePerRefill) {
  TokenBuckets buckets(/*rate=*/2, /*burst=*/4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(buckets.Take("a", kStart), 0) << i;
  // Empty: one token comes back every half second, and the wait says so (rounded up).
  EXPECT_EQ(buckets.Take("a", kStart), 1);
  EXPECT_EQ(buckets.Take("a", kStart + milliseconds(400)), 1);
  EXPECT_EQ(buckets.Take("a", kStart + milliseconds(500)), 0);
  EXPECT_EQ(buckets.Take("a", kStart + milliseconds(500)), 1);
  // Another key has its own bucket.
  EXPECT_EQ(buckets.Take("b", kStart), 0);
  // A long pause refills to the burst, not beyond.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(buckets.Take("a", kStart + seconds(60)), 0) << i;
  EXPECT_GT(buckets.Take("a", kStart + seconds(60)), 0);
}

TEST(TokenBucketsTest, SlowRatesReportTheWholeWait) {
  TokenBuckets buckets(/*rate=*/20.0 / 3600, /*burst=*/20);  // 20 an hour
  for (int i = 0; i < 20; ++i) EXPECT_EQ(buckets.Take("x", kStart), 0);
  EXPECT_EQ(buckets.Take("x", kStart), 180);  // one every three minutes
  EXPECT_EQ(buckets.Wait("x", kStart + seconds(100)), 80);
  EXPECT_EQ(buckets.Take("x", kStart + seconds(180)), 0);
}

TEST(TokenBucketsTest, WaitTakesNothing) {
  TokenBuckets buckets(1, 1);
  EXPECT_EQ(buckets.Wait("a", kStart), 0);
  EXPECT_EQ(buckets.Wait("a", kStart), 0);
  EXPECT_EQ(buckets.Take("a", kStart), 0);
  EXPECT_EQ(buckets.Wait("a", kStart), 1);
}

TEST(TokenBucketsTest, ARateOfZeroIsOff) {
  TokenBuckets buckets(0, 0);
  EXPECT_FALSE(buckets.enabled());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(buckets.Take("a", kStart), 0);
}

// A flood of new keys (spoofed-looking addresses, IPv6 /64s) cannot grow memory without
// bound; the keys forgotten are full buckets, which behave as if never seen.
TEST(TokenBucketsTest, RemembersABoundedNumberOfKeys) {
  TokenBuckets buckets(1, 2);
  buckets.Take("hot", kStart);
  buckets.Take("hot", kStart);
  for (std::size_t i = 0; i < TokenBuckets::kMaxKeys * 2; ++i) {
    EXPECT_EQ(buckets.Take("k" + std::to_string(i), kStart + seconds(10)), 0);
  }
  EXPECT_LE(buckets.size(), TokenBuckets::kMaxKeys);
}

TEST(AbuseLimitsTest, RequestsAndRegistrationsPerAddress) {
  LimitOptions options;
  options.requests_per_address = 5;  // bursts of 10
  options.registrations_per_address_hour = 3;
  AbuseLimits limits(options);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limits.ChargeRegistration("a", kStart));
  Refusal refused = limits.ChargeRegistration("a", kStart);
  EXPECT_EQ(refused.limit, "registrations-per-address-hour");
  EXPECT_EQ(refused.wait_seconds, 1200);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limits.ChargeAddress("a", kStart));
  refused = limits.ChargeAddress("a", kStart);
  EXPECT_EQ(refused.limit, "requests-per-address");
  EXPECT_EQ(refused.wait_seconds, 1);
  // Another address is untouched.
  EXPECT_FALSE(limits.ChargeAddress("b", kStart));
  EXPECT_FALSE(limits.ChargeRegistration("b", kStart));
}

TEST(AbuseLimitsTest, AuthenticationFailuresBlockTheAddress) {
  LimitOptions options;
  options.auth_failures_per_address_minute = 2;
  AbuseLimits limits(options);
  EXPECT_FALSE(limits.AuthenticationBlocked("a", kStart));
  limits.AuthenticationFailed("a", kStart);
  EXPECT_FALSE(limits.AuthenticationBlocked("a", kStart));
  limits.AuthenticationFailed("a", kStart);
  Refusal blocked = limits.AuthenticationBlocked("a", kStart);
  EXPECT_EQ(blocked.limit, "auth-failures-per-address-minute");
  EXPECT_EQ(blocked.wait_seconds, 30);
  EXPECT_FALSE(limits.AuthenticationBlocked("a", kStart + seconds(30)));
  EXPECT_FALSE(limits.AuthenticationBlocked("b", kStart));
}

TEST(AbuseLimitsTest, TokensAndCallbacksHaveBucketsOfTheirOwn) {
  LimitOptions options;
  options.requests_per_token = 1;
  options.callbacks_per_address = 1;
  AbuseLimits limits(options);
  EXPECT_FALSE(limits.ChargeToken("buyer:b_1", kStart));
  EXPECT_FALSE(limits.ChargeToken("buyer:b_1", kStart));
  EXPECT_EQ(limits.ChargeToken("buyer:b_1", kStart).limit, "requests-per-token");
  EXPECT_TRUE(limits.ChargeToken("buyer:b_1", kStart));
  EXPECT_FALSE(limits.ChargeToken("buyer:b_2", kStart));
  EXPECT_FALSE(limits.ChargeCallback("203.0.113.1", kStart));
  EXPECT_FALSE(limits.ChargeCallback("203.0.113.1", kStart));
  EXPECT_EQ(limits.ChargeCallback("203.0.113.1", kStart).limit, "callbacks-per-address");
  EXPECT_FALSE(limits.ChargeCallback("203.0.113.2", kStart));
  // Callbacks and other requests from one address spend different buckets.
  EXPECT_FALSE(limits.ChargeAddress("203.0.113.1", kStart));
}

}  // namespace limits_test
}  // namespace market4::gateway
