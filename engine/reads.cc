// Engine reads: served from committed RocksDB state on the caller's thread, so reads never
// wait behind the writer's fsync. Every batch is applied atomically, so a read never sees
// half a batch.
#include <charconv>

#include "engine/engine.h"
#include "engine/ledger.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

Result<std::optional<v1::TransferRecord>> ReadTransfer(const storage::Store& store,
                                                       const std::string& id) {
  auto sequence = store.Get(Family::kTransferIds, id);
  if (!sequence.ok()) return sequence.status();
  if (!sequence.value()) return std::optional<v1::TransferRecord>();
  return ReadRecord<v1::TransferRecord>(store, Family::kTransfers, *sequence.value());
}

// Where a pending transfer stands now: the resolution record decides.
Result<v1::Transfer> CurrentView(const storage::Store& store, const v1::TransferRecord& record) {
  if (record.kind() != v1::TRANSFER_KIND_PENDING) {
    return TransferView(record, v1::TRANSFER_STATUS_COMPLETED);
  }
  const std::pair<v1::TransferKind, v1::TransferStatus> outcomes[] = {
      {v1::TRANSFER_KIND_POST_PENDING, v1::TRANSFER_STATUS_POSTED},
      {v1::TRANSFER_KIND_VOID_PENDING, v1::TRANSFER_STATUS_VOIDED},
      {v1::TRANSFER_KIND_EXPIRE_PENDING, v1::TRANSFER_STATUS_EXPIRED}};
  for (const auto& [kind, status] : outcomes) {
    auto resolution = ReadTransfer(store, ResolutionId(record.id(), kind));
    if (!resolution.ok()) return resolution.status();
    if (!resolution.value()) continue;
    v1::Transfer view = TransferView(record, status);
    if (kind == v1::TRANSFER_KIND_POST_PENDING)
      view.set_posted_amount(resolution.value()->amount());
    return view;
  }
  return TransferView(record, v1::TRANSFER_STATUS_PENDING);
}

}  // namespace

Result<v1::Account> Engine::GetAccount(const std::string& id) const {
  if (!IsValidId(id)) return Status(Code::kNotFound, "no account with this id");
  auto record = ReadRecord<v1::AccountRecord>(*store_, Family::kAccounts, id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, "no account with this id").WithDetail("account_id", id);
  }
  return AccountView(*record.value());
}

Result<v1::Transfer> Engine::GetTransfer(const std::string& id) const {
  auto record = ReadTransfer(*store_, id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, "no transfer with this id").WithDetail("transfer_id", id);
  }
  return CurrentView(*store_, *record.value());
}

Result<std::size_t> PageSize(std::size_t limit) {
  if (limit == 0) return kDefaultPageSize;
  if (limit > kMaxPageSize) {
    return Status(Code::kInvalidArgument, "limit must be at most 200").WithDetail("field", "limit");
  }
  return limit;
}

Result<std::optional<std::string>> PageStart(std::string_view owner,
                                             const std::string& page_token) {
  if (page_token.empty()) return std::optional<std::string>();
  std::uint64_t before = 0;
  const char* last = page_token.data() + page_token.size();
  auto [end, error] = std::from_chars(page_token.data(), last, before);
  if (error != std::errc() || end != last || before == 0) {
    return Status(Code::kInvalidArgument, "page_token is not valid")
        .WithDetail("field", "page_token");
  }
  return std::optional<std::string>(storage::IndexKey(owner, before - 1));
}

Result<v1::ListTransfersResponse> Engine::ListAccountTransfers(
    const std::string& account_id, std::size_t requested, const std::string& page_token) const {
  auto limit = PageSize(requested);
  if (!limit.ok()) return limit.status();
  auto start = PageStart(account_id, page_token);
  if (!start.ok()) return start.status();
  auto account = GetAccount(account_id);
  if (!account.ok()) return account.status();
  v1::ListTransfersResponse response;
  std::vector<std::string> sequences;
  std::string prefix = storage::IndexPrefix(account_id);
  Status s = store_->Scan(Family::kAccountIndex, prefix, true, start.value(),
                          [&](std::string_view key, std::string_view) {
                            sequences.emplace_back(key.substr(prefix.size()));
                            return sequences.size() <= limit.value();
                          });
  if (!s.ok()) return s;
  bool more = sequences.size() > limit.value();
  if (more) sequences.pop_back();
  for (const auto& sequence : sequences) {
    auto record = ReadRecord<v1::TransferRecord>(*store_, Family::kTransfers, sequence);
    if (!record.ok()) return record.status();
    if (!record.value()) return Status(Code::kInternal, "account index points at nothing");
    auto view = CurrentView(*store_, *record.value());
    if (!view.ok()) return view.status();
    *response.add_transfers() = std::move(view).value();
  }
  if (more && !sequences.empty()) {
    response.set_next_page_token(
        std::to_string(storage::DecodeSequence(sequences.back()).value_or(0)));
  }
  return response;
}

}  // namespace market4::engine
