// Marketplace reads: served from committed RocksDB state on the caller's thread, like the
// ledger reads in reads.cc. Ownership is checked here, next to the data: another tenant's
// object is kNotFound.
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <charconv>

#include "engine/engine.h"
#include "engine/ledger.h"
#include "engine/records.h"
#include "storage/keys.h"

namespace market4::engine {
namespace {

using storage::Family;

constexpr std::size_t kMaxScannedRecords = 20'000;  // per list request
constexpr std::size_t kWalletMovements = 20;

// Visits records of `family` in id order, starting after `page_token`. Stops when `visit`
// returns false; sets *next to the last id visited if the scan stopped early.
template <typename Record, typename Visit>
Status ScanById(const storage::ReadView& view, Family family, const std::string& page_token,
                Visit visit, std::string* next) {
  std::string start = page_token.empty() ? "" : page_token + '\0';
  std::size_t scanned = 0;
  Status problem;
  Status s = view.Scan(family, "", false, std::optional<std::string_view>(start),
                       [&](std::string_view key, std::string_view value) {
                         Record record;
                         if (!record.ParseFromArray(value.data(), int(value.size()))) {
                           problem = Status(Code::kInternal, "corrupt record in storage");
                           return false;
                         }
                         bool more = visit(record) && ++scanned < kMaxScannedRecords;
                         if (!more) *next = std::string(key);
                         return more;
                       });
  return s.ok() ? problem : s;
}

template <typename Response, typename Record>
Result<Response> ListAll(const storage::ReadView& view, Family family, std::size_t limit,
                         const std::string& page_token, Record* (Response::*add)()) {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  Response response;
  std::string next;
  std::size_t count = 0;
  Status s = ScanById<Record>(
      view, family, page_token,
      [&](const Record& record) {
        *(response.*add)() = record;
        return ++count < size.value();
      },
      &next);
  if (!s.ok()) return s;
  response.set_next_page_token(next);
  return response;
}

std::string Lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool Matches(const v1::Listing& l, const ListingFilter& f, const std::string& text) {
  return (f.include_inactive || l.active()) &&
         (f.merchant_id.empty() || l.merchant_id() == f.merchant_id) &&
         (f.category.empty() || l.category() == f.category) &&
         (f.min_price == 0 || l.price() >= f.min_price) &&
         (f.max_price == 0 || l.price() <= f.max_price) && (!f.in_stock_only || l.stock() > 0) &&
         (text.empty() || Lower(l.title()).find(text) != std::string::npos);
}

std::string OrderScope(const Caller& caller) {
  switch (caller.role) {
    case Role::kBuyer:
      return "b" + caller.id;
    case Role::kMerchant:
      return "m" + caller.id;
    case Role::kOperator:
      return "a";
    default:
      return "";
  }
}

// A wallet line: what the transfer did to the spendable balance.
bool ToMovement(const v1::Transfer& t, const std::string& wallet, v1::Movement* m) {
  bool in = t.credit_account_id() == wallet;
  m->set_transfer_id(t.id());
  *m->mutable_at() = t.timestamp();
  switch (t.kind()) {
    case v1::TRANSFER_KIND_POSTED:
      m->set_amount(in ? t.amount() : -t.amount());
      m->set_kind(t.code() == kCodeDeposit  ? "deposit"
                  : t.code() == kCodeRefund ? "refund"
                  : in                      ? "transfer_in"
                                            : "transfer_out");
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

Result<Caller> Engine::Authenticate(const std::string& token_hash) const {
  auto record = ReadRecord<v1::PrincipalRecord>(store_->View(), Family::kTokens, token_hash);
  if (!record.ok()) return record.status();
  if (!record.value()) return Status(Code::kUnauthenticated, "unknown token");
  Caller caller;
  const std::string& role = record.value()->role();
  if (role != "merchant" && role != "buyer") {
    return Status(Code::kInternal, "token record names an unknown role");
  }
  caller.role = role == "merchant" ? Role::kMerchant : Role::kBuyer;
  caller.id = record.value()->id();
  return caller;
}

Result<v1::Merchant> Engine::GetMerchant(const std::string& id) const {
  auto record = ReadRecord<v1::Merchant>(store_->View(), Family::kMerchants, id);
  if (!record.ok()) return record.status();
  if (!record.value()) return Status(Code::kNotFound, "no merchant with this id");
  return *record.value();
}

Result<v1::Buyer> Engine::GetBuyer(const std::string& id) const {
  auto record = ReadRecord<v1::Buyer>(store_->View(), Family::kBuyers, id);
  if (!record.ok()) return record.status();
  if (!record.value()) return Status(Code::kNotFound, "no buyer with this id");
  return *record.value();
}

Result<v1::ListMerchantsResponse> Engine::ListMerchants(std::size_t limit,
                                                        const std::string& page_token) const {
  return ListAll<v1::ListMerchantsResponse, v1::Merchant>(
      store_->View(), Family::kMerchants, limit, page_token,
      &v1::ListMerchantsResponse::add_merchants);
}

Result<v1::ListBuyersResponse> Engine::ListBuyers(std::size_t limit,
                                                  const std::string& page_token) const {
  return ListAll<v1::ListBuyersResponse, v1::Buyer>(
      store_->View(), Family::kBuyers, limit, page_token, &v1::ListBuyersResponse::add_buyers);
}

Result<v1::ListAccountsResponse> Engine::ListAccounts(std::size_t limit,
                                                      const std::string& page_token) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  v1::ListAccountsResponse response;
  std::string next;
  Status s = ScanById<v1::AccountRecord>(
      store_->View(), Family::kAccounts, page_token,
      [&](const v1::AccountRecord& record) {
        *response.add_accounts() = AccountView(record);
        return response.accounts_size() < int(size.value());
      },
      &next);
  if (!s.ok()) return s;
  response.set_next_page_token(next);
  return response;
}

Result<v1::Listing> Engine::GetListing(const std::string& id) const {
  auto record = ReadRecord<v1::Listing>(store_->View(), Family::kListings, id);
  if (!record.ok()) return record.status();
  if (!record.value()) return Status(Code::kNotFound, "no listing with this id");
  return *record.value();
}

Result<v1::ListListingsResponse> Engine::SearchListings(const ListingFilter& filter,
                                                        std::size_t limit,
                                                        const std::string& page_token) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  v1::ListListingsResponse response;
  std::string text = Lower(filter.text);
  std::string next;
  Status s = ScanById<v1::Listing>(
      store_->View(), Family::kListings, page_token,
      [&](const v1::Listing& listing) {
        if (Matches(listing, filter, text)) {
          *response.add_listings() = listing;
        }
        return response.listings_size() < int(size.value());
      },
      &next);
  if (!s.ok()) return s;
  response.set_next_page_token(next);
  return response;
}

Result<v1::Order> Engine::GetOrder(const Caller& caller, const std::string& id) const {
  auto record = ReadRecord<v1::Order>(store_->View(), Family::kOrders, id);
  if (!record.ok()) return record.status();
  const auto& order = record.value();
  bool visible = order && (caller.role == Role::kOperator ||
                           (caller.role == Role::kBuyer && order->buyer_id() == caller.id) ||
                           (caller.role == Role::kMerchant && order->merchant_id() == caller.id));
  if (!visible) return Status(Code::kNotFound, "no order with this id").WithDetail("order_id", id);
  return *order;
}

Result<v1::ListOrdersResponse> Engine::ListOrders(const Caller& caller, v1::OrderStatus status,
                                                  std::size_t limit,
                                                  const std::string& page_token) const {
  auto size = PageSize(limit);
  if (!size.ok()) return size.status();
  std::string scope = OrderScope(caller);
  if (scope.empty()) return Status(Code::kPermissionDenied, "sign in to list orders");
  auto start = PageStart(scope, page_token);
  if (!start.ok()) return start.status();
  v1::ListOrdersResponse response;
  std::string prefix = storage::IndexPrefix(scope);
  std::size_t scanned = 0;
  Status problem;
  storage::ReadView view = store_->View();
  Status s = view.Scan(
      Family::kOrderIndex, prefix, true, start.value(),
      [&](std::string_view key, std::string_view id) {
        auto order = ReadRecord<v1::Order>(view, Family::kOrders, id);
        if (!order.ok() || !order.value()) {
          problem = Status(Code::kInternal, "order index points at nothing");
          return false;
        }
        if (status == v1::ORDER_STATUS_UNSPECIFIED || order.value()->status() == status) {
          *response.add_orders() = *order.value();
        }
        bool more = response.orders_size() < int(size.value()) && ++scanned < kMaxScannedRecords;
        if (!more) {
          auto number = storage::DecodeSequence(key.substr(prefix.size()));
          response.set_next_page_token(std::to_string(number.value_or(0)));
        }
        return more;
      });
  if (!s.ok()) return s;
  if (!problem.ok()) return problem;
  return response;
}

Result<v1::Wallet> Engine::GetWallet(const std::string& buyer_id) const {
  storage::ReadView view = store_->View();  // balance and movements from one state
  std::string wallet = WalletAccount(buyer_id);
  auto account = ReadAccount(view, wallet);
  if (!account.ok()) return account.status();
  v1::Wallet out;
  out.set_buyer_id(buyer_id);
  out.set_balance(account->available());
  out.set_held(account->debits_pending());
  auto history = ReadAccountTransfers(view, wallet, kWalletMovements, "");
  if (!history.ok()) return history.status();
  for (const auto& t : history->transfers()) {
    v1::Movement movement;
    if (ToMovement(t, wallet, &movement)) *out.add_movements() = std::move(movement);
  }
  return out;
}

Result<v1::MerchantBalance> Engine::GetMerchantBalance(const std::string& merchant_id) const {
  storage::ReadView view = store_->View();
  auto available = ReadAccount(view, AvailableAccount(merchant_id));
  if (!available.ok()) return available.status();
  auto escrow = ReadAccount(view, EscrowAccount(merchant_id));
  if (!escrow.ok()) return escrow.status();
  v1::MerchantBalance out;
  out.set_merchant_id(merchant_id);
  out.set_available(available->available());
  out.set_escrow(escrow->credits_pending() + escrow->credits_posted() - escrow->debits_posted());
  return out;
}

}  // namespace market4::engine
