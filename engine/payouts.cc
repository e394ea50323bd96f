// Payouts: a merchant withdraws through a provider. The amount leaves `available` at once as
// a pending transfer merchant -> provider.<id> with no timeout (the provider may already have
// paid, so only its word resolves it): payout.succeeded posts it, payout.failed voids it.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "engine/text.h"

namespace market4::engine {
namespace {

std::string TransferId(const v1::Payout& payout) { return "po~" + payout.id(); }

// Tells the merchant's live stream where the payout stands.
void PublishUpdate(Context& context, const v1::Payout& payout) {
  v1::MerchantEvent updated;
  updated.set_merchant_id(payout.merchant_id());
  updated.set_name("payout.updated");
  updated.set_kind("payout");
  updated.set_payout_id(payout.id());
  updated.set_amount(payout.amount());
  updated.set_status(v1::RailStatus_Name(payout.status()));
  PublishMerchantEvent(context, std::move(updated));
}

EventEffect Resolve(Context& context, v1::Payout& payout, const v1::ProviderEvent& event,
                    bool succeeded) {
  Ledger::LedgerOp op = PostPending{TransferId(payout), std::nullopt};
  if (!succeeded) op = VoidPending{TransferId(payout)};
  auto moved = context.ledger.ApplyInternal({op}, context.now, &context.batch);
  if (!moved.ok()) return LedgerRefused(moved.status());
  payout.set_status(succeeded ? v1::SUCCEEDED : v1::FAILED);
  payout.set_provider_txn_id(event.provider_txn_id());
  *payout.mutable_updated_at() = At(context.now);
  PutRail(context, payout.id(), payout);
  PublishUpdate(context, payout);
  return Applied();
}

EventEffect Apply(Context& context, v1::Payout& payout, const v1::ProviderEvent& event) {
  bool succeeded = event.type() == kPayoutSucceeded;
  switch (payout.status()) {
    case v1::PENDING:
      if (succeeded && event.amount() != payout.amount()) return Exceptional("AMOUNT_MISMATCH");
      return Resolve(context, payout, event, succeeded);
    case v1::SUCCEEDED:
      return Exceptional(succeeded ? "ALREADY_SUCCEEDED" : "FAILURE_AFTER_SUCCESS");
    default:
      return succeeded ? Exceptional("SUCCESS_AFTER_FAILURE") : Duplicate();
  }
}

}  // namespace

Answer<v1::Payout> RequestPayout::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  const std::string scope = CallerScope({Role::kMerchant, merchant_id});
  const std::string fingerprint = Fingerprint("payout", "", request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::Payout>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  if (!market.merchants.count(merchant_id)) return NotFound("merchant", merchant_id);
  if (Status s = RequireProvider(context, request.provider()); !s.ok()) return s;
  if (request.amount() <= 0) return InvalidField("amount must be greater than zero", "amount");
  auto destination = CleanText(request.destination(), {"destination", kMaxDestinationChars});
  if (!destination.ok()) return destination.status();
  v1::Payout payout;
  payout.set_id(id);
  payout.set_merchant_id(merchant_id);
  payout.set_provider(request.provider());
  payout.set_amount(request.amount());
  payout.set_destination(destination.value());
  payout.set_status(v1::PENDING);
  *payout.mutable_created_at() = At(context.now);
  *payout.mutable_updated_at() = At(context.now);
  auto moved = context.ledger.ApplyInternal(
      {MarketTransfer(TransferId(payout), AvailableAccount(merchant_id),
                      ProviderAccount(payout.provider()), payout.amount(), kCodePayout, true)},
      context.now, &context.batch);
  if (!moved.ok()) return moved.status();
  PutRail(context, id, payout);
  IndexRail(context, id, {PayoutsOwner(merchant_id), kAllPayoutsOwner});
  PublishUpdate(context, payout);
  market.idempotency.Remember(scope, idempotency_key, fingerprint, payout, &context.batch);
  return payout;
}

Result<EventEffect> ApplyPayoutEvent(Context& context, const v1::ProviderEvent& event) {
  if (!IsReferenceOf(event.reference(), kPayoutPrefix)) return Exceptional("UNKNOWN_REFERENCE");
  auto found = FindRail<v1::Payout>(context, event.reference());
  if (!found.ok()) return found.status();
  if (!found.value() || found.value()->provider() != event.provider()) {
    return Exceptional("UNKNOWN_REFERENCE");
  }
  return Apply(context, *found.value(), event);
}

}  // namespace market4::engine
