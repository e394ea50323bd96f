// Marketplace routes: principals, listings, orders, wallets. Authorization by role happens
// in the router; ownership is decided by the engine (another tenant's object is 404).
#include "gateway/auth.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

using engine::Outcome;

constexpr std::size_t kIdRandomBytes = 16;     // 128-bit ids: not guessable
constexpr std::size_t kTokenRandomBytes = 32;  // 256-bit API tokens
constexpr std::size_t kMaxIdempotencyKeyBytes = 128;

const google::protobuf::Message& TheMessage(const Outcome& outcome) { return *outcome.message; }

// A fresh random id such as "m_3f9c...". Answers 500 and returns "" if randomness fails.
std::string NewId(Call& call, const char* prefix) {
  auto random = RandomHexToken(kIdRandomBytes);
  if (!random.ok()) {
    ReplyError(call, random.status());
    return "";
  }
  return prefix + random.value();
}

// The Idempotency-Key header, checked. Answers 400 and returns false if it is missing (when
// required) or malformed.
bool IdempotencyKey(Call& call, bool required, std::string* key) {
  *key = call.request.idempotency_key;
  bool printable = true;
  for (char c : *key) printable = printable && c > 0x20 && c < 0x7f;
  if ((required && key->empty()) || key->size() > kMaxIdempotencyKeyBytes || !printable) {
    ReplyError(call, Status(Code::kInvalidArgument,
                            "send an Idempotency-Key header: 1-128 visible ASCII characters")
                         .WithDetail("field", "Idempotency-Key"));
    return false;
  }
  return true;
}

template <typename Command, typename Request, typename Response, typename Principal>
void CreatePrincipal(Call& call, engine::Engine& engine, const char* prefix,
                     Principal* (Response::*mutable_principal)()) {
  Request request;
  if (!DecodeBody(call, &request)) return;
  std::string id = NewId(call, prefix);
  auto token = RandomHexToken(kTokenRandomBytes);
  if (id.empty()) return;
  if (!token.ok()) return ReplyError(call, token.status());
  Command command{id, TokenHash(token.value()), std::move(request)};
  engine.Submit(std::move(command), [respond = call.respond, format = call.format,
                                     token = token.value(), mutable_principal](Outcome o) {
    if (!o.status.ok()) return respond(ErrorResponse(o.status, format));
    Response response;
    ((response.*mutable_principal)())->CopyFrom(*o.message);
    response.set_token(token);
    respond(MessageResponse(201, response, format));
  });
}

void CreateMerchant(Call& call, engine::Engine& engine) {
  CreatePrincipal<engine::CreateMerchant, v1::CreateMerchantRequest, v1::CreateMerchantResponse>(
      call, engine, "m_", &v1::CreateMerchantResponse::mutable_merchant);
}

void CreateBuyer(Call& call, engine::Engine& engine) {
  CreatePrincipal<engine::CreateBuyer, v1::CreateBuyerRequest, v1::CreateBuyerResponse>(
      call, engine, "b_", &v1::CreateBuyerResponse::mutable_buyer);
}

void ListMerchants(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.ListMerchants(std::size_t(limit), QueryText(call, "page_token")));
}

void ListBuyers(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.ListBuyers(std::size_t(limit), QueryText(call, "page_token")));
}

void Me(Call& call, engine::Engine& engine) {
  v1::Me me;
  if (call.caller.role == engine::Role::kMerchant) {
    auto merchant = engine.GetMerchant(call.caller.id);
    if (!merchant.ok()) return ReplyError(call, merchant.status());
    me.set_role("merchant");
    *me.mutable_merchant() = merchant.value();
  } else if (call.caller.role == engine::Role::kBuyer) {
    auto buyer = engine.GetBuyer(call.caller.id);
    if (!buyer.ok()) return ReplyError(call, buyer.status());
    me.set_role("buyer");
    *me.mutable_buyer() = buyer.value();
  } else {
    me.set_role("operator");
  }
  Reply(call, MessageResponse(200, me, call.format));
}

void Deposit(Call& call, engine::Engine& engine) {
  v1::DepositRequest request;
  std::string key;
  if (!IdempotencyKey(call, true, &key) || !DecodeBody(call, &request)) return;
  engine.Submit(engine::MakeDeposit{call.path[2], key, std::move(request)},
                AnswerWith(call, 201, TheMessage));
}

void CreateListing(Call& call, engine::Engine& engine) {
  v1::CreateListingRequest request;
  if (!DecodeBody(call, &request)) return;
  std::string id = NewId(call, "l_");
  if (id.empty()) return;
  engine.Submit(engine::CreateListing{call.caller.id, id, std::move(request)},
                AnswerWith(call, 201, TheMessage));
}

void UpdateListing(Call& call, engine::Engine& engine) {
  v1::UpdateListingRequest request;
  if (!DecodeBody(call, &request)) return;
  engine.Submit(engine::UpdateListing{call.caller.id, call.path[2], std::move(request)},
                AnswerWith(call, 200, TheMessage));
}

void DelistListing(Call& call, engine::Engine& engine) {
  engine.Submit(engine::DelistListing{call.caller.id, call.path[2]},
                AnswerWith(call, 200, TheMessage));
}

bool IsOwnerOrOperator(const Call& call, const std::string& merchant_id) {
  if (call.anonymous) return false;
  return call.caller.role == engine::Role::kOperator ||
         (call.caller.role == engine::Role::kMerchant && call.caller.id == merchant_id);
}

void GetListing(Call& call, engine::Engine& engine) {
  auto listing = engine.GetListing(call.path[2]);
  // A delisted listing is visible only to its merchant and operators.
  if (listing.ok() && !listing->active() && !IsOwnerOrOperator(call, listing->merchant_id())) {
    return ReplyError(call, Status(Code::kNotFound, "no listing with this id"));
  }
  ReplyResult(call, listing);
}

void SearchListings(Call& call, engine::Engine& engine) {
  engine::ListingFilter filter;
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit) || !QueryNumber(call, "min_price", &filter.min_price) ||
      !QueryNumber(call, "max_price", &filter.max_price)) {
    return;
  }
  filter.merchant_id = QueryText(call, "merchant_id");
  filter.category = QueryText(call, "category");
  filter.text = QueryText(call, "q");
  std::string in_stock = QueryText(call, "in_stock");
  filter.in_stock_only = in_stock == "true" || in_stock == "1";
  filter.include_inactive =
      !filter.merchant_id.empty() && IsOwnerOrOperator(call, filter.merchant_id);
  ReplyResult(call,
              engine.SearchListings(filter, std::size_t(limit), QueryText(call, "page_token")));
}

void PlaceOrder(Call& call, engine::Engine& engine) {
  v1::CreateOrderRequest request;
  std::string key;
  if (!IdempotencyKey(call, true, &key) || !DecodeBody(call, &request)) return;
  std::string id = NewId(call, "o_");
  if (id.empty()) return;
  engine.Submit(engine::PlaceOrder{call.caller.id, id, key, std::move(request)},
                AnswerWith(call, 201, TheMessage));
}

template <engine::OrderAction kAction>
void Act(Call& call, engine::Engine& engine) {
  v1::VoidPendingRequest empty;  // actions take an empty JSON object
  std::string key;
  if (!IdempotencyKey(call, false, &key) || !DecodeBody(call, &empty)) return;
  engine.Submit(engine::ActOnOrder{call.caller, call.path[2], kAction, key},
                AnswerWith(call, 200, TheMessage));
}

void Refund(Call& call, engine::Engine& engine) {
  v1::RefundRequest request;
  std::string key;
  if (!IdempotencyKey(call, true, &key) || !DecodeBody(call, &request)) return;
  engine.Submit(engine::RefundOrder{call.caller.id, call.path[2], key, std::move(request)},
                AnswerWith(call, 200, TheMessage));
}

void ListOrders(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  v1::OrderStatus status = v1::ORDER_STATUS_UNSPECIFIED;
  std::string text = QueryText(call, "status");
  if (!text.empty() && !v1::OrderStatus_Parse(text, &status)) {
    return ReplyError(
        call, Status(Code::kInvalidArgument, "unknown order status").WithDetail("field", "status"));
  }
  ReplyResult(call, engine.ListOrders(call.caller, status, std::size_t(limit),
                                      QueryText(call, "page_token")));
}

}  // namespace

const std::vector<Route>& MarketRoutes() {
  using engine::OrderAction;
  static const std::vector<Route> routes = {
      {"POST", {"v1", "merchants"}, kOperator, CreateMerchant},
      {"GET", {"v1", "merchants"}, kOperator, ListMerchants},
      {"GET",
       {"v1", "merchants", "*"},
       kOperator,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetMerchant(c.path[2])); }},
      {"POST", {"v1", "buyers"}, kAnyone, CreateBuyer},
      {"GET", {"v1", "buyers"}, kOperator, ListBuyers},
      {"GET",
       {"v1", "buyers", "*"},
       kOperator,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetBuyer(c.path[2])); }},
      {"POST", {"v1", "buyers", "*", "deposits"}, kOperator, Deposit},
      {"GET", {"v1", "me"}, kSignedIn, Me},
      {"POST", {"v1", "listings"}, kMerchant, CreateListing},
      {"GET", {"v1", "listings"}, kAnyone, SearchListings},
      {"GET", {"v1", "listings", "*"}, kAnyone, GetListing},
      {"PATCH", {"v1", "listings", "*"}, kMerchant, UpdateListing},
      {"DELETE", {"v1", "listings", "*"}, kMerchant, DelistListing},
      {"POST", {"v1", "orders"}, kBuyer, PlaceOrder},
      {"GET", {"v1", "orders"}, kSignedIn, ListOrders},
      {"GET",
       {"v1", "orders", "*"},
       kSignedIn,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetOrder(c.caller, c.path[2])); }},
      {"POST", {"v1", "orders", "*", "pay"}, kBuyer, Act<OrderAction::kPay>},
      {"POST", {"v1", "orders", "*", "ship"}, kMerchant, Act<OrderAction::kShip>},
      {"POST", {"v1", "orders", "*", "confirm"}, kBuyer, Act<OrderAction::kConfirm>},
      {"POST", {"v1", "orders", "*", "cancel"}, kSignedIn, Act<OrderAction::kCancel>},
      {"POST", {"v1", "orders", "*", "refund"}, kMerchant, Refund},
      {"GET",
       {"v1", "wallet"},
       kBuyer,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetWallet(c.caller.id)); }},
      {"GET",
       {"v1", "merchant", "balance"},
       kMerchant,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetMerchantBalance(c.caller.id)); }},
  };
  return routes;
}

}  // namespace market4::gateway
