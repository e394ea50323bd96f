#include "engine/timers.h"

#include <spdlog/spdlog.h>

#include "common/assert.h"
#include "engine/context.h"
#include "engine/market.h"
#include "engine/orders.h"

namespace market4::engine {

void Timers::Schedule(Timer timer, const std::string& order_id, std::int64_t at_ns) {
  Cancel(timer, order_id);
  due_[timer].emplace(at_ns, order_id);
  at_[{timer, order_id}] = at_ns;
}

void Timers::Cancel(Timer timer, const std::string& order_id) {
  auto it = at_.find({timer, order_id});
  if (it == at_.end()) return;
  due_[timer].erase({it->second, order_id});
  at_.erase(it);
}

std::optional<std::string> Timers::TakeDue(Timer timer, std::int64_t now_ns) {
  auto& queue = due_[timer];
  if (queue.empty() || queue.begin()->first > now_ns) return std::nullopt;
  std::string id = queue.begin()->second;
  queue.erase(queue.begin());
  at_.erase({timer, id});
  return id;
}

namespace {

v1::Order& OpenOrder(Context& context, const std::string& id) {
  auto found = context.market.orders.Find(id);
  M4_ASSERT(found.ok() && found.value(), "a timer names an order that cannot be read");
  return *found.value();
}

void ExpireUnpaid(Context& context) {
  while (auto id = context.market.timers.TakeDue(Timer::kPayDeadline, context.now)) {
    v1::Order order = OpenOrder(context, *id);
    M4_ASSERT(order.status() == v1::PENDING_PAYMENT, "a pay deadline outlived its order's wait");
    ExpireOrder(context, order);
    context.market.orders.Put(order, &context.batch);
  }
}

// Settling moves only money the escrow holds, so a rule can refuse it only when an operator's
// own transfers pushed an account to a limit. Keep the order SHIPPED and try again later
// rather than stop the market; a broken ledger (kInternal) stops the process.
void AutoConfirm(Context& context) {
  while (auto id = context.market.timers.TakeDue(Timer::kAutoConfirm, context.now)) {
    v1::Order order = OpenOrder(context, *id);
    M4_ASSERT(order.status() == v1::SHIPPED, "an auto-confirm timer outlived its shipment");
    Status s = SettleOrder(context, order, Actor::kSystem);
    M4_ASSERT(s.code() != Code::kInternal, s.ToString());
    if (!s.ok()) {
      spdlog::error("auto-confirm of order {} refused, retrying in {} s: {}", *id,
                    kAutoConfirmRetry.count(), s.ToString());
      context.market.timers.Schedule(Timer::kAutoConfirm, *id,
                                     context.now + Nanos(kAutoConfirmRetry));
      continue;
    }
    context.market.orders.Put(order, &context.batch);
  }
}

}  // namespace

void RunMarketTimers(Context& context) {
  ExpireUnpaid(context);
  AutoConfirm(context);
}

}  // namespace market4::engine
