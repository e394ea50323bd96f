// Engine reads: served from committed RocksDB state on the caller's thread, so reads never
// wait behind the writer's fsync. Each public read takes one storage::ReadView, so all it
// returns comes from one committed state: never half a batch, never two batches mixed.
#include <charconv>

#include "engine/engine.h"
#include "engine/ledger.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;
using storage::ReadView;

Result<std::optional<v1::TransferRecord>> ReadTransfer(const ReadView& view,
                                                       const std::string& id) {
  auto sequence = view.Get(Family::kTransferIds, id);
  if (!sequence.ok()) return sequence.status();
  if (!sequence.value()) return std::optional<v1::TransferRecord>();
  return ReadRecord<v1::TransferRecord>(view, Family::kTransfers, *sequence.value());
}

// Where a pending transfer stands: the resolution record decides.
Result<v1::Transfer> CurrentView(const ReadView& view, const v1::TransferRecord& record) {
  if (record.kind() != v1::TRANSFER_KIND_PENDING) {
    return TransferView(record, v1::TRANSFER_STATUS_COMPLETED);
  }
  const std::pair<v1::TransferKind, v1::TransferStatus> outcomes[] = {
      {v1::TRANSFER_KIND_POST_PENDING, v1::TRANSFER_STATUS_POSTED},
      {v1::TRANSFER_KIND_VOID_PENDING, v1::TRANSFER_STATUS_VOIDED},
      {v1::TRANSFER_KIND_EXPIRE_PENDING, v1::TRANSFER_STATUS_EXPIRED}};
  for (const auto& [kind, status] : outcomes) {
    auto resolution = ReadTransfer(view, ResolutionId(record.id(), kind));
    if (!resolution.ok()) return resolution.status();
    if (!resolution.value()) continue;
    v1::Transfer shown = TransferView(record, status);
    if (kind == v1::TRANSFER_KIND_POST_PENDING) {
      shown.set_posted_amount(resolution.value()->amount());
    }
    return shown;
  }
  return TransferView(record, v1::TRANSFER_STATUS_PENDING);
}

}  // namespace

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

Result<v1::Account> ReadAccount(const ReadView& view, const std::string& id) {
  if (!IsValidId(id)) return Status(Code::kNotFound, "no account with this id");
  auto record = ReadRecord<v1::AccountRecord>(view, Family::kAccounts, id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, "no account with this id").WithDetail("account_id", id);
  }
  return AccountView(*record.value());
}

Result<v1::ListTransfersResponse> ReadAccountTransfers(const ReadView& view,
                                                       const std::string& account_id,
                                                       std::size_t requested,
                                                       const std::string& page_token) {
  auto limit = PageSize(requested);
  if (!limit.ok()) return limit.status();
  auto start = PageStart(account_id, page_token);
  if (!start.ok()) return start.status();
  auto account = ReadAccount(view, account_id);
  if (!account.ok()) return account.status();
  std::vector<std::string> sequences;
  std::string prefix = storage::IndexPrefix(account_id);
  Status s = view.Scan(Family::kAccountIndex, prefix, true, start.value(),
                       [&](std::string_view key, std::string_view) {
                         sequences.emplace_back(key.substr(prefix.size()));
                         return sequences.size() <= limit.value();
                       });
  if (!s.ok()) return s;
  bool more = sequences.size() > limit.value();
  if (more) sequences.pop_back();
  v1::ListTransfersResponse response;
  for (const auto& sequence : sequences) {
    auto record = ReadRecord<v1::TransferRecord>(view, Family::kTransfers, sequence);
    if (!record.ok()) return record.status();
    if (!record.value()) return Status(Code::kInternal, "account index points at nothing");
    auto shown = CurrentView(view, *record.value());
    if (!shown.ok()) return shown.status();
    *response.add_transfers() = std::move(shown).value();
  }
  if (more && !sequences.empty()) {
    response.set_next_page_token(
        std::to_string(storage::DecodeSequence(sequences.back()).value_or(0)));
  }
  return response;
}

Result<v1::Account> Engine::GetAccount(const std::string& id) const {
  return ReadAccount(store_->View(), id);
}

Result<v1::Transfer> Engine::GetTransfer(const std::string& id) const {
  ReadView view = store_->View();
  auto record = ReadTransfer(view, id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, "no transfer with this id").WithDetail("transfer_id", id);
  }
  return CurrentView(view, *record.value());
}

Result<v1::ListTransfersResponse> Engine::ListAccountTransfers(
    const std::string& account_id, std::size_t limit, const std::string& page_token) const {
  return ReadAccountTransfers(store_->View(), account_id, limit, page_token);
}

}  // namespace market4::engine
