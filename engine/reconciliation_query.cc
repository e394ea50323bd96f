// Reads of stored settlement reconciliations (operator).
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

}  // namespace market4::engine
