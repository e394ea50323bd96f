// The rules every ledger entry obeys (ids, amounts, balance flags, overflow) and the views of
// stored records that the API shows. Pure functions over records; any thread. Public to
// engine/ readers (Query) and to the Ledger.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/limits.h"
#include "common/status.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/storage.pb.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

// Ids are 1..kMaxIdBytes of [A-Za-z0-9._:-]. '~' is reserved for the server's own entries
// (e.g. "p1~post"), so a client id can never collide with one.
bool IsValidId(std::string_view id);

// A transfer the operator sends, checked before any account is looked at. Internal
// transfers (made by market commands) may carry server ids.
Status ValidateNewTransfer(const v1::NewTransfer& t, bool internal);
// Whether a stored transfer is the same request as `t` (for replays).
bool SameTransfer(const v1::TransferRecord& r, const v1::NewTransfer& t);

// Adds `amount` to one debit-side (credit-side) field of `account`, after checking overflow
// and the account's balance flag. On failure the account is unchanged.
Status Debit(v1::AccountRecord* account, std::int64_t amount, bool pending);
Status Credit(v1::AccountRecord* account, std::int64_t amount, bool pending);

// When a pending transfer times out, in ns since the epoch; 0 if never.
std::int64_t ExpiresAt(const v1::TransferRecord& r);
// Id of the record resolving `pending_id` with `kind` ("p1~post", "p1~void", "p1~expire").
std::string ResolutionId(std::string_view pending_id, v1::TransferKind kind);
// The error for resolving a transfer already resolved with `kind`.
Code ResolvedCode(v1::TransferKind kind);
inline constexpr v1::TransferKind kResolutionKinds[] = {v1::TRANSFER_KIND_POST_PENDING,
                                                        v1::TRANSFER_KIND_VOID_PENDING,
                                                        v1::TRANSFER_KIND_EXPIRE_PENDING};

// Views of stored records as the API shows them.
v1::Account AccountView(const v1::AccountRecord& record);
v1::Transfer TransferView(const v1::TransferRecord& record, v1::TransferStatus status);
// The status a transfer had when it was created.
v1::TransferStatus CreationStatus(const v1::TransferRecord& record);

}  // namespace market4::engine
