// Private to engine/: the order state machine's transitions that more than one command file
// needs (timers.cc settles and expires orders too).
//
//   PENDING_PAYMENT --pay--> PAID --ship--> SHIPPED --confirm / auto--> COMPLETED
//        |                    |
//        +--cancel / expire   +--cancel--> CANCELLED (payment voided, stock released)
//
// Writer thread only.
#pragma once

#include "common/status.h"
#include "market4/v1/market.pb.h"

namespace market4::engine {

struct Context;

// Who made an order change, as its timeline shows it.
enum class Actor { kBuyer, kMerchant, kOperator, kSystem };
const char* ActorName(Actor actor);  // "buyer", "merchant", "operator", "system"

// SHIPPED -> COMPLETED: posts the escrowed payment; the merchant gets total - commission and
// the platform the commission, atomically. Refused (order unchanged) in any other state.
Status SettleOrder(Context& context, v1::Order& order, Actor by);
// PENDING_PAYMENT -> EXPIRED: releases the stock.
void ExpireOrder(Context& context, v1::Order& order);

}  // namespace market4::engine
