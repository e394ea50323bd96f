// Two-phase transfers: a pending transfer reserves money on both accounts; posting it (in
// full or in part) moves the money, voiding it or letting it time out releases it. Each
// resolution is a new immutable entry with a derived id ("p1~post"), so a pending transfer
// is resolved at most once and a retry of the same resolution is recognised.
#include "common/assert.h"
#include "engine/context.h"
#include "engine/ledger.h"

namespace market4::engine {

Answer<v1::Transfer> PostPending::Apply(Context& context) const {
  return context.ledger.Resolve(pending_id, v1::TRANSFER_KIND_POST_PENDING, amount, context.now,
                                &context.batch);
}

Answer<v1::Transfer> VoidPending::Apply(Context& context) const {
  return context.ledger.Resolve(pending_id, v1::TRANSFER_KIND_VOID_PENDING, std::nullopt,
                                context.now, &context.batch);
}

Answer<v1::Transfer> Ledger::Resolve(const std::string& pending_id, v1::TransferKind kind,
                                     std::optional<std::int64_t> amount, std::int64_t now_ns,
                                     storage::Batch* batch, const Attribution& attribution) {
  if (!IsValidId(pending_id)) {
    return Status(Code::kNotFound, "no transfer with this id")
        .WithDetail("transfer_id", pending_id);
  }
  if (amount && *amount <= 0) {
    return Status(Code::kInvalidArgument, "amount must be greater than zero")
        .WithDetail("field", "amount");
  }
  auto replay = CheckResolutionReplay(pending_id, kind, amount);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto it = pending_.find(pending_id);
  if (it == pending_.end()) return NotPending(pending_id);
  std::int64_t pending_amount = it->second.record.amount();
  if (amount && *amount > pending_amount) {
    return Status(Code::kAmountExceedsPending, "amount exceeds the pending amount")
        .WithDetail("pending_amount", std::to_string(pending_amount));
  }
  Txn txn = NewTxn(attribution);
  Status s = ApplyResolution(it->second, kind, amount.value_or(pending_amount), amount.value_or(0),
                             now_ns, &txn);
  if (!s.ok()) return s;
  v1::Transfer view = TransferView(*txn.records.front(), v1::TRANSFER_STATUS_COMPLETED);
  if (batch) Commit(txn, batch);
  return view;
}

// Why `pending_id`, which is not an open pending transfer, cannot be resolved.
Status Ledger::NotPending(const std::string& pending_id) {
  auto existing = FindTransfer(pending_id);
  if (!existing.ok()) return existing.status();
  if (!existing.value()) {
    return Status(Code::kNotFound, "no transfer with this id")
        .WithDetail("transfer_id", pending_id);
  }
  return Status(Code::kPendingNotFound, "the transfer is not pending")
      .WithDetail("transfer_id", pending_id);
}

// The earlier resolution if this one repeats it exactly; an error if another resolution
// already happened; nullopt if the transfer is unresolved.
Result<std::optional<v1::Transfer>> Ledger::CheckResolutionReplay(
    const std::string& pending_id, v1::TransferKind kind, std::optional<std::int64_t> amount) {
  for (v1::TransferKind existing_kind : kResolutionKinds) {
    auto existing = FindTransfer(ResolutionId(pending_id, existing_kind));
    if (!existing.ok()) return existing.status();
    if (!existing.value()) continue;
    const v1::TransferRecord& record = *existing.value();
    bool same = existing_kind == kind && record.requested_amount() == amount.value_or(0);
    if (!same) {
      return Status(ResolvedCode(existing_kind), "the pending transfer is already resolved")
          .WithDetail("transfer_id", pending_id)
          .WithDetail("resolution_id", record.id());
    }
    return std::optional<v1::Transfer>(TransferView(record, v1::TRANSFER_STATUS_COMPLETED));
  }
  return std::optional<v1::Transfer>();
}

Status Ledger::ApplyResolution(const Pending& pending, v1::TransferKind kind, std::int64_t amount,
                               std::int64_t requested, std::int64_t now_ns, Txn* txn) {
  const v1::TransferRecord& p = pending.record;
  v1::AccountRecord* debit = FindAccount(txn, p.debit_account_id());
  v1::AccountRecord* credit = FindAccount(txn, p.credit_account_id());
  M4_ASSERT(debit && credit && debit->debits_pending() >= p.amount() &&
                credit->credits_pending() >= p.amount(),
            "pending balances do not cover a pending transfer");
  debit->set_debits_pending(debit->debits_pending() - p.amount());
  credit->set_credits_pending(credit->credits_pending() - p.amount());
  if (kind == v1::TRANSFER_KIND_POST_PENDING) {
    if (Status s = Debit(debit, amount, false); !s.ok()) return s;
    if (Status s = Credit(credit, amount, false); !s.ok()) return s;
  }
  v1::TransferRecord& record = NewRecord(txn);
  record.set_id(ResolutionId(p.id(), kind));
  record.set_debit_account_id(p.debit_account_id());
  record.set_credit_account_id(p.credit_account_id());
  record.set_amount(amount);
  record.set_code(p.code());
  record.set_kind(kind);
  record.set_pending_id(p.id());
  record.set_currency(p.currency());
  record.set_timestamp_ns(now_ns);
  record.set_requested_amount(requested);
  return Status::Ok();
}

// A market command's post or void always resolves the full amount of a transfer that the
// market itself made pending; anything else is a bug.
Status Ledger::ApplyInternalResolution(const LedgerOp& op, std::int64_t now_ns, Txn* txn) {
  bool post = std::holds_alternative<PostPending>(op);
  const std::string& id =
      post ? std::get<PostPending>(op).pending_id : std::get<VoidPending>(op).pending_id;
  auto it = pending_.find(id);
  M4_ASSERT(it != pending_.end(), "the market resolves a transfer that is not pending");
  v1::TransferKind kind = post ? v1::TRANSFER_KIND_POST_PENDING : v1::TRANSFER_KIND_VOID_PENDING;
  return ApplyResolution(it->second, kind, it->second.record.amount(), 0, now_ns, txn);
}

std::size_t Ledger::ExpireDue(std::int64_t now_ns, storage::Batch* batch) {
  std::size_t expired = 0;
  while (!expiries_.empty() && expiries_.begin()->first <= now_ns) {
    auto it = pending_.find(expiries_.begin()->second);
    M4_ASSERT(it != pending_.end(), "an expiry names a transfer that is not pending");
    Txn txn = NewTxn();
    // Expiring only releases reservations; it cannot fail on a consistent ledger.
    Status s = ApplyResolution(it->second, v1::TRANSFER_KIND_EXPIRE_PENDING,
                               it->second.record.amount(), 0, now_ns, &txn);
    M4_ASSERT(s.ok(), s.ToString());
    Commit(txn, batch);
    ++expired;
  }
  return expired;
}

}  // namespace market4::engine
