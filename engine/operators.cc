// Named operators: the admin token creates them, each with its own API token (kept only as
// its SHA-256), and disables them, which revokes the token at once. Every operator action
// elsewhere records the operator's id. A disabled operator's token record stays, retired.
#include "engine/context.h"
#include "engine/ledger_rules.h"
#include "engine/market.h"
#include "engine/records.h"
#include "engine/text.h"
#include "engine/tokens.h"

namespace market4::engine {
namespace {

using storage::Family;

Status AdminOnly(const Caller& caller) {
  if (IsAdmin(caller)) return Status::Ok();
  return Status(Code::kPermissionDenied, "only the admin token creates or disables operators");
}

}  // namespace

Answer<v1::Operator> CreateOperator::Apply(Context& context) const {
  if (Status s = AdminOnly(caller); !s.ok()) return s;
  auto name = CleanText(request.name(), {"name", kMaxNameChars});
  if (!name.ok()) return name.status();
  M4_ASSERT(IsValidId(id) && id != kAdminOperatorId, "the gateway made a bad operator id");
  v1::OperatorRecord record;
  record.set_version(1);
  v1::Operator& person = *record.mutable_operator_();
  person.set_id(id);
  person.set_name(name.value());
  *person.mutable_created_at() = At(context.now);
  record.set_token_hash(token_hash);
  context.market.staged.Put(Family::kOperators, id, record.SerializeAsString(), &context.batch);
  PutToken(context, token_hash, Role::kOperator, id);
  return person;
}

Answer<v1::Operator> DisableOperator::Apply(Context& context) const {
  if (Status s = AdminOnly(caller); !s.ok()) return s;
  auto found =
      ReadStaged<v1::OperatorRecord>(context.market.staged, Family::kOperators, operator_id);
  if (!found.ok()) return found.status();
  if (!found.value()) return NotFound("operator", operator_id);
  v1::OperatorRecord record = std::move(*found.value());
  if (record.operator_().disabled()) return {record.operator_(), true};
  v1::Operator& person = *record.mutable_operator_();
  person.set_disabled(true);
  *person.mutable_disabled_at() = At(context.now);
  person.set_disabled_by(caller.id);
  context.market.staged.Put(Family::kOperators, operator_id, record.SerializeAsString(),
                            &context.batch);
  if (Status s = RetireToken(context, record.token_hash(), kDisabledReason, caller.id); !s.ok()) {
    return s;
  }
  return record.operator_();
}

}  // namespace market4::engine
