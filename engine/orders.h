// Private to engine/: the order state machine's transitions that more than one command file
// needs (timers.cc settles and expires orders too).
//
//   PENDING_PAYMENT --pay (wallet, or a provider's payment.succeeded)--> PAID --ship--> SHIPPED
//   --confirm / auto--> COMPLETED
//        |                    |
//        +--cancel / expire   +--cancel--> CANCELLED (payment voided, stock released)
//
// Writer thread only.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"

namespace market4::engine {

struct Context;

// Who made an order change, as its timeline shows it.
enum class Actor { kBuyer, kMerchant, kOperator, kProvider, kSystem };
const char* ActorName(Actor actor);  // "buyer", "merchant", "operator", "provider", "system"

// Appends an event to the order's timeline.
void AddOrderEvent(v1::Order& order, const char* event, Actor by, std::int64_t now,
                   std::int64_t amount = 0);
// PENDING_PAYMENT -> PAID: holds the total, wallet -> escrow, as a pending transfer. With
// `credit_first`, that transfer (a provider's money into the wallet) is applied with it as one
// unit. Refused (order and ledger unchanged) in any other state or if the wallet is short.
Status PayOrder(Context& context, v1::Order& order, const v1::NewTransfer* credit_first, Actor by);
// Starts a payment through `provider` (provider_payments.cc): the order waits for the
// provider's event and does not expire meanwhile.
Status StartProviderPayment(Context& context, v1::Order& order, const std::string& provider,
                            const std::string& payment_id);
// FAILED_PRECONDITION naming the order's status.
Status WrongState(const v1::Order& order, const std::string& what);

// SHIPPED -> COMPLETED: posts the escrowed payment; the merchant gets total - commission and
// the platform the commission, atomically. Refused (order unchanged) in any other state.
Status SettleOrder(Context& context, v1::Order& order, Actor by);
// PENDING_PAYMENT -> EXPIRED: releases the stock.
void ExpireOrder(Context& context, v1::Order& order);

}  // namespace market4::engine
