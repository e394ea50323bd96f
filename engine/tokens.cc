// Rotating and reissuing API tokens. The gateway mints the new token and passes only its
// hash; the old token's record is kept, retired, so that a rotation's retry can still be
// recognised and an operator can see when and why a token stopped.
#include "engine/tokens.h"

#include "engine/context.h"
#include "engine/idempotency.h"
#include "engine/market.h"
#include "engine/rails.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

constexpr char kOwnerPrefix[] = "owner/";
constexpr char kMetaTokenOwners[] = "token_owners";

std::string OwnerKey(const std::string& role, const std::string& id) {
  return kOwnerPrefix + role + "/" + id;
}

Result<std::optional<v1::PrincipalRecord>> ReadToken(const Context& context,
                                                     const std::string& token_hash) {
  return ReadStaged<v1::PrincipalRecord>(context.market.staged, Family::kTokens, token_hash);
}

void PutOwner(storage::Batch* batch, StagedRecords* staged, const std::string& key,
              const std::string& token_hash) {
  v1::TokenOwnerRecord owner;
  owner.set_version(1);
  owner.set_token_hash(token_hash);
  if (staged == nullptr) return batch->Put(Family::kTokens, key, owner.SerializeAsString());
  staged->Put(Family::kTokens, key, owner.SerializeAsString(), batch);
}

v1::IssuedToken Issued(const Context& context, Role role, const std::string& id,
                       const char* replaced, const std::string& by) {
  v1::IssuedToken issued;
  issued.set_role(RoleName(role));
  issued.set_id(id);
  *issued.mutable_issued_at() = At(context.now);
  issued.set_replaced(replaced);
  issued.set_issued_by(by);
  return issued;
}

// A named operator's record names its token: it moves to the new one.
Status MoveOperatorToken(Context& context, const std::string& id, const std::string& token_hash) {
  auto found = ReadStaged<v1::OperatorRecord>(context.market.staged, Family::kOperators, id);
  if (!found.ok()) return found.status();
  if (!found.value() || found.value()->operator_().disabled()) {
    return Status(Code::kUnauthenticated, "this operator is disabled");
  }
  found.value()->set_token_hash(token_hash);
  context.market.staged.Put(Family::kOperators, id, found.value()->SerializeAsString(),
                            &context.batch);
  return Status::Ok();
}

}  // namespace

void PutToken(Context& context, const std::string& token_hash, Role role, const std::string& id) {
  v1::PrincipalRecord record;
  record.set_version(1);
  record.set_role(RoleName(role));
  record.set_id(id);
  context.market.staged.Put(Family::kTokens, token_hash, record.SerializeAsString(),
                            &context.batch);
  if (role == Role::kOperator) return;
  PutOwner(&context.batch, &context.market.staged, OwnerKey(RoleName(role), id), token_hash);
}

Status RetireToken(Context& context, const std::string& token_hash, const char* reason,
                   const std::string& by) {
  auto record = ReadToken(context, token_hash);
  if (!record.ok()) return record.status();
  if (!record.value() || record.value()->retired_at_ns() != 0) return Status::Ok();
  record.value()->set_retired_at_ns(context.now);
  record.value()->set_retired_reason(reason);
  record.value()->set_retired_by(by);
  context.market.staged.Put(Family::kTokens, token_hash, record.value()->SerializeAsString(),
                            &context.batch);
  return Status::Ok();
}

Status BackfillTokenOwners(const storage::Store& store, storage::Batch* batch) {
  auto done = store.Get(Family::kMeta, kMetaTokenOwners);
  if (!done.ok()) return done.status();
  if (done.value()) return Status::Ok();
  Status problem;
  Status s = store.Scan(
      Family::kTokens, "", false, std::nullopt, [&](std::string_view key, std::string_view value) {
        if (key.starts_with(kOwnerPrefix)) return true;
        v1::PrincipalRecord record;
        if (!record.ParseFromArray(value.data(), int(value.size()))) {
          problem = Status(Code::kInternal, "corrupt token record");
          return false;
        }
        if (record.role() == RoleName(Role::kOperator)) return true;
        if (record.retired_at_ns() != 0) return true;
        PutOwner(batch, nullptr, OwnerKey(record.role(), record.id()), std::string(key));
        return true;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  batch->Put(Family::kMeta, kMetaTokenOwners, storage::EncodeSequence(1));
  return Status::Ok();
}

Answer<v1::IssuedToken> RotateToken::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  if (caller.role == Role::kNobody || IsAdmin(caller)) {
    return Status(Code::kPermissionDenied,
                  "the admin token comes from MARKET4_ADMIN_TOKEN or <data-dir>/admin.token; "
                  "change it there and restart");
  }
  const std::string scope = CallerScope(caller);
  const std::string fingerprint = Fingerprint("token.rotate", old_token_hash, "");
  auto replay =
      context.market.idempotency.Recall<v1::IssuedToken>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  auto old = ReadToken(context, old_token_hash);
  if (!old.ok()) return old.status();
  if (!old.value() || old.value()->retired_at_ns() != 0 || old.value()->id() != caller.id ||
      old.value()->role() != RoleName(caller.role)) {
    return Status(Code::kUnauthenticated, "this token no longer works; it was replaced");
  }
  if (caller.role == Role::kOperator) {
    if (Status s = MoveOperatorToken(context, caller.id, new_token_hash); !s.ok()) return s;
  }
  if (Status s = RetireToken(context, old_token_hash, kRotatedReason, caller.id); !s.ok()) return s;
  PutToken(context, new_token_hash, caller.role, caller.id);
  v1::IssuedToken issued = Issued(context, caller.role, caller.id, kRotatedReason, caller.id);
  context.market.idempotency.Remember(scope, idempotency_key, fingerprint, issued, &context.batch);
  return issued;
}

Answer<v1::IssuedToken> ReissueToken::Apply(Context& context) const {
  if (idempotency_key.empty()) return KeyRequired();
  if (caller.role != Role::kOperator) {
    return Status(Code::kPermissionDenied, "only operators reissue tokens");
  }
  if (role != Role::kMerchant && role != Role::kBuyer) {
    return InvalidField("only merchants' and buyers' tokens are reissued", "role");
  }
  const std::string scope = CallerScope(caller);
  const std::string owner_key = OwnerKey(RoleName(role), principal_id);
  const std::string fingerprint = Fingerprint("token.reissue", owner_key, "");
  auto replay =
      context.market.idempotency.Recall<v1::IssuedToken>(scope, idempotency_key, fingerprint);
  if (!replay.ok()) return replay.status();
  if (replay.value()) return {std::move(*replay.value()), true};
  const Market& market = context.market;
  bool exists = role == Role::kMerchant ? market.merchants.count(principal_id) > 0
                                        : market.buyers.count(principal_id) > 0;
  if (!exists) return NotFound(RoleName(role), principal_id);
  auto owner = ReadStaged<v1::TokenOwnerRecord>(market.staged, Family::kTokens, owner_key);
  if (!owner.ok()) return owner.status();
  if (!owner.value()) return Status(Code::kInternal, "a principal has no token owner record");
  if (Status s = RetireToken(context, owner.value()->token_hash(), kRevokedReason, caller.id);
      !s.ok()) {
    return s;
  }
  PutToken(context, new_token_hash, role, principal_id);
  v1::IssuedToken issued = Issued(context, role, principal_id, kRevokedReason, caller.id);
  context.market.idempotency.Remember(scope, idempotency_key, fingerprint, issued, &context.batch);
  return issued;
}

}  // namespace market4::engine
