// Reads of stored settlement reconciliations (operator).
#include "common/business_day.h"
#include "engine/query.h"
#include "engine/records.h"
#include "engine/settlement_index.h"

namespace market4::engine {

Result<v1::Reconciliation> Query::GetReconciliation(const std::string& id) const {
  if (id.rfind(kReconciliationPrefix, 0) != 0) {
    return Status(Code::kNotFound, "no reconciliation with this id")
        .WithDetail("reconciliation_id", id);
  }
  return GetById<v1::Reconciliation>(view_, storage::Family::kReconciliations, id,
                                     "reconciliation");
}

Result<v1::ListSettlementEntriesResponse> Query::ListSettlementEntries(
    const std::string& provider, std::int64_t day, int utc_offset_minutes) const {
  auto known = GetProvider(provider);
  if (!known.ok()) return known.status();
  auto entries = SettlementsBetween(view_, provider, LocalDayStartNs(day, utc_offset_minutes),
                                    LocalDayStartNs(day + 1, utc_offset_minutes));
  if (!entries.ok()) return entries.status();
  v1::ListSettlementEntriesResponse response;
  response.set_provider(provider);
  response.set_date(FormatDate(day));
  for (auto& entry : entries.value()) *response.add_entries() = std::move(entry);
  return response;
}

}  // namespace market4::engine
