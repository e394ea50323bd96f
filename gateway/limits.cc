#include "gateway/limits.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace market4::gateway {

std::size_t TokenBuckets::size() {
  std::size_t total = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

long TokenBuckets::Take(std::string_view key, LimitClock::time_point now) {
  return Spend(key, now, true);
}

long TokenBuckets::Wait(std::string_view key, LimitClock::time_point now) {
  return Spend(key, now, false);
}

long TokenBuckets::Spend(std::string_view key, LimitClock::time_point now, bool take) {
  if (!enabled()) return 0;
  Shard& shard = shards_[std::hash<std::string_view>()(key) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (!take) return 0;  // a bucket never seen is full
    if (shard.buckets.size() >= kMaxKeys / kShards) Forget(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{burst_, now, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  if (take) bucket.last_used = std::max(bucket.last_used, now);
  if (bucket.tokens >= 1) {
    if (take) bucket.tokens -= 1;
    return 0;
  }
  return std::max(1L, static_cast<long>(std::ceil((1 - bucket.tokens) / rate_)));
}

void TokenBuckets::Refill(Bucket& bucket, LimitClock::time_point now) const {
  if (now <= bucket.updated) return;
  double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(burst_, bucket.tokens + seconds * rate_);
  bucket.updated = now;
}

void TokenBuckets::Forget(Shard& shard, LimitClock::time_point now) {
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    Refill(it->second, now);
    it = it->second.tokens >= burst_ ? shard.buckets.erase(it) : std::next(it);
  }
  if (shard.buckets.size() < kMaxKeys / kShards / 2) return;
  // Still too many draining: forget the half whose last use is oldest.
  std::vector<LimitClock::time_point> used;
  used.reserve(shard.buckets.size());
  for (const auto& [key, bucket] : shard.buckets) used.push_back(bucket.last_used);
  auto middle = used.begin() + static_cast<std::ptrdiff_t>(used.size() / 2);
  std::nth_element(used.begin(), middle, used.end());
  LimitClock::time_point cut = *middle;
  std::erase_if(shard.buckets, [cut](const auto& entry) { return entry.second.last_used <= cut; });
}

namespace {

// Refilled at `per_second`, holding `burst_seconds` of it.
TokenBuckets Buckets(std::int64_t count, double per_seconds, double burst_seconds) {
  double rate = static_cast<double>(count) / per_seconds;
  return TokenBuckets(rate, rate * burst_seconds);
}

}  // namespace

AbuseLimits::AbuseLimits(const LimitOptions& options)
    : requests_(Buckets(options.requests_per_address, 1, 2)),
      tokens_(Buckets(options.requests_per_token, 1, 2)),
      registrations_(Buckets(options.registrations_per_address_hour, 3600, 3600)),
      auth_failures_(Buckets(options.auth_failures_per_address_minute, 60, 60)),
      callbacks_(Buckets(options.callbacks_per_address, 1, 2)) {}

Refusal AbuseLimits::ChargeAddress(std::string_view address, LimitClock::time_point now) {
  return {"requests-per-address", requests_.Take(address, now)};
}

Refusal AbuseLimits::ChargeRegistration(std::string_view address, LimitClock::time_point now) {
  return {"registrations-per-address-hour", registrations_.Take(address, now)};
}

Refusal AbuseLimits::ChargeToken(std::string_view principal, LimitClock::time_point now) {
  return {"requests-per-token", tokens_.Take(principal, now)};
}

Refusal AbuseLimits::ChargeCallback(std::string_view address, LimitClock::time_point now) {
  return {"callbacks-per-address", callbacks_.Take(address, now)};
}

Refusal AbuseLimits::AuthenticationBlocked(std::string_view address, LimitClock::time_point now) {
  return {"auth-failures-per-address-minute", auth_failures_.Wait(address, now)};
}

void AbuseLimits::AuthenticationFailed(std::string_view address, LimitClock::time_point now) {
  auth_failures_.Take(address, now);
}

}  // namespace market4::gateway
