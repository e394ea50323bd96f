// Top-ups: a buyer asks a provider to put money in the wallet. The request only records the
// intent (PENDING); the provider's topup.succeeded moves provider.<id> -> wallet, and
// topup.failed closes it with no money moved.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"

namespace market4::engine {
namespace {

void Settle(Context& context, v1::TopUp& top_up, v1::RailStatus status,
            const v1::ProviderEvent& event) {
  top_up.set_status(status);
  top_up.set_provider_txn_id(event.provider_txn_id());
  *top_up.mutable_updated_at() = At(context.now);
  PutRail(context, top_up.id(), top_up);
}

EventEffect Succeed(Context& context, v1::TopUp& top_up, const v1::ProviderEvent& event) {
  if (top_up.status() == v1::FAILED) return Exceptional("SUCCESS_AFTER_FAILURE");
  if (top_up.status() == v1::SUCCEEDED) return Exceptional("ALREADY_SUCCEEDED");
  if (event.amount() != top_up.amount()) return Exceptional("AMOUNT_MISMATCH");
  auto moved = context.ledger.ApplyInternal(
      {MarketTransfer("tu~" + top_up.id(), ProviderAccount(top_up.provider()),
                      WalletAccount(top_up.buyer_id()), top_up.amount(), kCodeTopUp)},
      context.now, &context.batch);
  if (!moved.ok()) return LedgerRefused(moved.status());
  Settle(context, top_up, v1::SUCCEEDED, event);
  return Applied();
}

EventEffect Fail(Context& context, v1::TopUp& top_up, const v1::ProviderEvent& event) {
  if (top_up.status() == v1::SUCCEEDED) return Exceptional("FAILURE_AFTER_SUCCESS");
  if (top_up.status() == v1::FAILED) return Duplicate();
  Settle(context, top_up, v1::FAILED, event);
  return Applied();
}

}  // namespace

Answer<v1::TopUp> RequestTopUp::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  const std::string scope = CallerScope({Role::kBuyer, buyer_id});
  const std::string fingerprint = Fingerprint("topup", "", request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::TopUp>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  if (!market.buyers.count(buyer_id)) return NotFound("buyer", buyer_id);
  if (Status s = RequireProvider(context, request.provider()); !s.ok()) return s;
  if (request.amount() <= 0) return InvalidField("amount must be greater than zero", "amount");
  v1::TopUp top_up;
  top_up.set_id(id);
  top_up.set_buyer_id(buyer_id);
  top_up.set_provider(request.provider());
  top_up.set_amount(request.amount());
  top_up.set_status(v1::PENDING);
  *top_up.mutable_created_at() = At(context.now);
  *top_up.mutable_updated_at() = At(context.now);
  PutRail(context, id, top_up);
  IndexRail(context, id, {TopUpsOwner(buyer_id)});
  market.idempotency.Remember(scope, idempotency_key, fingerprint, top_up, &context.batch);
  return top_up;
}

Result<EventEffect> ApplyTopUpEvent(Context& context, const v1::ProviderEvent& event) {
  if (!IsReferenceOf(event.reference(), kTopUpPrefix)) return Exceptional("UNKNOWN_REFERENCE");
  auto found = FindRail<v1::TopUp>(context, event.reference());
  if (!found.ok()) return found.status();
  if (!found.value() || found.value()->provider() != event.provider()) {
    return Exceptional("UNKNOWN_REFERENCE");
  }
  v1::TopUp& top_up = *found.value();
  if (event.type() == kTopUpSucceeded) return Succeed(context, top_up, event);
  return Fail(context, top_up, event);
}

}  // namespace market4::engine
