// Vietnamese descriptions of statement lines, from transfer codes and the objects the engine's
// server ids point at (see statement_lines.h).
#include "engine/statement_lines.h"

#include <vector>

#include "engine/chart.h"
#include "engine/records.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/stall.pb.h"

namespace market4::engine {
namespace {

using storage::Family;

constexpr char kDash[] = " – ";

// The parts of a server id: "o~o_1~settle" -> {"o", "o_1", "settle"}; a client's id (which
// never holds '~') is one part.
std::vector<std::string> IdParts(const std::string& id) {
  std::vector<std::string> parts(1);
  for (char c : id) {
    if (c == '~') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

// The prefix of the server ids each code's entries carry, and where their object lives.
const char* IdKind(std::uint32_t code) {
  switch (code) {
    case kCodeTopUp:
      return "tu";
    case kCodeProviderPayment:
      return "pi";
    case kCodeExceptionCredit:
      return "ex";
    case kCodeBankTransfer:
      return "bt";
    case kCodeOrderPayment:
    case kCodeOrderSettlement:
    case kCodeCommission:
    case kCodeRefund:
      return "o";
    case kCodePayout:
      return "po";
    case kCodeStallPayment:
    case kCodeStallCommission:
    case kCodeStallRefund:
      return "sp";
    default:
      return "";
  }
}

// "#M4N2PTEAQJ": orders carry no sequential number, so the order's payment code, the short
// reference its buyer and merchant already see on receipts and VietQR memos; its id if none.
std::string OrderNumber(const v1::Order& order) {
  return "#" + (order.payment_code().empty() ? order.id() : order.payment_code());
}

// The text for an object that could not be read: "" (a generic description) if it is
// absent, the error if storage failed.
template <typename T>
Result<std::string> Missing(const Result<std::optional<T>>& found) {
  if (!found.ok()) return found.status();
  return std::string();
}

}  // namespace

Status LineDescriber::Describe(const v1::TransferRecord& record, v1::StatementLine* line) {
  std::vector<std::string> parts = IdParts(record.id());
  std::string object;
  if (parts.size() > 1 && parts[0] == IdKind(record.code())) object = parts[1];
  std::string text;
  if (record.code() == kCodeDeposit) {
    text = "Nạp tiền mặt tại quầy";
  } else if (!object.empty()) {
    // Orders go in order_id, set once the order is found; other objects are references.
    if (parts[0] != "o") line->set_reference(object);
    auto described = Text(record, object, line);
    if (!described.ok()) return described.status();
    text = std::move(described).value();
  }
  if (text.empty()) text = "Giao dịch mã " + std::to_string(record.code());
  line->set_description(std::move(text));
  return Status::Ok();
}

Result<std::string> LineDescriber::Text(const v1::TransferRecord& record, const std::string& object,
                                        v1::StatementLine* line) {
  const bool in = record.credit_account_id() == account_id_;
  switch (record.code()) {
    case kCodeTopUp:
      return ViaProvider<v1::TopUp>("Nạp tiền qua ", object);
    case kCodeProviderPayment:
      return ProviderPaymentText(object, line);
    case kCodeExceptionCredit:
      return ViaProvider<v1::ProviderException>("Tiền về ví sau đối soát, qua ", object);
    case kCodeBankTransfer:
      return BankTransferText(object, line);
    case kCodePayout:
      return ViaProvider<v1::Payout>("Rút tiền về ", object);
    case kCodeStallPayment:
    case kCodeStallCommission:
    case kCodeStallRefund:
      return StallText(record.code(), object, in);
    default:
      return OrderText(record.code(), object, line);
  }
}

Result<std::string> LineDescriber::OrderText(std::uint32_t code, const std::string& order_id,
                                             v1::StatementLine* line) {
  auto order = FindOrder(order_id);
  if (!order.ok() || !order.value()) return Missing(order);
  line->set_order_id(order_id);
  const v1::Order& o = *order.value();
  Result<std::string> name = std::string();
  switch (code) {
    case kCodeOrderPayment:
      name = MerchantName(o.merchant_id());
      if (!name.ok()) return name;
      return "Thanh toán đơn " + OrderNumber(o) + name.value();
    case kCodeOrderSettlement:
      name = BuyerName(o.buyer_id());
      if (!name.ok()) return name;
      return "Đơn hàng " + OrderNumber(o) + name.value();
    case kCodeCommission:
      return "Hoa hồng đơn " + OrderNumber(o);
    default:
      return "Hoàn tiền đơn " + OrderNumber(o);
  }
}

Result<std::string> LineDescriber::StallText(std::uint32_t code, const std::string& payment_id,
                                             bool in) {
  auto payment = ReadRecord<v1::StallPayment>(view_, Family::kRails, payment_id);
  if (!payment.ok() || !payment.value()) return Missing(payment);
  const v1::StallPayment& p = *payment.value();
  auto merchant = MerchantName(p.merchant_id());
  if (!merchant.ok()) return merchant;
  // Each side sees the other party: the merchant the buyer, the buyer the stall.
  std::string buyer = p.buyer_name().empty() ? "" : kDash + p.buyer_name();
  switch (code) {
    case kCodeStallPayment:
      return "Thanh toán tại quầy" + (in ? buyer : merchant.value());
    case kCodeStallCommission:
      return "Phí sàn thanh toán tại quầy" + merchant.value();
    default:
      return "Hoàn tiền thanh toán tại quầy" + (in ? merchant.value() : buyer);
  }
}

template <typename Rail>
Result<std::string> LineDescriber::ViaProvider(const char* text, const std::string& rail_id) {
  auto rail = ReadRecord<Rail>(view_, Family::kRails, rail_id);
  if (!rail.ok() || !rail.value()) return Missing(rail);
  auto name = ProviderName(rail.value()->provider());
  if (!name.ok()) return name;
  return text + name.value();
}

Result<std::string> LineDescriber::ProviderPaymentText(const std::string& payment_id,
                                                       v1::StatementLine* line) {
  auto payment = ReadRecord<v1::ProviderPayment>(view_, Family::kRails, payment_id);
  if (!payment.ok() || !payment.value()) return Missing(payment);
  auto name = ProviderName(payment.value()->provider());
  if (!name.ok()) return name;
  auto order = FindOrder(payment.value()->order_id());
  if (!order.ok()) return order.status();
  std::string text = "Nạp tiền qua " + name.value();
  if (!order.value()) return text;
  line->set_order_id(order.value()->id());
  return text + " cho đơn " + OrderNumber(*order.value());
}

Result<std::string> LineDescriber::BankTransferText(const std::string& event_id,
                                                    v1::StatementLine* line) {
  auto event = ReadRecord<v1::ProviderEvent>(view_, Family::kEvents, "e" + event_id);
  if (!event.ok() || !event.value()) return Missing(event);
  auto name = ProviderName(event.value()->provider());
  if (!name.ok()) return name;
  auto order = FindOrder(event.value()->reference());
  if (!order.ok()) return order.status();
  std::string text = "Chuyển khoản qua " + name.value();
  if (!order.value()) return text;
  line->set_order_id(order.value()->id());
  return text + " cho đơn " + OrderNumber(*order.value());
}

Result<std::string> LineDescriber::MerchantName(const std::string& id) {
  auto [it, fresh] = names_.try_emplace("m" + id);
  if (!fresh) return it->second;
  auto merchant = ReadRecord<v1::Merchant>(view_, Family::kMerchants, id);
  if (!merchant.ok()) return merchant.status();
  if (merchant.value() && !merchant.value()->name().empty()) {
    it->second = kDash + merchant.value()->name();
  }
  return it->second;
}

Result<std::string> LineDescriber::BuyerName(const std::string& id) {
  auto [it, fresh] = names_.try_emplace("b" + id);
  if (!fresh) return it->second;
  auto buyer = ReadRecord<v1::Buyer>(view_, Family::kBuyers, id);
  if (!buyer.ok()) return buyer.status();
  if (buyer.value() && !buyer.value()->name().empty()) it->second = kDash + buyer.value()->name();
  return it->second;
}

// The provider's own name ("MoMo"), or its id if it has none.
Result<std::string> LineDescriber::ProviderName(const std::string& id) {
  auto [it, fresh] = names_.try_emplace("p" + id, id);
  if (!fresh) return it->second;
  auto provider = ReadRecord<v1::ProviderRecord>(view_, Family::kProviders, id);
  if (!provider.ok()) return provider.status();
  if (provider.value() && !provider.value()->provider().name().empty()) {
    it->second = provider.value()->provider().name();
  }
  return it->second;
}

Result<std::optional<v1::Order>> LineDescriber::FindOrder(const std::string& id) {
  if (id.empty()) return std::optional<v1::Order>();
  auto it = orders_.find(id);
  if (it != orders_.end()) return it->second;
  auto order = ReadRecord<v1::Order>(view_, Family::kOrders, id);
  if (!order.ok()) return order.status();
  orders_.emplace(id, order.value());
  return std::move(order).value();
}

}  // namespace market4::engine
