// Operator routes of payment providers: register one, list them, replace its secrets. No
// answer carries a secret. Provider callbacks (signed, no Bearer token) come with the rails.
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

void CreateProvider(Call& call, engine::Engine& engine) {
  engine::CreateProvider command;
  if (!DecodeBody(call, &command.request)) return;
  engine.Submit<engine::CreateProvider>(
      std::move(command),
      [respond = call.respond, format = call.format](engine::Answer<v1::Provider> answer) {
        if (!answer.ok()) return respond(ErrorResponse(answer.status, format));
        v1::CreateProviderResponse response;
        *response.mutable_provider() = std::move(answer.value);
        respond(MessageResponse(201, response, format));
      });
}

void ListProviders(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListProviders(static_cast<std::size_t>(limit),
                                                QueryText(call, "page_token")));
}

void GetProvider(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetProvider(call.path[2]));
}

void UpdateProvider(Call& call, engine::Engine& engine) {
  engine::UpdateProviderSecrets command{call.path[2], {}};
  if (!DecodeBody(call, &command.request)) return;
  SubmitAndAnswer(call, engine, std::move(command), 200);
}

}  // namespace

const std::vector<Route>& ProviderRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "providers"}, kBearer, kOperator, CreateProvider},
      {"GET", {"v1", "providers"}, kBearer, kOperator, ListProviders},
      {"GET", {"v1", "providers", "*"}, kBearer, kOperator, GetProvider},
      {"PATCH", {"v1", "providers", "*"}, kBearer, kOperator, UpdateProvider},
  };
  return routes;
}

}  // namespace market4::gateway
