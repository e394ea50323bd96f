// A latency histogram in microseconds with bounded relative error (log-linear buckets, like
// HdrHistogram): exact below 2,048 µs, then 1,024 buckets per power of two (under 0.1 %
// error), up to about 2^40 µs. Record is O(1) and allocation-free after construction.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace market4::bench {

class Histogram {
 public:
  Histogram() : counts_(kBuckets, 0) {}

  void Record(std::int64_t micros) {
    std::uint64_t v = micros < 0 ? 0 : static_cast<std::uint64_t>(micros);
    ++counts_[Bucket(v)];
    ++total_;
    max_ = std::max(max_, v);
  }

  void Add(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t Count() const { return total_; }
  std::int64_t Max() const { return static_cast<std::int64_t>(max_); }

  // The smallest recorded value (to within a bucket) at or below which `percent` % of the
  // values lie; 0 when nothing was recorded.
  std::int64_t Percentile(double percent) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(static_cast<double>(total_) * percent / 100.0 + 0.5);
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return static_cast<std::int64_t>(std::min(UpperBound(i), max_));
    }
    return static_cast<std::int64_t>(max_);
  }

 private:
  static constexpr int kSubBits = 10;                       // 1,024 buckets per power of two
  static constexpr std::uint64_t kLinear = 2u << kSubBits;  // exact below 2,048
  static constexpr int kPowers = 30;
  static constexpr std::size_t kBuckets = kLinear + kPowers * (1u << kSubBits);

  static std::size_t Bucket(std::uint64_t v) {
    if (v < kLinear) return static_cast<std::size_t>(v);
    int msb = 63 - std::countl_zero(v);  // >= kSubBits + 1
    int shift = msb - kSubBits;
    std::size_t power = static_cast<std::size_t>(msb - kSubBits - 1);
    if (power >= kPowers) return kBuckets - 1;
    std::size_t sub = static_cast<std::size_t>((v >> shift) - (1u << kSubBits));
    return kLinear + power * (1u << kSubBits) + sub;
  }

  // The largest value that falls in bucket `i`.
  static std::uint64_t UpperBound(std::size_t i) {
    if (i < kLinear) return i;
    std::size_t power = (i - kLinear) >> kSubBits;
    std::uint64_t sub = (i - kLinear) & ((1u << kSubBits) - 1);
    int shift = static_cast<int>(power) + 1;
    return (((1u << kSubBits) + sub + 1) << shift) - 1;
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace market4::bench
