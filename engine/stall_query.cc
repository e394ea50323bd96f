// Reads of the market stall: merchants' live events (for resuming a stream).
#include "engine/query.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {

Result<std::vector<v1::MerchantEvent>> Query::ListMerchantEvents(const std::string& merchant_id,
                                                                 std::uint64_t after_id,
                                                                 std::size_t limit) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  std::vector<v1::MerchantEvent> events;
  Status problem;
  Status s = view_.Scan(storage::Family::kMerchantEvents, storage::IndexPrefix(merchant_id), false,
                        storage::IndexKey(merchant_id, after_id + 1),
                        [&](std::string_view, std::string_view value) {
                          v1::MerchantEvent event;
                          if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                            problem = Status(Code::kInternal, "corrupt merchant event");
                            return false;
                          }
                          events.push_back(std::move(event));
                          return events.size() < size.value();
                        });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return events;
}

}  // namespace market4::engine
