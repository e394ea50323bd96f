// Private to engine/: reading protobuf records through a storage::ReadView, for the engine's
// read paths. Any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "market4/v1/ledger.pb.h"
#include "storage/store.h"

namespace market4::engine {

// The record at `key`, nullopt if absent, kInternal if it does not parse.
template <typename Record>
Result<std::optional<Record>> ReadRecord(const storage::ReadView& view, storage::Family family,
                                         std::string_view key) {
  auto value = view.Get(family, key);
  if (!value.ok()) return value.status();
  if (!value.value()) return std::optional<Record>();
  Record record;
  if (!record.ParseFromString(*value.value())) {
    return Status(Code::kInternal, "corrupt record in storage");
  }
  return std::optional<Record>(std::move(record));
}

// A list request's page size: 0 means kDefaultPageSize; more than kMaxPageSize is invalid.
Result<std::size_t> PageSize(std::size_t limit);

// Where a newest-first scan of `owner`'s index entries resumes: nullopt for the first page,
// else just below the sequence in `page_token` (a previous answer's next_page_token).
Result<std::optional<std::string>> PageStart(std::string_view owner, const std::string& page_token);

// Ledger reads through one view, for reads that combine several (a wallet).
Result<v1::Account> ReadAccount(const storage::ReadView& view, const std::string& id);
Result<v1::ListTransfersResponse> ReadAccountTransfers(const storage::ReadView& view,
                                                       const std::string& account_id,
                                                       std::size_t limit,
                                                       const std::string& page_token);

}  // namespace market4::engine
