// Four eyes on the operators' raw ledger routes. A raw transfer, post or void that touches a
// marketplace account (chart.h IsMarketplaceAccount) is checked as if applied, then held as an
// Approval; a different operator applies it (it is checked again then, against the ledger as
// it is) or rejects it. Raw movements between accounts outside the marketplace's chart apply
// at once, as before. Every entry records who entered it and who approved it.
//
// kApprovals keys: "a"+id -> Approval; "t"+transfer id and "r"+pending id -> approval id (a
// retry finds what it asked for); "n"+big-endian requested time+id -> "" (newest first).
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

bool TouchesMarketplace(const v1::CreateTransfersRequest& request) {
  for (const auto& t : request.transfers()) {
    if (IsMarketplaceAccount(t.debit_account_id()) || IsMarketplaceAccount(t.credit_account_id())) {
      return true;
    }
  }
  return false;
}

v1::CreateTransfersResponse Held(const v1::Approval& approval) {
  v1::CreateTransfersResponse response;
  *response.mutable_approval() = approval;
  return response;
}

Result<std::optional<v1::Approval>> FindApproval(Context& context, const std::string& id) {
  return ReadStaged<v1::Approval>(context.market.staged, Family::kApprovals, "a" + id);
}

// The approval an index key ("t"+transfer id, "r"+pending id) points at, if any.
Result<std::optional<v1::Approval>> ApprovalAt(Context& context, const std::string& key) {
  auto id = context.market.staged.Get(Family::kApprovals, key);
  if (!id.ok()) return id.status();
  if (!id.value()) return std::optional<v1::Approval>();
  return FindApproval(context, *id.value());
}

void PutApproval(Context& context, const v1::Approval& approval) {
  context.market.staged.Put(Family::kApprovals, "a" + approval.id(), approval.SerializeAsString(),
                            &context.batch);
}

// Stores a new approval with its index keys.
v1::Approval Hold(Context& context, const Caller& caller, const std::string& id,
                  const std::vector<std::string>& index_keys, v1::Approval approval) {
  M4_ASSERT(IsValidId(id), "the gateway made a bad approval id");
  approval.set_id(id);
  approval.set_status(v1::PENDING_APPROVAL);
  approval.set_requested_by(caller.id);
  *approval.mutable_requested_at() = At(context.now);
  PutApproval(context, approval);
  for (const std::string& key : index_keys) {
    context.market.staged.Put(Family::kApprovals, key, id, &context.batch);
  }
  context.batch.Put(Family::kApprovals, "n" + storage::EncodeSequence(context.now) + id, "");
  return approval;
}

bool SameTransfers(const v1::Approval& approval, const v1::CreateTransfersRequest& request) {
  if (approval.action() != "transfers" || approval.transfers_size() != request.transfers_size()) {
    return false;
  }
  for (int i = 0; i < request.transfers_size(); ++i) {
    if (approval.transfers(i).SerializeAsString() != request.transfers(i).SerializeAsString()) {
      return false;
    }
  }
  return true;
}

// A retry of a held request: its approval, or a conflict if the ids were held for another.
Result<std::optional<v1::Approval>> HeldBefore(Context& context,
                                               const v1::CreateTransfersRequest& request) {
  std::optional<v1::Approval> held;
  for (const auto& t : request.transfers()) {
    auto found = ApprovalAt(context, "t" + t.id());
    if (!found.ok()) return found.status();
    if (found.value()) held = std::move(found.value());
  }
  if (held && !SameTransfers(*held, request)) {
    return Status(Code::kIdempotencyConflict,
                  "these transfer ids are held for approval with different content")
        .WithDetail("approval_id", held->id());
  }
  return held;
}

}  // namespace

Answer<v1::CreateTransfersResponse> CreateTransfers::Apply(Context& context) const {
  Ledger& ledger = context.ledger;
  if (caller.role != Role::kOperator || !TouchesMarketplace(request)) {
    return ledger.CreateTransfers(request, context.now, &context.batch, {caller.id, ""});
  }
  auto held = HeldBefore(context, request);
  if (!held.ok()) return held.status();
  if (held.value()) return {Held(*held.value()), true};
  auto check = ledger.CreateTransfers(request, context.now, nullptr);
  if (!check.ok() || check.replayed) return check;
  v1::Approval approval;
  approval.set_action("transfers");
  *approval.mutable_transfers() = request.transfers();
  std::vector<std::string> keys;
  for (const auto& t : request.transfers()) keys.push_back("t" + t.id());
  return Held(Hold(context, caller, approval_id, keys, std::move(approval)));
}

Answer<v1::CreateTransfersResponse> ResolvePending::Apply(Context& context) const {
  Ledger& ledger = context.ledger;
  v1::TransferKind kind = post ? v1::TRANSFER_KIND_POST_PENDING : v1::TRANSFER_KIND_VOID_PENDING;
  // Only an open reservation can wait for approval; anything else (applied at once, a replay,
  // a transfer that is not pending) is the ledger's to answer.
  const v1::TransferRecord* reserved = ledger.FindPending(pending_id);
  bool four_eyes = caller.role == Role::kOperator && reserved &&
                   (IsMarketplaceAccount(reserved->debit_account_id()) ||
                    IsMarketplaceAccount(reserved->credit_account_id()));
  if (!four_eyes) {
    auto done =
        ledger.Resolve(pending_id, kind, amount, context.now, &context.batch, {caller.id, ""});
    if (!done.ok()) return done.status;
    v1::CreateTransfersResponse response;
    *response.add_transfers() = done.value;
    return {std::move(response), done.replayed};
  }
  auto check = ledger.Resolve(pending_id, kind, amount, context.now, nullptr);
  if (!check.ok()) return check.status;
  auto held = ApprovalAt(context, "r" + pending_id);
  if (!held.ok()) return held.status();
  if (held.value() && held.value()->status() == v1::PENDING_APPROVAL) {
    const v1::Approval& waiting = *held.value();
    bool same = waiting.action() == (post ? "post" : "void") &&
                waiting.has_amount() == amount.has_value() &&
                (!amount || waiting.amount() == *amount);
    if (same) return {Held(waiting), true};
    return Status(Code::kFailedPrecondition, "another resolution of this transfer awaits approval")
        .WithDetail("approval_id", waiting.id());
  }
  v1::Approval approval;
  approval.set_action(post ? "post" : "void");
  approval.set_pending_id(pending_id);
  if (amount) approval.set_amount(*amount);
  return Held(Hold(context, caller, approval_id, {"r" + pending_id}, std::move(approval)));
}

namespace {

// Applies a held correction as the requester asked, approved by `checker`.
Result<std::vector<v1::Transfer>> ApplyApproved(Context& context, const v1::Approval& approval,
                                                const Caller& checker) {
  Ledger::Attribution attribution{approval.requested_by(), checker.id};
  std::vector<v1::Transfer> applied;
  if (approval.action() == "transfers") {
    v1::CreateTransfersRequest request;
    *request.mutable_transfers() = approval.transfers();
    auto done = context.ledger.CreateTransfers(request, context.now, &context.batch, attribution);
    if (!done.ok()) return done.status;
    applied.assign(done.value.transfers().begin(), done.value.transfers().end());
    return applied;
  }
  bool post = approval.action() == "post";
  std::optional<std::int64_t> amount;
  if (approval.has_amount()) amount = approval.amount();
  auto done = context.ledger.Resolve(
      approval.pending_id(), post ? v1::TRANSFER_KIND_POST_PENDING : v1::TRANSFER_KIND_VOID_PENDING,
      amount, context.now, &context.batch, attribution);
  if (!done.ok()) return done.status;
  applied.push_back(done.value);
  return applied;
}

}  // namespace

Answer<v1::Approval> DecideApproval::Apply(Context& context) const {
  auto found = FindApproval(context, approval_id);
  if (!found.ok()) return found.status();
  if (!found.value()) return NotFound("approval", approval_id);
  v1::Approval approval = std::move(*found.value());
  v1::ApprovalStatus decision = approve ? v1::APPROVED : v1::REJECTED;
  if (approval.status() == decision) return {approval, true};
  if (approval.status() != v1::PENDING_APPROVAL) {
    return Status(Code::kFailedPrecondition, "this approval was already decided")
        .WithDetail("status", v1::ApprovalStatus_Name(approval.status()));
  }
  if (caller.id == approval.requested_by()) {
    return Status(Code::kSameOperator, "a different operator must decide what you asked for")
        .WithDetail("requested_by", approval.requested_by());
  }
  if (approve) {
    auto applied = ApplyApproved(context, approval, caller);
    if (!applied.ok()) return applied.status();
    for (auto& entry : applied.value()) *approval.add_applied() = std::move(entry);
  }
  approval.set_status(decision);
  approval.set_decided_by(caller.id);
  *approval.mutable_decided_at() = At(context.now);
  PutApproval(context, approval);
  return approval;
}

}  // namespace market4::engine
