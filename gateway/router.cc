#include "gateway/router.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/limits.h"
#include "gateway/metrics.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

unsigned RoleBitOf(engine::Role role) {
  switch (role) {
    case engine::Role::kMerchant:
      return kMerchant;
    case engine::Role::kBuyer:
      return kBuyer;
    case engine::Role::kOperator:
      return kOperator;
    case engine::Role::kNobody:
      break;
  }
  return 0;
}

HttpResponse Unauthenticated(const Call& call) {
  HttpResponse response =
      ErrorResponse(401, "UNAUTHENTICATED", "a valid Bearer token is required", call.format);
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

// 429 RATE_LIMITED naming the limit, with Retry-After.
void RateLimited(Call& call, const Refusal& refusal) {
  std::string limit(refusal.limit);
  ReplyError(call,
             Status(Code::kRateLimited,
                    "too many requests (" + limit + "); retry after Retry-After seconds")
                 .WithDetail("limit", limit)
                 .WithDetail(std::string(kRetryAfterDetail), std::to_string(refusal.wait_seconds)));
}

// Resolves a Bearer token into call.caller. False: a token was sent and is not valid.
bool ResolveBearer(Call& call, const Route& route, const engine::Engine& engine,
                   const AdminAuth& auth) {
  std::string_view header = call.request.Header("Authorization");
  if (header.empty()) return true;
  auto token = BearerToken(header);
  if (!token) return false;
  if (auth.IsOperator(*token)) {
    call.caller = engine::Caller{engine::Role::kOperator, engine::kAdminOperatorId};
    return true;
  }
  std::int64_t rotated_since = std::numeric_limits<std::int64_t>::max();
  if (route.authentication == Authentication::kBearerOrRotated) {
    rotated_since = engine.NowNanos() - std::chrono::nanoseconds(kTokenRotationRetryWindow).count();
  }
  auto caller = engine.Read().Authenticate(TokenHash(*token), rotated_since);
  if (!caller.ok()) return false;
  call.caller = caller.value();
  return true;
}

// Charges the request to its address: a provider callback to the address's callback bucket,
// anything else to its request bucket. Answers 429 and returns false if refused.
bool ChargeBefore(Call& call, const Route& route, AbuseLimits& limits, LimitClock::time_point now) {
  const std::string& client = call.request.client;
  if (client.empty()) return true;
  Refusal refusal = route.authentication == Authentication::kProviderSignature
                        ? limits.ChargeCallback(client, now)
                        : limits.ChargeAddress(client, now);
  if (refusal) RateLimited(call, refusal);
  return !refusal;
}

// Answers the call and returns false unless the caller may use `route`.
bool Admit(Call& call, const Route& route, const engine::Engine& engine, const AdminAuth& auth,
           AbuseLimits& limits, LimitClock::time_point now) {
  if (route.authentication == Authentication::kNone ||
      route.authentication == Authentication::kProviderSignature) {
    return true;  // a signed route's handler verifies the signature against the provider's keys
  }
  const std::string& client = call.request.client;
  bool sent_token = !call.request.Header("Authorization").empty();
  if (sent_token && !client.empty()) {
    if (Refusal refusal = limits.AuthenticationBlocked(client, now)) {
      RateLimited(call, refusal);
      return false;
    }
  }
  if (!ResolveBearer(call, route, engine, auth)) {
    if (!client.empty()) limits.AuthenticationFailed(client, now);
    Reply(call, Unauthenticated(call));
    return false;
  }
  if (route.authentication == Authentication::kOptionalBearer) return true;
  if (call.caller.role == engine::Role::kNobody) {
    Reply(call, Unauthenticated(call));
    return false;
  }
  unsigned roles = RoleBitOf(call.caller.role);
  if (engine::IsAdmin(call.caller)) roles |= kAdmin;
  if (!(route.roles & roles)) {
    Reply(call, ErrorResponse(403, "PERMISSION_DENIED", "this route is not open to your role",
                              call.format));
    return false;
  }
  return true;
}

// "POST /v1/orders/*/pay": the route, not the path, so ids do not make new series.
std::string RouteLabel(const Route& route) {
  std::string label = route.method;
  label += ' ';
  for (const char* segment : route.pattern) (label += '/') += segment;
  return label;
}

// What metrics count a request under when no route matched it.
const std::string kUnmatchedLabel = "unmatched";

// A route with its place in the tables (later matches win, as they always have) and its label.
struct IndexedRoute {
  std::size_t order;
  const Route* route;
  std::string label;
};

// Every route, grouped by the first two segments of its pattern where both are literal, so
// that a request is matched against the few routes that can match it rather than all of
// them. Built once; read by every I/O thread.
class RouteIndex {
 public:
  RouteIndex() {
    for (const Route* route : AllRoutes()) all_.push_back({all_.size(), route, RouteLabel(*route)});
    for (const auto& entry : all_) {
      const auto& pattern = entry.route->pattern;
      bool literal = pattern.size() >= 2 && IsLiteral(pattern[0]) && IsLiteral(pattern[1]);
      if (literal) {
        by_prefix_[Key(pattern[0], pattern[1])].push_back(&entry);
      } else {
        others_.push_back(&entry);
      }
    }
  }

  // Calls `visit` with every route that may match `path`, in table order.
  template <typename Visit>
  void ForEachCandidate(const std::vector<std::string>& path, Visit visit) const {
    static const std::vector<const IndexedRoute*> kNone;
    const std::vector<const IndexedRoute*>* prefixed = &kNone;
    if (path.size() >= 2) {
      auto it = by_prefix_.find(Key(path[0], path[1]));
      if (it != by_prefix_.end()) prefixed = &it->second;
    }
    auto a = prefixed->begin(), b = others_.begin();
    while (a != prefixed->end() || b != others_.end()) {
      bool take_a = b == others_.end() || (a != prefixed->end() && (*a)->order < (*b)->order);
      visit(**(take_a ? a++ : b++));
    }
  }

 private:
  static bool IsLiteral(std::string_view segment) { return segment != "*" && segment != "**"; }
  // Two segments joined by a byte that no literal pattern segment holds.
  static std::string Key(std::string_view first, std::string_view second) {
    std::string key;
    key.reserve(first.size() + second.size() + 1);
    return key.append(first).append(1, '\0').append(second);
  }

  std::deque<IndexedRoute> all_;  // stable addresses
  std::map<std::string, std::vector<const IndexedRoute*>, std::less<>> by_prefix_;
  std::vector<const IndexedRoute*> others_;
};

const RouteIndex& Routes() {
  static const RouteIndex index;
  return index;
}

// The route for the call's method and path; otherwise answers 404 or 405 and returns nullptr.
const IndexedRoute* Find(Call& call) {
  // HEAD is GET without a body (RFC 9110 §9.3.2).
  std::string_view method = call.request.method;
  if (method == "HEAD") method = "GET";
  const IndexedRoute* found = nullptr;
  bool matched = false;
  Routes().ForEachCandidate(call.path, [&](const IndexedRoute& entry) {
    if (!MatchesPattern(entry.route->pattern, call.path)) return;
    matched = true;
    if (method == entry.route->method) found = &entry;
  });
  if (found) return found;
  if (!matched) {
    Reply(call, ErrorResponse(404, "NOT_FOUND", "no such route", call.format));
    return nullptr;
  }
  std::string allowed;
  Routes().ForEachCandidate(call.path, [&](const IndexedRoute& entry) {
    if (!MatchesPattern(entry.route->pattern, call.path)) return;
    if (!allowed.empty()) allowed += ", ";
    allowed += entry.route->method;
    if (std::string_view(entry.route->method) == "GET") allowed += ", HEAD";
  });
  HttpResponse response =
      ErrorResponse(405, "METHOD_NOT_ALLOWED", "method not allowed here", call.format);
  response.headers.emplace_back("Allow", allowed);
  Reply(call, std::move(response));
  return nullptr;
}

void Health(Call& call, engine::Engine&) {
  v1::HealthResponse health;
  health.set_status("ok");
  Reply(call, MessageResponse(200, health, call.format));
}

// Operators: the counters in the Prometheus text format.
void ServeMetrics(Call& call, engine::Engine& engine) {
  if (call.metrics == nullptr) {
    return ReplyError(call, Status(Code::kNotFound, "this server keeps no metrics"));
  }
  Reply(call, {200, "text/plain; version=0.0.4; charset=utf-8", call.metrics->Render(engine), {}});
}

// Counts the answer under its route, status and error code, with the time it took.
Router::Respond Measured(Router::Respond respond, Metrics* metrics,
                         std::shared_ptr<const std::string*> route) {
  auto started = std::chrono::steady_clock::now();
  return [respond = std::move(respond), metrics, route = std::move(route),
          started](HttpResponse response) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics->Record(**route, response.status, response.error_code, seconds);
    respond(std::move(response));
  };
}

// The web console's page, and its files (/console/<bundle>/<path>).
void ServeConsolePage(Call& call, engine::Engine&) { Reply(call, call.console->Index()); }
void ServeConsoleFile(Call& call, engine::Engine&) {
  std::string path;
  for (std::size_t i = 2; i < call.path.size(); ++i) (path += i > 2 ? "/" : "") += call.path[i];
  Reply(call, call.console->File(call.path[1], path));
}

// Ready: the engine takes writes now (/healthz only says the process answers).
void Ready(Call& call, engine::Engine& engine) {
  if (Status s = engine.Readiness(); !s.ok()) return ReplyError(call, s);
  v1::HealthResponse health;
  health.set_status("ready");
  Reply(call, MessageResponse(200, health, call.format));
}

// Runs the route's handler on the slow-read thread, with its own copy of the request (the
// I/O thread's is gone once Handle returns); 503 with Retry-After if too many wait.
void RunSlow(Call& call, const Route& route, SlowReads& slow, engine::Engine& engine) {
  auto request = std::make_shared<const HttpRequest>(call.request);
  bool queued =
      slow.Run([request, &engine, handler = route.handler, path = call.path, query = call.query,
                format = call.format, respond = call.respond, caller = call.caller,
                events = call.events, auth = call.auth, metrics = call.metrics] {
        Call copy{*request, path, query, format, respond, caller, events, auth, metrics};
        handler(copy, engine);
      });
  if (queued) return;
  ReplyError(call, Status(Code::kUnavailable, "too many slow reads are waiting; retry shortly")
                       .WithDetail(std::string(kRetryAfterDetail), "1"));
}

}  // namespace

bool MatchesPattern(const std::vector<const char*>& pattern, const std::vector<std::string>& path) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    std::string_view segment = pattern[i];
    if (segment == "**" && i + 1 == pattern.size()) return true;
    if (i >= path.size()) return false;
    if (segment != "*" && segment != path[i]) return false;
  }
  return pattern.size() == path.size();
}

std::vector<const Route*> AllRoutes() {
  std::vector<const Route*> all;
  for (const auto* routes : {&SystemRoutes(), &LedgerRoutes(), &MarketRoutes(), &ProviderRoutes(),
                             &RailRoutes(), &StallRoutes(), &EventRoutes(), &OperationsRoutes(),
                             &AdminRoutes(), &StatementRoutes(), &ReconciliationRoutes()}) {
    for (const auto& route : *routes) all.push_back(&route);
  }
  return all;
}

const std::vector<Route>& SystemRoutes() {
  static const std::vector<Route> routes = {
      {"GET", {"healthz"}, Authentication::kNone, 0, Health},
      {"GET", {"readyz"}, Authentication::kNone, 0, Ready},
      {"GET", {"metrics"}, Authentication::kBearer, kOperator, ServeMetrics},
      {"GET", {}, Authentication::kNone, 0, ServeConsolePage},
      {"GET", {"console", "*", "**"}, Authentication::kNone, 0, ServeConsoleFile},
  };
  return routes;
}

// A fresh random id such as "m_3f9c...". Answers 500 and returns "" if randomness fails.
std::string NewId(Call& call, const char* prefix) {
  auto random = RandomHex(kIdRandomBytes);
  if (!random.ok()) {
    ReplyError(call, random.status());
    return "";
  }
  return prefix + random.value();
}

std::string MintedId(const Call& call, const char* prefix, std::string_view scope,
                     std::string_view key) {
  return prefix + call.auth->Mint("id", scope, key).substr(0, 2 * kIdRandomBytes);
}

bool NewIdAndToken(Call& call, const char* prefix, const std::string& scope, const std::string& key,
                   std::string* id, std::string* token) {
  if (!key.empty()) {
    *id = MintedId(call, prefix, scope, key);
    *token = call.auth->Mint("token", scope, key);
    return true;
  }
  *id = NewId(call, prefix);
  if (id->empty()) return false;
  auto random = RandomHex(kTokenRandomBytes);
  if (!random.ok()) {
    ReplyError(call, random.status());
    return false;
  }
  *token = random.value();
  return true;
}

// The Idempotency-Key header, checked. Answers 400 and returns false if it is missing (when
// required) or malformed.
bool ReadIdempotencyKey(Call& call, bool required, std::string* key) {
  *key = std::string(call.request.Header("Idempotency-Key"));
  bool printable = true;
  for (char c : *key) printable = printable && c > 0x20 && c < 0x7f;
  if ((required && key->empty()) || key->size() > kMaxIdempotencyKeyBytes || !printable) {
    ReplyError(call, Status(Code::kInvalidArgument, "send an Idempotency-Key header: 1-" +
                                                        std::to_string(kMaxIdempotencyKeyBytes) +
                                                        " visible ASCII characters")
                         .WithDetail("field", "Idempotency-Key"));
    return false;
  }
  return true;
}

bool DecodeBody(Call& call, google::protobuf::Message* message) {
  auto format = RequestFormat(call.request.Header("Content-Type"));
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
  // Digits only: "-0" parses as 0, but a sign is not part of a non-negative integer.
  if (error != std::errc() || end != text.data() + text.size() || text[0] == '-') {
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
  std::shared_ptr<const std::string*> route_label;
  if (metrics_) {
    route_label = std::make_shared<const std::string*>(&kUnmatchedLabel);
    respond = Measured(std::move(respond), metrics_, route_label);
  }
  Call call{request, {}, {}, ResponseFormat(request.Header("Accept")), std::move(respond), {}};
  call.events = events_;
  call.auth = auth_;
  call.metrics = metrics_;
  call.console = &console_;
  auto target = boost::urls::parse_origin_form(request.target);
  if (!target) {
    return Reply(call,
                 ErrorResponse(400, "INVALID_ARGUMENT", "malformed request target", call.format));
  }
  for (auto segment : target->segments()) call.path.push_back(segment);
  for (auto param : target->params()) call.query[param.key] = param.value;
  const IndexedRoute* found = Find(call);
  if (!found) return;
  const Route* route = found->route;
  if (route_label) *route_label = &found->label;
  LimitClock::time_point now = LimitClock::now();
  if (!ChargeBefore(call, *route, limits_, now)) return;
  if (!Admit(call, *route, *engine_, *auth_, limits_, now)) return;
  if (call.caller.role == engine::Role::kMerchant || call.caller.role == engine::Role::kBuyer) {
    std::string principal = engine::RoleName(call.caller.role) + (":" + call.caller.id);
    if (Refusal refusal = limits_.ChargeToken(principal, now)) return RateLimited(call, refusal);
  }
  // Last, so that a registration refused for anything else spends none; a retry of one
  // that succeeded spends none either (it creates nothing).
  if (route->charge == Charge::kRegistration && !request.client.empty() &&
      !IsRegistrationRetry(call, *engine_)) {
    Refusal refusal = limits_.ChargeRegistration(request.client, now);
    if (refusal) return RateLimited(call, refusal);
  }
  if (route->work == Work::kSlow) return RunSlow(call, *route, *slow_, *engine_);
  route->handler(call, *engine_);
}

}  // namespace market4::gateway
