// Marketplace routes: principals, listings, orders, wallets. The router has checked the
// caller's role; ownership is decided by the engine (another tenant's object is 404).
#include "common/crypto.h"
#include "common/limits.h"
#include "gateway/auth.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

void CreateMerchant(Call& call, engine::Engine& engine) {
  engine::CreateMerchant command;
  command.caller = call.caller;
  std::string scope = "operator:" + call.caller.id;
  CreatePrincipal<v1::CreateMerchantResponse>(call, engine, std::move(command), "m_", scope,
                                              &v1::CreateMerchantResponse::mutable_merchant);
}

// The scope of public registrations' Idempotency-Keys.
constexpr char kRegistrationScope[] = "public";

void CreateBuyer(Call& call, engine::Engine& engine) {
  // Registrations are public: whoever holds the key (and the same body) gets the first
  // answer, token included, so the key must be as secret as a password (a random UUID).
  CreatePrincipal<v1::CreateBuyerResponse>(call, engine, engine::CreateBuyer{}, "b_",
                                           kRegistrationScope,
                                           &v1::CreateBuyerResponse::mutable_buyer);
}

void ListMerchants(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListMerchants(std::size_t(limit), QueryText(call, "page_token")));
}

void GetMerchant(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetMerchant(call.path[2]));
}

void ListBuyers(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListBuyers(std::size_t(limit), QueryText(call, "page_token")));
}

void GetBuyer(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetBuyer(call.path[2]));
}

void Me(Call& call, engine::Engine& engine) {
  v1::Me me;
  me.set_role(engine::RoleName(call.caller.role));
  if (call.caller.role == engine::Role::kMerchant) {
    auto merchant = engine.Read().GetMerchant(call.caller.id);
    if (!merchant.ok()) return ReplyError(call, merchant.status());
    *me.mutable_merchant() = merchant.value();
  } else if (call.caller.role == engine::Role::kBuyer) {
    auto buyer = engine.Read().GetBuyer(call.caller.id);
    if (!buyer.ok()) return ReplyError(call, buyer.status());
    *me.mutable_buyer() = buyer.value();
  }
  Reply(call, MessageResponse(200, me, call.format));
}

void Deposit(Call& call, engine::Engine& engine) {
  engine::MakeDeposit command{call.caller, call.path[2], "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

void CreateListing(Call& call, engine::Engine& engine) {
  engine::CreateListing command{call.caller.id, "", {}};
  if (!DecodeBody(call, &command.request)) return;
  if (!ReadIdempotencyKey(call, false, &command.idempotency_key)) return;
  if (command.idempotency_key.empty()) {
    command.id = NewId(call, "l_");
    if (command.id.empty()) return;
  } else {  // a retry gets the same id, and the engine the first answer
    command.id = MintedId(call, "l_", "merchant:" + call.caller.id, command.idempotency_key);
  }
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

void UpdateListing(Call& call, engine::Engine& engine) {
  engine::UpdateListing command{call.caller.id, call.path[2], {}};
  if (!DecodeBody(call, &command.request)) return;
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

void DelistListing(Call& call, engine::Engine& engine) {
  SubmitAndAnswer(call, engine, engine::DelistListing{call.caller.id, call.path[2]}, 200);
}

bool IsOwnerOrOperator(const Call& call, const std::string& merchant_id) {
  return call.caller.role == engine::Role::kOperator ||
         (call.caller.role == engine::Role::kMerchant && call.caller.id == merchant_id);
}

void GetListing(Call& call, engine::Engine& engine) {
  auto listing = engine.Read().GetListing(call.path[2]);
  // A delisted listing is visible only to its merchant and operators.
  if (listing.ok() && !listing->active() && !IsOwnerOrOperator(call, listing->merchant_id())) {
    return ReplyError(
        call,
        Status(Code::kNotFound, "no listing with this id").WithDetail("listing_id", call.path[2]));
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
  ReplyResult(call, engine.Read().SearchListings(filter, std::size_t(limit),
                                                 QueryText(call, "page_token")));
}

void PlaceOrder(Call& call, engine::Engine& engine) {
  engine::PlaceOrder command{call.caller.id, "", "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  command.id = NewId(call, "o_");
  if (command.id.empty()) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

// Pays from the wallet (200), or with {"provider"} starts a payment through that provider
// (202: the order waits for the provider's event).
void Pay(Call& call, engine::Engine& engine) {
  v1::PayOrderRequest request;
  engine::ActOnOrder command{call.caller, call.path[2], engine::OrderAction::kPay, "", "", ""};
  if (!ReadIdempotencyKey(call, false, &command.idempotency_key) || !DecodeBody(call, &request)) {
    return;
  }
  if (request.provider().empty()) return SubmitAndAnswer(call, engine, std::move(command), 200);
  command.provider = request.provider();
  command.payment_id = NewId(call, "pi_");
  if (command.payment_id.empty()) return;
  SubmitAndAnswer(call, engine, std::move(command), 202);
}

template <engine::OrderAction kAction>
void Act(Call& call, engine::Engine& engine) {
  v1::VoidPendingRequest empty;  // actions take an empty JSON object
  engine::ActOnOrder command{call.caller, call.path[2], kAction, "", "", ""};
  if (!ReadIdempotencyKey(call, false, &command.idempotency_key) || !DecodeBody(call, &empty)) {
    return;
  }
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

void Refund(Call& call, engine::Engine& engine) {
  engine::RefundOrder command{call.caller.id, call.path[2], "", {}};
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key) ||
      !DecodeBody(call, &command.request)) {
    return;
  }
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

void GetOrder(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetOrder(call.caller, call.path[2]));
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
  ReplyResult(call, engine.Read().ListOrders(call.caller, status, std::size_t(limit),
                                             QueryText(call, "page_token")));
}

void Wallet(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetWallet(call.caller.id));
}

void MerchantBalance(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetMerchantBalance(call.caller.id));
}

// The engine's answer to a token command, with the token (which only the gateway knows)
// filled in.
std::function<void(engine::Answer<v1::IssuedToken>)> AnswerWithToken(const Call& call,
                                                                     std::string token) {
  return [respond = call.respond, format = call.format,
          token = std::move(token)](engine::Answer<v1::IssuedToken> answer) {
    if (!answer.ok()) return respond(ErrorResponse(answer.status, format));
    answer.value.set_token(token);
    HttpResponse response = MessageResponse(200, answer.value, format);
    if (answer.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    respond(std::move(response));
  };
}

// POST /v1/me/token/rotate. The new token is minted from the old one's hash and the
// Idempotency-Key, so a retry (which may present the old token for a while) gets it again.
void RotateToken(Call& call, engine::Engine& engine) {
  v1::RotateTokenRequest request;
  if (!DecodeBody(call, &request)) return;
  engine::RotateToken command;
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key)) return;
  auto presented = BearerToken(call.request.Header("Authorization"));  // the router checked it
  command.caller = call.caller;
  command.old_token_hash = TokenHash(presented.value_or(""));
  std::string token =
      call.auth->Mint("token", "rotate:" + command.old_token_hash, command.idempotency_key);
  command.new_token_hash = TokenHash(token);
  engine.Submit<engine::RotateToken>(std::move(command), AnswerWithToken(call, std::move(token)));
}

// POST /v1/merchants/{id}/token and /v1/buyers/{id}/token (operator).
template <engine::Role role>
void ReissueToken(Call& call, engine::Engine& engine) {
  v1::ReissueTokenRequest request;
  if (!DecodeBody(call, &request)) return;
  engine::ReissueToken command;
  if (!ReadIdempotencyKey(call, true, &command.idempotency_key)) return;
  command.caller = call.caller;
  command.role = role;
  command.principal_id = call.path[2];
  std::string scope = std::string("reissue:") + engine::RoleName(role) + "/" +
                      command.principal_id + ":operator:" + call.caller.id;
  std::string token = call.auth->Mint("token", scope, command.idempotency_key);
  command.new_token_hash = TokenHash(token);
  engine.Submit<engine::ReissueToken>(std::move(command), AnswerWithToken(call, std::move(token)));
}

}  // namespace

bool IsRegistrationRetry(const Call& call, engine::Engine& engine) {
  std::string_view key = call.request.Header("Idempotency-Key");
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) return false;
  std::string id = MintedId(call, "b_", kRegistrationScope, key);
  return engine.Read().GetBuyer(id).ok();
}

const std::vector<Route>& MarketRoutes() {
  using engine::OrderAction;
  static const std::vector<Route> routes = {
      {"POST", {"v1", "merchants"}, kBearer, kOperator, CreateMerchant},
      {"GET", {"v1", "merchants"}, kBearer, kOperator, ListMerchants},
      {"GET", {"v1", "merchants", "*"}, kBearer, kOperator, GetMerchant},
      {"POST", {"v1", "buyers"}, kPublic, 0, CreateBuyer, Charge::kRegistration},
      {"GET", {"v1", "buyers"}, kBearer, kOperator, ListBuyers},
      {"GET", {"v1", "buyers", "*"}, kBearer, kOperator, GetBuyer},
      {"POST", {"v1", "buyers", "*", "deposits"}, kBearer, kOperator, Deposit},
      {"GET", {"v1", "me"}, kBearer, kSignedIn, Me},
      {"POST",
       {"v1", "me", "token", "rotate"},
       Authentication::kBearerOrRotated,
       kSignedIn,
       RotateToken},
      {"POST",
       {"v1", "merchants", "*", "token"},
       kBearer,
       kOperator,
       ReissueToken<engine::Role::kMerchant>},
      {"POST",
       {"v1", "buyers", "*", "token"},
       kBearer,
       kOperator,
       ReissueToken<engine::Role::kBuyer>},
      {"POST", {"v1", "listings"}, kBearer, kMerchant, CreateListing},
      {"GET", {"v1", "listings"}, kPublic, 0, SearchListings},
      {"GET", {"v1", "listings", "*"}, kPublic, 0, GetListing},
      {"PATCH", {"v1", "listings", "*"}, kBearer, kMerchant, UpdateListing},
      {"DELETE", {"v1", "listings", "*"}, kBearer, kMerchant, DelistListing},
      {"POST", {"v1", "orders"}, kBearer, kBuyer, PlaceOrder},
      {"GET", {"v1", "orders"}, kBearer, kSignedIn, ListOrders},
      {"GET", {"v1", "orders", "*"}, kBearer, kSignedIn, GetOrder},
      {"POST", {"v1", "orders", "*", "pay"}, kBearer, kBuyer, Pay},
      {"POST", {"v1", "orders", "*", "ship"}, kBearer, kMerchant, Act<OrderAction::kShip>},
      {"POST", {"v1", "orders", "*", "confirm"}, kBearer, kBuyer, Act<OrderAction::kConfirm>},
      {"POST", {"v1", "orders", "*", "cancel"}, kBearer, kSignedIn, Act<OrderAction::kCancel>},
      {"POST", {"v1", "orders", "*", "refund"}, kBearer, kMerchant, Refund},
      {"GET", {"v1", "wallet"}, kBearer, kBuyer, Wallet},
      {"GET", {"v1", "merchant", "balance"}, kBearer, kMerchant, MerchantBalance},
  };
  return routes;
}

}  // namespace market4::gateway
