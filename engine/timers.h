// Private to engine/: the marketplace's timers, by order id: when an unpaid order expires and
// when a shipped order completes by itself. Each order has at most one timer of each kind,
// so cancelling or rescheduling one (a retry after a refused auto-confirm) leaves nothing
// behind. Ordered containers only, so due timers fire in a deterministic order.
// Writer thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace market4::engine {

struct Context;

enum class Timer { kPayDeadline, kAutoConfirm };

class Timers {
 public:
  // Sets `order_id`'s timer of this kind to fire at `at_ns`, replacing any earlier one.
  void Schedule(Timer timer, const std::string& order_id, std::int64_t at_ns);
  void Cancel(Timer timer, const std::string& order_id);
  // The order whose timer of this kind is due first (at or before now_ns), removed; nullopt
  // when none is due.
  std::optional<std::string> TakeDue(Timer timer, std::int64_t now_ns);
  std::size_t size() const { return at_.size(); }

 private:
  std::map<Timer, std::set<std::pair<std::int64_t, std::string>>> due_;
  std::map<std::pair<Timer, std::string>, std::int64_t> at_;
};

// Expires unpaid orders and completes shipped ones whose time has come (timers.cc).
void RunMarketTimers(Context& context);

}  // namespace market4::engine
