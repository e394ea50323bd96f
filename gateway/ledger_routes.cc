// Operator routes of the ledger: accounts, transfers, two-phase resolution, history.
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

using engine::Outcome;

const v1::Account& TheAccount(const Outcome& outcome) { return outcome.account; }
const v1::Transfer& TheTransfer(const Outcome& outcome) { return outcome.transfers.at(0); }
v1::CreateTransfersResponse TheTransfers(const Outcome& outcome) {
  v1::CreateTransfersResponse body;
  for (const auto& t : outcome.transfers) *body.add_transfers() = t;
  return body;
}

void CreateAccount(Call& call, engine::Engine& engine) {
  v1::CreateAccountRequest request;
  if (!DecodeBody(call, &request)) return;
  engine.Submit(std::move(request), AnswerWith(call, 201, TheAccount));
}

void CreateTransfers(Call& call, engine::Engine& engine) {
  v1::CreateTransfersRequest request;
  if (!DecodeBody(call, &request)) return;
  engine.Submit(std::move(request), AnswerWith(call, 201, TheTransfers));
}

// Post and void answer with the one resolution entry they made.
void PostPending(Call& call, engine::Engine& engine) {
  v1::PostPendingRequest request;
  if (!DecodeBody(call, &request)) return;
  engine::PostPending command{call.path[2], std::nullopt};
  if (request.has_amount()) command.amount = request.amount();
  engine.Submit(std::move(command), AnswerWith(call, 200, TheTransfer));
}

void VoidPending(Call& call, engine::Engine& engine) {
  v1::VoidPendingRequest request;
  if (!DecodeBody(call, &request)) return;
  engine.Submit(engine::VoidPending{call.path[2]}, AnswerWith(call, 200, TheTransfer));
}

void ListAccountTransfers(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.ListAccountTransfers(call.path[2], static_cast<std::size_t>(limit),
                                                QueryText(call, "page_token")));
}

void ListAccounts(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call,
              engine.ListAccounts(static_cast<std::size_t>(limit), QueryText(call, "page_token")));
}

}  // namespace

const std::vector<Route>& LedgerRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "accounts"}, kOperator, CreateAccount},
      {"GET", {"v1", "accounts"}, kOperator, ListAccounts},
      {"GET",
       {"v1", "accounts", "*"},
       kOperator,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetAccount(c.path[2])); }},
      {"GET", {"v1", "accounts", "*", "transfers"}, kOperator, ListAccountTransfers},
      {"POST", {"v1", "transfers"}, kOperator, CreateTransfers},
      {"GET",
       {"v1", "transfers", "*"},
       kOperator,
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetTransfer(c.path[2])); }},
      {"POST", {"v1", "transfers", "*", "post"}, kOperator, PostPending},
      {"POST", {"v1", "transfers", "*", "void"}, kOperator, VoidPending},
  };
  return routes;
}

}  // namespace market4::gateway
