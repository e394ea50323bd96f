// Principal reads: who an API token belongs to (the token check), merchants and buyers.
#include <algorithm>

#include "common/limits.h"
#include "engine/query.h"
#include "engine/records.h"
#include "engine/tokens.h"
#include "market4/v1/storage.pb.h"

namespace market4::engine {
namespace {

using storage::Family;

// One page of `family` in id order; `add(response, record)` shows a stored record.
template <typename Record, typename Response, typename Add>
Result<Response> ListById(const storage::ReadView& view, Family family, PagedList list,
                          std::size_t limit, const std::string& page_token, Add add) {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  auto start = ResumeAfterId(list, page_token);
  if (!start.ok()) return start.status();
  Response response;
  std::size_t count = 0;
  std::string last;
  // A token is given only when one more record exists, so a walk never ends on an empty page.
  Status s = ScanRecords<Record>(view, family, start.value(),
                                 [&](std::string_view key, const Record& record) {
                                   if (count == size.value()) {
                                     response.set_next_page_token(PageToken(list, last));
                                     return false;
                                   }
                                   add(response, record);
                                   ++count;
                                   last = std::string(key);
                                   return true;
                                 });
  if (!s.ok()) return s;
  return response;
}

}  // namespace

Result<Caller> Query::Authenticate(const std::string& token_hash,
                                   std::int64_t rotated_since_ns) const {
  auto record = ReadRecord<v1::PrincipalRecord>(view_, Family::kTokens, token_hash);
  if (!record.ok()) return record.status();
  if (!record.value()) return Status(Code::kUnauthenticated, "unknown token");
  std::int64_t retired = record.value()->retired_at_ns();
  bool retry_window =
      record.value()->retired_reason() == kRotatedReason && retired >= rotated_since_ns;
  if (retired != 0 && !retry_window) {
    return Status(Code::kUnauthenticated, "this token was " + record.value()->retired_reason());
  }
  const std::string& role = record.value()->role();
  for (Role known : {Role::kMerchant, Role::kBuyer, Role::kOperator}) {
    if (role == RoleName(known)) return Caller{known, record.value()->id()};
  }
  return Status(Code::kInternal, "token record names an unknown role");
}

Result<v1::ListOperatorsResponse> Query::ListOperators(std::size_t limit,
                                                       const std::string& page_token) const {
  return ListById<v1::OperatorRecord, v1::ListOperatorsResponse>(
      view_, Family::kOperators, PagedList::kOperators, limit, page_token,
      [](auto& response, const v1::OperatorRecord& record) {
        *response.add_operators() = record.operator_();
      });
}

Result<v1::Merchant> Query::GetMerchant(const std::string& id) const {
  return GetById<v1::Merchant>(view_, Family::kMerchants, id, "merchant");
}

Result<v1::Buyer> Query::GetBuyer(const std::string& id) const {
  return GetById<v1::Buyer>(view_, Family::kBuyers, id, "buyer");
}

Result<v1::ListMerchantsResponse> Query::ListMerchants(std::size_t limit,
                                                       const std::string& page_token) const {
  return ListById<v1::Merchant, v1::ListMerchantsResponse>(
      view_, Family::kMerchants, PagedList::kMerchants, limit, page_token,
      [](auto& response, const v1::Merchant& merchant) { *response.add_merchants() = merchant; });
}

Result<v1::ListBuyersResponse> Query::ListBuyers(std::size_t limit,
                                                 const std::string& page_token) const {
  return ListById<v1::Buyer, v1::ListBuyersResponse>(
      view_, Family::kBuyers, PagedList::kBuyers, limit, page_token,
      [](auto& response, const v1::Buyer& buyer) { *response.add_buyers() = buyer; });
}

Result<v1::ProviderRecord> Query::GetProviderRecord(const std::string& id) const {
  return GetById<v1::ProviderRecord>(view_, Family::kProviders, id, "provider");
}

Result<v1::Provider> Query::GetProvider(const std::string& id) const {
  auto record = GetProviderRecord(id);
  if (!record.ok()) return record.status();
  return record->provider();
}

Result<v1::ListProvidersResponse> Query::ListProviders(std::size_t limit,
                                                       const std::string& page_token) const {
  return ListById<v1::ProviderRecord, v1::ListProvidersResponse>(
      view_, Family::kProviders, PagedList::kProviders, limit, page_token,
      [](auto& response, const v1::ProviderRecord& record) {
        *response.add_providers() = record.provider();  // never the secrets
      });
}

}  // namespace market4::engine
