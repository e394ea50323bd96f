// Operator routes of the ledger: accounts, transfers, two-phase resolution, history.
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

void CreateAccount(Call& call, engine::Engine& engine) {
  engine::CreateAccount command;
  if (!DecodeBody(call, &command.request)) return;
  SubmitAndAnswer(call, engine, std::move(command), 201);
}

// 201 with the entries (200 with the one entry of a post or void), or 202 with the approval
// a marketplace correction waits for.
template <typename C>
void AnswerTransfers(const Call& call, engine::Engine& engine, C command, bool single) {
  auto answer = [respond = call.respond, format = call.format,
                 single](engine::Answer<v1::CreateTransfersResponse> a) {
    if (!a.ok()) return respond(ErrorResponse(a.status, format));
    HttpResponse response;
    if (a.value.has_approval()) {
      v1::ApprovalResponse held;
      *held.mutable_approval() = a.value.approval();
      response = MessageResponse(202, held, format);
    } else if (single) {
      response = MessageResponse(200, a.value.transfers(0), format);
    } else {
      response = MessageResponse(201, a.value, format);
    }
    if (a.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    respond(std::move(response));
  };
  engine.Submit<C>(std::move(command), std::move(answer));
}

void CreateTransfers(Call& call, engine::Engine& engine) {
  engine::CreateTransfers command;
  if (!DecodeBody(call, &command.request)) return;
  command.caller = call.caller;
  command.approval_id = NewId(call, "ap_");
  if (command.approval_id.empty()) return;
  AnswerTransfers(call, engine, std::move(command), false);
}

// Post and void answer with the one resolution entry they made (or the approval).
void Resolve(Call& call, engine::Engine& engine, bool post, std::optional<std::int64_t> amount) {
  engine::ResolvePending command{call.caller, call.path[2], post, amount, NewId(call, "ap_")};
  if (command.approval_id.empty()) return;
  AnswerTransfers(call, engine, std::move(command), true);
}

void PostPending(Call& call, engine::Engine& engine) {
  v1::PostPendingRequest request;
  if (!DecodeBody(call, &request)) return;
  std::optional<std::int64_t> amount;
  if (request.has_amount()) amount = request.amount();
  Resolve(call, engine, true, amount);
}

void VoidPending(Call& call, engine::Engine& engine) {
  v1::VoidPendingRequest request;
  if (!DecodeBody(call, &request)) return;
  Resolve(call, engine, false, std::nullopt);
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
