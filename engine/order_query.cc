// Order, wallet and balance reads. Ownership is checked next to the data: another tenant's
// order is NOT_FOUND.
#include "common/limits.h"
#include "engine/chart.h"
#include "engine/order_book.h"
#include "engine/query.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

// The order index owner whose orders `caller` may list; "" for nobody.
std::string OrdersOwner(const Caller& caller) {
  switch (caller.role) {
    case Role::kBuyer:
      return BuyerOrdersOwner(caller.id);
    case Role::kMerchant:
      return MerchantOrdersOwner(caller.id);
    case Role::kOperator:
      return kAllOrdersOwner;
    case Role::kNobody:
      break;
  }
  return "";
}

bool MayRead(const Caller& caller, const v1::Order& order) {
  return caller.role == Role::kOperator ||
         (caller.role == Role::kBuyer && order.buyer_id() == caller.id) ||
         (caller.role == Role::kMerchant && order.merchant_id() == caller.id);
}

// A posted wallet line's kind: the code's name, or a transfer in or out for operators' own.
const char* PostedKind(std::uint32_t code, bool in) {
  if (std::string_view(CodeName(code)) == kOtherCodeName)
    return in ? "transfer_in" : "transfer_out";
  return CodeName(code);
}

// A wallet line: what the transfer did to the spendable balance. False if nothing.
bool ToMovement(const v1::Transfer& t, const std::string& wallet, v1::Movement* m) {
  bool in = t.credit_account_id() == wallet;
  m->set_transfer_id(t.id());
  *m->mutable_at() = t.timestamp();
  switch (t.kind()) {
    case v1::TRANSFER_KIND_POSTED:
      m->set_amount(in ? t.amount() : -t.amount());
      m->set_kind(PostedKind(t.code(), in));
      return true;
    case v1::TRANSFER_KIND_PENDING:
      m->set_amount(-t.amount());
      m->set_kind(t.code() == kCodeOrderPayment ? "order_payment" : "reserved");
      return true;
    case v1::TRANSFER_KIND_VOID_PENDING:
    case v1::TRANSFER_KIND_EXPIRE_PENDING:
      m->set_amount(t.amount());
      m->set_kind(t.code() == kCodeOrderPayment ? "order_payment_returned" : "released");
      return true;
    default:
      return false;  // posting a reservation does not change the spendable balance
  }
}

}  // namespace

Result<v1::Order> Query::GetOrder(const Caller& caller, const std::string& id) const {
  auto order = ReadRecord<v1::Order>(view_, Family::kOrders, id);
  if (!order.ok()) return order.status();
  if (!order.value() || !MayRead(caller, *order.value())) {
    return Status(Code::kNotFound, "no order with this id").WithDetail("order_id", id);
  }
  return std::move(*order.value());
}

Result<v1::ListOrdersResponse> Query::ListOrders(const Caller& caller, v1::OrderStatus status,
                                                 std::size_t limit,
                                                 const std::string& page_token) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  std::string owner = OrdersOwner(caller);
  if (owner.empty()) return Status(Code::kPermissionDenied, "sign in to list orders");
  // One status: its own index, so no order of another status is ever read.
  if (status != v1::ORDER_STATUS_UNSPECIFIED) owner = StatusOrdersOwner(status, owner);
  auto start = ResumeBelowSequence(PagedList::kOrders, owner, page_token);
  if (!start.ok()) return start.status();
  v1::ListOrdersResponse response;
  std::string prefix = storage::IndexPrefix(owner);
  std::size_t scanned = 0;
  Status problem;
  Status s = view_.Scan(
      Family::kOrderIndex, prefix, true, start.value(),
      [&](std::string_view key, std::string_view id) {
        auto order = ReadRecord<v1::Order>(view_, Family::kOrders, id);
        if (!order.ok() || !order.value()) {
          problem = Status(Code::kInternal, "order index points at nothing");
          return false;
        }
        if (status == v1::ORDER_STATUS_UNSPECIFIED || order.value()->status() == status) {
          *response.add_orders() = *order.value();
        } else {
          problem = Status(Code::kInternal, "order status index is out of date");
          return false;
        }
        bool more = static_cast<std::size_t>(response.orders_size()) < size.value() &&
                    ++scanned < kMaxScannedRecords;
        if (!more) {
          response.set_next_page_token(
              PageToken(PagedList::kOrders, key.substr(prefix.size()), owner));
        }
        return more;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return response;
}

Result<v1::Wallet> Query::GetWallet(const std::string& buyer_id) const {
  std::string wallet = WalletAccount(buyer_id);
  auto account = GetAccount(wallet);
  if (!account.ok()) return account.status();
  v1::Wallet out;
  out.set_buyer_id(buyer_id);
  out.set_balance(account->available());
  out.set_held(account->debits_pending());
  auto history = ListAccountTransfers(wallet, kWalletMovements, "");
  if (!history.ok()) return history.status();
  for (const auto& t : history->transfers()) {
    v1::Movement movement;
    if (ToMovement(t, wallet, &movement)) *out.add_movements() = std::move(movement);
  }
  return out;
}

Result<v1::MerchantBalance> Query::GetMerchantBalance(const std::string& merchant_id) const {
  auto available = GetAccount(AvailableAccount(merchant_id));
  if (!available.ok()) return available.status();
  auto escrow = GetAccount(EscrowAccount(merchant_id));
  if (!escrow.ok()) return escrow.status();
  v1::MerchantBalance out;
  out.set_merchant_id(merchant_id);
  out.set_available(available->available());
  out.set_escrow(escrow->credits_pending() + escrow->credits_posted() - escrow->debits_posted());
  return out;
}

}  // namespace market4::engine
