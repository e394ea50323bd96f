#include "gateway/router.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <string>
#include <vector>

#include "gateway/codec.h"

namespace market4::gateway {
namespace {

namespace v1 = ::market4::v1;
using engine::Outcome;

// What a route needs from the request, already parsed.
struct Call {
  const HttpRequest& request;
  std::vector<std::string> path;  // decoded segments
  std::map<std::string, std::string> query;
  Format format;  // of the response
  Router::Respond respond;
};

void Reply(Call& call, HttpResponse response) { call.respond(std::move(response)); }

void ReplyError(Call& call, const Status& status) {
  Reply(call, ErrorResponse(status, call.format));
}

// Decodes the body into `message`; on failure answers the call and returns false.
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

// Engine outcomes arrive on the writer thread; encoding is cheap, so answer right there.
// `body` turns a successful Outcome into the response message.
template <typename Body>
engine::Engine::Done AnswerWith(const Call& call, int success_status, Body body) {
  return [respond = call.respond, format = call.format, success_status, body](Outcome outcome) {
    if (!outcome.status.ok()) return respond(ErrorResponse(outcome.status, format));
    HttpResponse response = MessageResponse(success_status, body(outcome), format);
    if (outcome.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    respond(std::move(response));
  };
}

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

template <typename T>
void ReplyResult(Call& call, const Result<T>& result) {
  if (!result.ok()) return ReplyError(call, result.status());
  Reply(call, MessageResponse(200, result.value(), call.format));
}

void ListAccountTransfers(Call& call, engine::Engine& engine) {
  std::size_t limit = 0;
  if (auto it = call.query.find("limit"); it != call.query.end()) {
    const std::string& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (error != std::errc() || end != text.data() + text.size() || limit == 0) {
      return ReplyError(
          call,
          Status(Code::kInvalidArgument, "limit must be 1..200").WithDetail("field", "limit"));
    }
  }
  std::string token = call.query.count("page_token") ? call.query["page_token"] : "";
  ReplyResult(call, engine.ListAccountTransfers(call.path[2], limit, token));
}

using Handler = void (*)(Call&, engine::Engine&);
struct Route {
  const char* method;
  std::vector<const char*> pattern;  // "*" matches one segment
  Handler handler;
};

const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "accounts"}, CreateAccount},
      {"GET",
       {"v1", "accounts", "*"},
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetAccount(c.path[2])); }},
      {"GET", {"v1", "accounts", "*", "transfers"}, ListAccountTransfers},
      {"POST", {"v1", "transfers"}, CreateTransfers},
      {"GET",
       {"v1", "transfers", "*"},
       [](Call& c, engine::Engine& e) { ReplyResult(c, e.GetTransfer(c.path[2])); }},
      {"POST", {"v1", "transfers", "*", "post"}, PostPending},
      {"POST", {"v1", "transfers", "*", "void"}, VoidPending},
  };
  return routes;
}

bool Matches(const Route& route, const std::vector<std::string>& path) {
  if (route.pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (std::string_view(route.pattern[i]) != "*" && route.pattern[i] != path[i]) return false;
  }
  return true;
}

void Dispatch(Call& call, engine::Engine& engine, const AdminAuth& auth) {
  const Route* found = nullptr;
  std::string allowed;
  for (const auto& route : Routes()) {
    if (!Matches(route, call.path)) continue;
    allowed += allowed.empty() ? route.method : std::string(", ") + route.method;
    if (call.request.method == route.method) found = &route;
  }
  if (allowed.empty()) {
    return Reply(call, ErrorResponse(404, "NOT_FOUND", "no such route", call.format));
  }
  if (!auth.IsOperator(call.request.authorization)) {
    HttpResponse response =
        ErrorResponse(401, "UNAUTHENTICATED", "a valid Bearer token is required", call.format);
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return Reply(call, std::move(response));
  }
  if (!found) {
    HttpResponse response =
        ErrorResponse(405, "METHOD_NOT_ALLOWED", "method not allowed here", call.format);
    response.headers.emplace_back("Allow", allowed);
    return Reply(call, std::move(response));
  }
  found->handler(call, engine);
}

}  // namespace

void Router::Handle(const HttpRequest& request, Respond respond) const {
  Call call{request, {}, {}, ResponseFormat(request.accept), std::move(respond)};
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
