// Private to engine/: how a statement names each ledger entry for people, in Vietnamese. The
// transfer code says what kind of movement it is (engine/chart.h); the server id the engine
// gave the entry ("o~<order>~settle", "po~<payout>", "sp~<payment>~fee", ...) says which
// order, payout, top-up or stall payment it belongs to, and that object gives the order's
// number and the other party's name. Over one ReadView, for one statement; any thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/statements.pb.h"
#include "market4/v1/storage.pb.h"
#include "storage/store.h"

namespace market4::engine {

namespace v1 = ::market4::v1;

class LineDescriber {
 public:
  // Describes entries as lines of `account_id`'s statement. `view` must outlive this.
  LineDescriber(const storage::ReadView& view, std::string account_id)
      : view_(view), account_id_(std::move(account_id)) {}

  // Sets the line's description, order_id and reference for `record`. An entry whose object
  // cannot be found (an operator's own transfer, say) gets a generic description with its
  // code. Fails only when storage does.
  [[nodiscard]] Status Describe(const v1::TransferRecord& record, v1::StatementLine* line);

 private:
  Result<std::string> Text(const v1::TransferRecord& record, const std::string& object,
                           v1::StatementLine* line);
  Result<std::string> OrderText(std::uint32_t code, const std::string& order_id,
                                v1::StatementLine* line);
  Result<std::string> StallText(std::uint32_t code, const std::string& payment_id, bool in);
  template <typename Rail>
  Result<std::string> ViaProvider(const char* text, const std::string& rail_id);
  Result<std::string> ProviderPaymentText(const std::string& payment_id, v1::StatementLine* line);
  Result<std::string> BankTransferText(const std::string& event_id, v1::StatementLine* line);
  // " – <name>" of a merchant or buyer, "" if it has none.
  Result<std::string> MerchantName(const std::string& id);
  Result<std::string> BuyerName(const std::string& id);
  Result<std::string> ProviderName(const std::string& id);
  Result<std::optional<v1::Order>> FindOrder(const std::string& id);

  const storage::ReadView& view_;
  const std::string account_id_;
  // Names and orders already read: a day's lines name the same few parties many times.
  std::map<std::string, std::string> names_;
  std::map<std::string, std::optional<v1::Order>> orders_;
};

}  // namespace market4::engine
