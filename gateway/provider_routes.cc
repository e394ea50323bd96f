// Routes of payment providers: operators register one, list them, replace its secrets; any
// caller lists the payment methods (id, name, scheme). No answer carries a secret. Provider
// callbacks (signed, no Bearer token) come with the rails.
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

// Providers are few (each is configured by an operator); at most this many are listed.
constexpr int kMaxPaymentMethods = 1'000;

// Every provider's id, name and scheme, for a buyer or merchant to choose from.
void ListPaymentMethods(Call& call, engine::Engine& engine) {
  engine::Query read = engine.Read();
  v1::ListPaymentMethodsResponse response;
  std::string page;
  do {
    auto listed = read.ListProviders(kMaxPageSize, page);
    if (!listed.ok()) return ReplyError(call, listed.status());
    for (const v1::Provider& provider : listed->providers()) {
      v1::PaymentMethod* method = response.add_methods();
      method->set_id(provider.id());
      method->set_name(provider.name());
      method->set_scheme(provider.scheme());
    }
    page = listed->next_page_token();
  } while (!page.empty() && response.methods_size() < kMaxPaymentMethods);
  Reply(call, MessageResponse(200, response, call.format));
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
      {"GET", {"v1", "payment-methods"}, kBearer, kSignedIn, ListPaymentMethods},
      {"GET", {"v1", "providers", "*"}, kBearer, kOperator, GetProvider},
      {"PATCH", {"v1", "providers", "*"}, kBearer, kOperator, UpdateProvider},
  };
  return routes;
}

}  // namespace market4::gateway
