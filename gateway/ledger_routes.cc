// Operator routes of the ledger: accounts, transfers, two-phase resolution, history.
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

constexpr Authentication kBearer = Authentication::kBearer;

void CreateAccount(Call& call, engine::Engine& engine) {
  engine::CreateAccount command;
  if (!DecodeBody(call, &command.request)) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

void CreateTransfers(Call& call, engine::Engine& engine) {
  engine::CreateTransfers command;
  if (!DecodeBody(call, &command.request)) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

// Post and void answer with the one resolution entry they made.
void PostPending(Call& call, engine::Engine& engine) {
  v1::PostPendingRequest request;
  if (!DecodeBody(call, &request)) return;
  engine::PostPending command{call.path[2], std::nullopt};
  if (request.has_amount()) command.amount = request.amount();
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

void VoidPending(Call& call, engine::Engine& engine) {
  v1::VoidPendingRequest request;
  if (!DecodeBody(call, &request)) return;
  SubmitAndAnswer(call, engine, engine::VoidPending{call.path[2]}, 200);
}

void GetAccount(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetAccount(call.path[2]));
}

void GetTransfer(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetTransfer(call.path[2]));
}

void ListAccountTransfers(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call,
              engine.Read().ListAccountTransfers(call.path[2], static_cast<std::size_t>(limit),
                                                 QueryText(call, "page_token")));
}

void ListAccounts(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListAccounts(static_cast<std::size_t>(limit),
                                               QueryText(call, "page_token")));
}

}  // namespace

const std::vector<Route>& LedgerRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "accounts"}, kBearer, kOperator, CreateAccount},
      {"GET", {"v1", "accounts"}, kBearer, kOperator, ListAccounts},
      {"GET", {"v1", "accounts", "*"}, kBearer, kOperator, GetAccount},
      {"GET", {"v1", "accounts", "*", "transfers"}, kBearer, kOperator, ListAccountTransfers},
      {"POST", {"v1", "transfers"}, kBearer, kOperator, CreateTransfers},
      {"GET", {"v1", "transfers", "*"}, kBearer, kOperator, GetTransfer},
      {"POST", {"v1", "transfers", "*", "post"}, kBearer, kOperator, PostPending},
      {"POST", {"v1", "transfers", "*", "void"}, kBearer, kOperator, VoidPending},
  };
  return routes;
}

}  // namespace market4::gateway
