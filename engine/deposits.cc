// Money in: cash taken at the operator's desk credits a buyer's wallet. The payment rails
// (provider top-ups) come in beside this file, each its own way of crediting a wallet.
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"

namespace market4::engine {

Answer<v1::Deposit> MakeDeposit::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  Market& market = context.market;
  const std::string scope = CallerScope(caller);
  const std::string fingerprint = Fingerprint("deposit", buyer_id, request.SerializeAsString());
  auto replay = market.idempotency.Recall<v1::Deposit>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  if (!market.buyers.count(buyer_id)) return NotFound("buyer", buyer_id);
  if (request.amount() <= 0) return InvalidField("amount must be greater than zero", "amount");
  std::string transfer_id = "d~" + std::to_string(context.ledger.next_sequence());
  auto moved = context.ledger.ApplyInternal(
      {MarketTransfer(transfer_id, kCashDeskAccount, WalletAccount(buyer_id), request.amount(),
                      kCodeDeposit)},
      context.now, &context.batch, {caller.id, ""});
  if (!moved.ok()) return moved.status();
  v1::Deposit deposit;
  deposit.set_buyer_id(buyer_id);
  deposit.set_amount(request.amount());
  deposit.set_transfer_id(transfer_id);
  deposit.set_entered_by(caller.id);
  *deposit.mutable_created_at() = At(context.now);
  market.idempotency.Remember(scope, idempotency_key, fingerprint, deposit, &context.batch);
  return deposit;
}

}  // namespace market4::engine
