// Abuse limits: how much one client address, one merchant or buyer token, and one payment
// provider may ask of market4d. Each limit is a named token bucket kept in memory by the
// gateway (limits are not ledger state: a restart forgets them, and replicas need not agree
// on them). A request over a limit is answered 429 RATE_LIMITED with Retry-After and changes
// nothing. Thread-safe; any I/O thread.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/limits.h"

namespace market4::gateway {

using LimitClock = std::chrono::steady_clock;

// Every limit's rate; 0 turns that limit off. Defaults allow a whole village behind one
// carrier NAT address, but not one script acting as a thousand buyers.
struct LimitOptions {
  // Requests per second from one client address (IPv6: a /64), bursts of twice as many.
  // Provider callbacks are not counted here. Default 1,000.
  std::int64_t requests_per_address = kDefaultRequestsPerAddress;
  // Requests per second from one merchant or buyer token, bursts of twice as many. Operators
  // are staff and are not limited per token. Default 50.
  std::int64_t requests_per_token = kDefaultRequestsPerToken;
  // Buyer registrations (POST /v1/buyers) per hour from one client address, all of them
  // usable at once. Default 20.
  std::int64_t registrations_per_address_hour = kDefaultRegistrationsPerAddressHour;
  // Failed authentications (a Bearer token that is not valid) per minute from one client
  // address, all usable at once; beyond them every Bearer request from that address gets
  // 429 until some age out, valid token or not. Default 20.
  std::int64_t auth_failures_per_address_minute = kDefaultAuthFailuresPerAddressMinute;
  // Signed-callback requests per second from one address (a provider's servers), bursts of
  // twice as many: a bucket of their own, which public traffic from other addresses never
  // spends (a provider's name in the path is not trusted before its signature is checked).
  // Default 500.
  std::int64_t callbacks_per_address = kDefaultCallbacksPerAddress;
};

// Buckets by key, each holding up to `burst` tokens and refilled at `rate` per second. It
// keeps at most kMaxKeys keys: past that it forgets the buckets that are full again (a full
// bucket and a forgotten one behave alike), and if too many are still draining, the half
// untouched longest. A flood of new keys can thus make it forget old drained buckets, never
// grow without bound.
class TokenBuckets {
 public:
  static constexpr std::size_t kMaxKeys = 100'000;
  TokenBuckets(double rate, double burst) : rate_(rate), burst_(burst) {}

  bool enabled() const { return rate_ > 0; }
  // Keys remembered now (for tests).
  std::size_t size();
  // Takes one token from `key`'s bucket. Returns 0 if it had one, else the seconds until it
  // will have one (rounded up, at least 1).
  long Take(std::string_view key, LimitClock::time_point now);
  // Seconds until `key`'s bucket has a token (0 if it has one now), taking nothing.
  long Wait(std::string_view key, LimitClock::time_point now);

 private:
  struct Bucket {
    double tokens;
    LimitClock::time_point updated;    // of `tokens`
    LimitClock::time_point last_used;  // last Take, for forgetting the idlest first
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  long Spend(std::string_view key, LimitClock::time_point now, bool take);
  void Refill(Bucket& bucket, LimitClock::time_point now) const;
  void Forget(Shard& shard, LimitClock::time_point now);

  double rate_;
  double burst_;
  std::array<Shard, kShards> shards_;
};

// What a request is charged for, besides its request.
enum class Charge { kRequest, kRegistration };

// A limit that refused a request: its name (the option's) and the seconds to wait. Empty
// (false) when the request may go on.
struct Refusal {
  std::string_view limit;
  long wait_seconds = 0;
  explicit operator bool() const { return wait_seconds > 0; }
};

// The gateway's limits, one bucket family each. Each Charge spends from the buckets it names
// only if none of them refuses.
class AbuseLimits {
 public:
  explicit AbuseLimits(const LimitOptions& options = {});

  // A request from a client address (callbacks are charged with ChargeCallback instead).
  Refusal ChargeAddress(std::string_view address, LimitClock::time_point now);
  // A buyer registration from an address, once the request is admitted.
  Refusal ChargeRegistration(std::string_view address, LimitClock::time_point now);
  // From a merchant or buyer ("buyer:b_...").
  Refusal ChargeToken(std::string_view principal, LimitClock::time_point now);
  // A provider callback, by the address it came from.
  Refusal ChargeCallback(std::string_view address, LimitClock::time_point now);
  // Before a token is checked: refused if `address` failed too often lately.
  Refusal AuthenticationBlocked(std::string_view address, LimitClock::time_point now);
  // After a token proved not valid.
  void AuthenticationFailed(std::string_view address, LimitClock::time_point now);

 private:
  TokenBuckets requests_;
  TokenBuckets tokens_;
  TokenBuckets registrations_;
  TokenBuckets auth_failures_;
  TokenBuckets callbacks_;
};

}  // namespace market4::gateway
