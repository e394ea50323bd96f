// Ledger reads (accounts, transfers) and the paging rules every list shares.
#include "common/crypto.h"
#include "common/limits.h"
#include "engine/account_index.h"
#include "engine/ledger_rules.h"
#include "engine/query.h"
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
    return Status(Code::kInvalidArgument, "limit must be at most " + std::to_string(kMaxPageSize))
        .WithDetail("field", "limit");
  }
  return limit;
}

namespace {

// Hex of the first bytes of SHA-256(list, scope, position): a token that was cut, edited or
// given out by another list (or for another account or caller) does not match.
std::string PageCheck(PagedList list, std::string_view scope, std::string_view position) {
  std::string input(1, static_cast<char>(list));
  input.append(scope).push_back('\0');
  input.append(position);
  Sha256Digest digest = Sha256(input);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), kPageCheckBytes));
}

}  // namespace

std::string PageToken(PagedList list, std::string_view position, std::string_view scope) {
  return static_cast<char>(list) + HexEncode(position) + PageCheck(list, scope, position);
}

Result<std::optional<std::string>> PagePosition(PagedList list, const std::string& token,
                                                std::string_view scope) {
  if (token.empty()) return std::optional<std::string>();
  constexpr std::size_t kCheckChars = 2 * kPageCheckBytes;
  std::string position;
  if (token.front() != static_cast<char>(list) || token.size() < 1 + 2 + kCheckChars ||
      !HexDecode(std::string_view(token).substr(1, token.size() - 1 - kCheckChars), &position) ||
      token.substr(token.size() - kCheckChars) != PageCheck(list, scope, position)) {
    return BadPageToken();
  }
  return std::optional<std::string>(std::move(position));
}

Status BadPageToken() {
  return Status(Code::kInvalidArgument, "page_token is not one this list gave out")
      .WithDetail("field", "page_token");
}

Result<std::optional<std::string>> ResumeAfterId(PagedList list, const std::string& token) {
  auto position = PagePosition(list, token);
  if (!position.ok() || !position.value()) return position;
  return std::optional<std::string>(*position.value() + '\0');
}

Result<std::optional<std::string>> ResumeBelowSequence(PagedList list, std::string_view owner,
                                                       const std::string& token) {
  auto position = PagePosition(list, token, owner);
  if (!position.ok() || !position.value()) return position;
  auto sequence = storage::DecodeSequence(*position.value());
  if (!sequence || *sequence == 0) return BadPageToken();
  return std::optional<std::string>(storage::IndexKey(owner, *sequence - 1));
}

bool Query::reads_published_logs() const { return PublishedFor(live_logs_.get(), view_); }

Result<v1::Account> Query::GetAccount(const std::string& id) const {
  auto account = ReadAccountAsSeen(view_, live_logs_.get(), id);
  if (!account.ok()) return account.status();
  return AccountView(account.value());
}

Result<v1::ListAccountsResponse> Query::ListAccounts(std::size_t limit,
                                                     const std::string& page_token) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  auto start = ResumeAfterId(PagedList::kAccounts, page_token);
  if (!start.ok()) return start.status();
  v1::ListAccountsResponse response;
  std::vector<v1::AccountRecord> page;
  Status s = ScanRecords<v1::AccountRecord>(
      view_, Family::kAccounts, start.value(),
      [&](std::string_view, const v1::AccountRecord& record) {
        if (page.size() == size.value()) {
          response.set_next_page_token(PageToken(PagedList::kAccounts, page.back().id()));
          return false;  // a token only when one more account exists
        }
        page.push_back(record);
        return true;
      });
  if (!s.ok()) return s;
  std::vector<v1::AccountRecord*> records;
  for (auto& record : page) records.push_back(&record);
  if (Status changes = ApplyNewestChanges(view_, live_logs_.get(), records); !changes.ok())
    return changes;
  for (const auto& record : page) *response.add_accounts() = AccountView(record);
  return response;
}

Result<v1::Transfer> Query::GetTransfer(const std::string& id) const {
  auto record = ReadTransfer(view_, id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, "no transfer with this id").WithDetail("transfer_id", id);
  }
  return CurrentView(view_, *record.value());
}

Result<v1::ListTransfersResponse> Query::ListAccountTransfers(const std::string& account_id,
                                                              std::size_t requested,
                                                              const std::string& page_token) const {
  auto limit = PageSize(requested);
  if (!limit.ok()) return limit.status();
  auto start = ResumeBelowSequence(PagedList::kTransfers, account_id, page_token);
  if (!start.ok()) return start.status();
  auto account = ReadStoredAccount(view_, account_id);  // its balances are not shown
  if (!account.ok()) return account.status();
  std::vector<std::string> sequences;
  Status s = ScanAccountEntries(view_, live_logs_.get(), account.value(), start.value(),
                                [&](std::string_view sequence) {
                                  sequences.emplace_back(sequence);
                                  return sequences.size() <= limit.value();
                                });
  if (!s.ok()) return s;
  bool more = sequences.size() > limit.value();
  if (more) sequences.pop_back();
  v1::ListTransfersResponse response;
  for (const auto& sequence : sequences) {
    auto record = ReadRecord<v1::TransferRecord>(view_, Family::kTransfers, sequence);
    if (!record.ok()) return record.status();
    if (!record.value()) return Status(Code::kInternal, "account index points at nothing");
    auto shown = CurrentView(view_, *record.value());
    if (!shown.ok()) return shown.status();
    *response.add_transfers() = std::move(shown).value();
  }
  if (more)
    response.set_next_page_token(PageToken(PagedList::kTransfers, sequences.back(), account_id));
  return response;
}

}  // namespace market4::engine
