// Ledger: the double-entry state machine. It owns the in-memory accounts and open pending
// transfers, applies one command at a time against them, and records every effect into a
// storage::Batch. It has no threads and no clock: the engine's writer thread is its only
// caller and passes in the batch time. A command rejected by a rule leaves no trace in the
// state or in the batch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/status.h"
#include "engine/command.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

// Limits of the ledger, each a named constant.
inline constexpr std::size_t kMaxIdBytes = 64;
inline constexpr std::size_t kMaxTransfersPerRequest = 100;
inline constexpr std::uint32_t kMaxTransferCode = 65535;
inline constexpr std::uint32_t kMaxPendingTimeoutSeconds = 90u * 24 * 3600;  // 90 days
inline constexpr std::uint32_t kSchemaVersion = 1;

// Ids are 1..kMaxIdBytes of [A-Za-z0-9._:-]. '~' is reserved for the server's resolution
// records (e.g. "p1~post"), so a client id can never collide with one.
bool IsValidId(std::string_view id);

class Ledger {
 public:
  explicit Ledger(storage::Store* store) : store_(store) {}

  // Rebuilds accounts and open pending transfers from the store, then checks invariants.
  Status Load();

  // Applies one command at time `now_ns`, appending its writes to `batch`.
  Outcome Apply(const Command& command, std::int64_t now_ns, storage::Batch* batch);

  // Voids every pending transfer whose timeout is at or before `now_ns`. Returns how many.
  std::size_t ExpireDue(std::int64_t now_ns, storage::Batch* batch);

  // Called once the batch holding everything applied so far is durable.
  void OnCommitted();

  // Zero-sum per currency (posted and pending), flags respected, no negative field.
  Status CheckInvariants() const;

  // For market commands, on the writer thread: opens an account unless it exists.
  Status OpenAccount(const std::string& id, bool no_overdraft, std::int64_t now_ns,
                     storage::Batch* batch);
  // For market commands: applies `ops` as one all-or-nothing unit. New transfers may carry
  // server ids with the reserved '~'; posts and voids resolve the full pending amount.
  using LedgerOp = std::variant<v1::NewTransfer, PostPending, VoidPending>;
  Result<std::vector<v1::Transfer>> ApplyInternal(const std::vector<LedgerOp>& ops,
                                                  std::int64_t now_ns, storage::Batch* batch);
  // The account as of the last applied command, or nullptr.
  const v1::AccountRecord* FindAccount(const std::string& id) const;
  std::uint64_t next_sequence() const { return last_sequence_ + 1; }

 private:
  struct Txn;
  struct Pending {
    v1::TransferRecord record;
    std::int64_t expires_at_ns = 0;  // 0: never
  };

  Outcome CreateAccount(const v1::CreateAccountRequest& request, std::int64_t now_ns,
                        storage::Batch* batch);
  Outcome CreateTransfers(const v1::CreateTransfersRequest& request, std::int64_t now_ns,
                          storage::Batch* batch);
  Outcome Resolve(const std::string& pending_id, v1::TransferKind kind,
                  std::optional<std::int64_t> amount, std::int64_t now_ns, storage::Batch* batch);

  Status CheckReplay(const v1::CreateTransfersRequest& request, Outcome* replay);
  Status ApplyTransfer(const v1::NewTransfer& input, std::int64_t now_ns, Txn* txn, bool internal);
  Status ApplyResolution(const Pending& pending, v1::TransferKind kind, std::int64_t amount,
                         std::int64_t requested, std::int64_t now_ns, Txn* txn);
  Status CheckResolutionReplay(const std::string& pending_id, v1::TransferKind kind,
                               std::optional<std::int64_t> amount, Outcome* replay);
  void Commit(const Txn& txn, storage::Batch* batch);

  // Looks up a transfer written in this batch or already committed.
  Result<std::optional<v1::TransferRecord>> FindTransfer(const std::string& id) const;
  v1::AccountRecord* FindAccount(Txn* txn, const std::string& id);

  storage::Store* store_;
  std::map<std::string, v1::AccountRecord> accounts_;
  std::map<std::string, Pending> pending_;
  std::set<std::pair<std::int64_t, std::string>> expiries_;  // (expires_at_ns, pending id)
  // Transfers applied in the batch not yet committed, so retries within it are seen.
  std::map<std::string, v1::TransferRecord> uncommitted_;
  std::uint64_t last_sequence_ = 0;
};

// Views of stored records as the API shows them.
v1::Account AccountView(const v1::AccountRecord& record);
v1::Transfer TransferView(const v1::TransferRecord& record, v1::TransferStatus status);
// The status a transfer had when it was created.
v1::TransferStatus CreationStatus(const v1::TransferRecord& record);
// Id of the record resolving `pending_id` with `kind`.
std::string ResolutionId(std::string_view pending_id, v1::TransferKind kind);

}  // namespace market4::engine
