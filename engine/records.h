// Private to engine/: reading protobuf records through a storage::ReadView, and the paging
// rules every list shares. Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/store.h"

namespace market4::engine {

// Puts `record` serialized straight into `batch` (no string of its own): for the records
// the writer puts for every entry.
template <typename Record>
void PutRecord(storage::Batch* batch, storage::Family family, std::string_view key,
               const Record& record) {
  const std::size_t size = record.ByteSizeLong();
  char* at = batch->PutSized(family, key, size);
  record.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(at));
}

// The record at `key`, nullopt if absent, kInternal if it does not parse. `view` is a
// storage::ReadView or the Store itself (at load).
template <typename Record, typename View>
Result<std::optional<Record>> ReadRecord(const View& view, storage::Family family,
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

// Visits every record of `family` from `start` on (nullopt: the first key), in key order,
// parsed as Record; `visit(key, record)` returns false to stop. A record that does not parse
// stops the scan with kInternal. `view` is a storage::ReadView or the Store itself (at load).
template <typename Record, typename View, typename Visit>
Status ScanRecords(const View& view, storage::Family family, std::optional<std::string> start,
                   Visit visit) {
  Status problem;
  Status s = view.Scan(family, "", false, start, [&](std::string_view key, std::string_view value) {
    Record record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      problem = Status(Code::kInternal, "corrupt record in storage");
      return false;
    }
    return visit(key, record);
  });
  return s.ok() ? problem : s;
}

// The record `id` of `family`, or NOT_FOUND naming `what` ("merchant": detail merchant_id).
template <typename Record>
Result<Record> GetById(const storage::ReadView& view, storage::Family family, const std::string& id,
                       const char* what) {
  auto record = ReadRecord<Record>(view, family, id);
  if (!record.ok()) return record.status();
  if (!record.value()) {
    return Status(Code::kNotFound, std::string("no ") + what + " with this id")
        .WithDetail(std::string(what) + "_id", id);
  }
  return std::move(*record.value());
}

// A list request's page size: 0 means kDefaultPageSize; more than kMaxPageSize is invalid.
Result<std::size_t> PageSize(std::size_t limit);

// Which list a page token belongs to, so one list's token is garbage to another.
enum class PagedList : char {
  kAccounts = 'a',
  kMerchants = 'm',
  kBuyers = 'b',
  kListings = 'l',
  kTransfers = 't',
  kOrders = 'o',
  kProviders = 'p',
  kTopUps = 'u',
  kPayouts = 'y',
  kExceptions = 'x',
  kStallPayments = 's',
  kOperators = 'O',
  kApprovals = 'A',
  kDays = 'D',
  kStatements = 'g',
};
// Bytes of the check that ends every page token. It is a checksum, not a secret: it catches a
// token that was cut, mistyped or taken from another list, account or caller. Forging one
// gains nothing: a token only says where a list the caller may read resumes.
inline constexpr std::size_t kPageCheckBytes = 4;
// An opaque token for "the next page starts after `position`" (a key or a sequence) of
// `list`, for the one account or caller `scope` whose list it is ("" for lists of everything).
std::string PageToken(PagedList list, std::string_view position, std::string_view scope = "");
// The position in `token`: nullopt for "" (the first page), INVALID_ARGUMENT for anything
// that is not a token this list gave out for this scope.
Result<std::optional<std::string>> PagePosition(PagedList list, const std::string& token,
                                                std::string_view scope = "");

// INVALID_ARGUMENT (field page_token): not a token this list gave out.
Status BadPageToken();
// By-id lists resume just after the last id shown.
Result<std::optional<std::string>> ResumeAfterId(PagedList list, const std::string& token);
// Newest-first index lists resume just below the last sequence shown, under `owner`.
Result<std::optional<std::string>> ResumeBelowSequence(PagedList list, std::string_view owner,
                                                       const std::string& token);

}  // namespace market4::engine
