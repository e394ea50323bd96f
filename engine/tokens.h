// Private to engine/: API tokens as stored in the tokens family. A token's SHA-256 (hex) ->
// PrincipalRecord, kept once the token is retired; and "owner/<role>/<id>" ->
// TokenOwnerRecord, the current token of each merchant and buyer (a named operator's is in
// its OperatorRecord). Writes go through Market::staged, so a command sees the tokens an
// earlier command of its batch wrote.
#pragma once

#include <string>

#include "common/status.h"
#include "engine/command.h"
#include "storage/store.h"

namespace market4::engine {

struct Context;

// Records a new working token of (role, id); a merchant's or buyer's becomes its current one.
void PutToken(Context& context, const std::string& token_hash, Role role, const std::string& id);
// Why a token stopped working (TokenRecord.retired_reason); a rotated one still answers for
// kTokenRotationRetryWindow, so a lost rotation answer can be retried.
inline constexpr char kRotatedReason[] = "rotated";
inline constexpr char kRevokedReason[] = "revoked";
inline constexpr char kDisabledReason[] = "disabled";

// Retires token `token_hash`, if it works, for `reason` (one of the three above), asked by
// `by`.
Status RetireToken(Context& context, const std::string& token_hash, const char* reason,
                   const std::string& by);
// Merchants and buyers from before tokens had owner records get theirs, once (at start).
Status BackfillTokenOwners(const storage::Store& store, storage::Batch* batch);

}  // namespace market4::engine
