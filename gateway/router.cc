#include "gateway/router.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <string>
#include <vector>

#include "gateway/routes.h"

namespace market4::gateway {
namespace {

bool Matches(const Route& route, const std::vector<std::string>& path) {
  if (route.pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (std::string_view(route.pattern[i]) != "*" && route.pattern[i] != path[i]) return false;
  }
  return true;
}

unsigned RoleBitOf(engine::Role role) {
  switch (role) {
    case engine::Role::kMerchant:
      return kMerchant;
    case engine::Role::kBuyer:
      return kBuyer;
    case engine::Role::kOperator:
      return kOperator;
    default:
      return 0;
  }
}

HttpResponse Unauthenticated(const Call& call) {
  HttpResponse response =
      ErrorResponse(401, "UNAUTHENTICATED", "a valid Bearer token is required", call.format);
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

// Resolves the Authorization header into call.caller. False: the token is not valid.
bool Authenticate(Call& call, const engine::Engine& engine, const AdminAuth& auth) {
  const std::string& header = call.request.authorization;
  if (header.empty()) return true;
  if (auth.IsOperator(header)) {
    call.anonymous = false;
    call.caller = engine::Caller{engine::Role::kOperator, ""};
    return true;
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.compare(0, kScheme.size(), kScheme) != 0) {
    return false;
  }
  auto caller = engine.Authenticate(TokenHash(header.substr(kScheme.size())));
  if (!caller.ok()) return false;
  call.anonymous = false;
  call.caller = caller.value();
  return true;
}

void Dispatch(Call& call, engine::Engine& engine, const AdminAuth& auth) {
  const Route* found = nullptr;
  std::string allowed;
  for (const auto* routes : {&LedgerRoutes(), &MarketRoutes()}) {
    for (const auto& route : *routes) {
      if (!Matches(route, call.path)) continue;
      allowed += allowed.empty() ? route.method : std::string(", ") + route.method;
      if (call.request.method == route.method) found = &route;
    }
  }
  if (allowed.empty()) {
    return Reply(call, ErrorResponse(404, "NOT_FOUND", "no such route", call.format));
  }
  if (!Authenticate(call, engine, auth)) return Reply(call, Unauthenticated(call));
  if (!found) {
    HttpResponse response =
        ErrorResponse(405, "METHOD_NOT_ALLOWED", "method not allowed here", call.format);
    response.headers.emplace_back("Allow", allowed);
    return Reply(call, std::move(response));
  }
  if (!(found->roles & kAnyone)) {
    if (call.anonymous) return Reply(call, Unauthenticated(call));
    if (!(found->roles & RoleBitOf(call.caller.role))) {
      return Reply(call, ErrorResponse(403, "PERMISSION_DENIED",
                                       "this route is not open to your role", call.format));
    }
  }
  found->handler(call, engine);
}

}  // namespace

bool DecodeBody(Call& call, google::protobuf::Message* message) {
  auto format = RequestFormat(call.request.content_type);
  if (!format.ok()) {
    Reply(call,
          ErrorResponse(415, "UNSUPPORTED_MEDIA_TYPE", format.status().message(), call.format));
    return false;
  }
  if (Status s = Decode(call.request.body, format.value(), message); !s.ok()) {
    ReplyError(call, s);
    return false;
  }
  return true;
}

bool QueryNumber(Call& call, const std::string& name, std::int64_t* value) {
  *value = 0;
  auto it = call.query.find(name);
  if (it == call.query.end()) return true;
  const std::string& text = it->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  if (error != std::errc() || end != text.data() + text.size() || *value < 0) {
    ReplyError(call, Status(Code::kInvalidArgument, name + " must be a non-negative integer")
                         .WithDetail("field", name));
    return false;
  }
  return true;
}

std::string QueryText(const Call& call, const std::string& name) {
  auto it = call.query.find(name);
  return it == call.query.end() ? "" : it->second;
}

void Router::Handle(const HttpRequest& request, Respond respond) const {
  Call call{request, {}, {}, ResponseFormat(request.accept), std::move(respond), {}, true};
  auto target = boost::urls::parse_origin_form(request.target);
  if (!target) {
    return Reply(call,
                 ErrorResponse(400, "INVALID_ARGUMENT", "malformed request target", call.format));
  }
  for (auto segment : target->segments()) call.path.push_back(segment);
  for (auto param : target->params()) call.query[param.key] = param.value;
  if (call.path == std::vector<std::string>{"healthz"}) {
    if (request.method != "GET") {
      return Reply(call, ErrorResponse(405, "METHOD_NOT_ALLOWED", "use GET", call.format));
    }
    v1::HealthResponse health;
    health.set_status("ok");
    return Reply(call, MessageResponse(200, health, call.format));
  }
  Dispatch(call, *engine_, *auth_);
}

}  // namespace market4::gateway
