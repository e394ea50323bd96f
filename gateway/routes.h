// Private to gateway/: what every route handler shares. A Route declares its method, path
// pattern, how its caller authenticates and which roles may call it; the router matches,
// authenticates and checks the role, so handlers only decode, ask the engine, and answer
// through the helpers here. Handlers run on an I/O thread; engine answers arrive on the
// engine's committing thread.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/limits.h"
#include "engine/engine.h"
#include "gateway/auth.h"
#include "gateway/codec.h"
#include "gateway/router.h"

namespace market4::gateway {

namespace v1 = ::market4::v1;

class Console;  // console.h
class Metrics;  // metrics.h

struct Call {
  const HttpRequest& request;
  std::vector<std::string> path;  // decoded segments
  std::map<std::string, std::string> query;
  Format format;  // of the response
  Router::Respond respond;
  engine::Caller caller;             // kNobody until authenticated
  EventHub* events = nullptr;        // the live events' hub, if the server has one
  const AdminAuth* auth = nullptr;   // mints ids and tokens from Idempotency-Keys
  Metrics* metrics = nullptr;        // what GET /metrics shows, if the server keeps any
  const Console* console = nullptr;  // the web console's files
};

// How a route learns who calls it.
enum class Authentication {
  kNone,               // credentials are not looked at (health checks)
  kProviderSignature,  // a provider's callback: the handler verifies its signature with the
                       // provider's secrets (provider_schemes.h); Bearer tokens are ignored
  kOptionalBearer,     // public, but a Bearer token, if sent, must be valid and names the caller
  kBearer,             // a valid Bearer token is required and the caller's role must be allowed
  kBearerOrRotated,    // kBearer, and a token rotated in the last kTokenRotationRetryWindow
                       // passes too: to retry its rotation, which is all the route does
};
// Short for the route tables.
inline constexpr Authentication kBearer = Authentication::kBearer;
inline constexpr Authentication kPublic = Authentication::kOptionalBearer;

// Roles a kBearer route is open to.
enum RoleBit : unsigned {
  kOperator = 1,
  kMerchant = 2,
  kBuyer = 4,
  kSignedIn = kOperator | kMerchant | kBuyer,
  kAdmin = 8,  // the admin token only (it is also an operator)
};

using Handler = void (*)(Call&, engine::Engine&);
enum class Work { kQuick, kSlow };
struct Route {
  const char* method;
  // Literal segments; "*" matches any one segment, a final "**" any number (zero or more).
  std::vector<const char*> pattern;
  Authentication authentication;
  unsigned roles;  // for kBearer
  Handler handler;
  // What the abuse limits charge besides the request (limits.h); signed callbacks are
  // charged to their provider (path segment 2) whatever this says.
  Charge charge = Charge::kRequest;
  // Where the handler runs: on the I/O thread that read the request, or, for reads that
  // can take long, on the router's slow-read thread (slow_reads.h).
  Work work = Work::kQuick;
};

// Whether `path` (decoded segments) matches `pattern`.
bool MatchesPattern(const std::vector<const char*>& pattern, const std::vector<std::string>& path);

const std::vector<Route>& SystemRoutes();
const std::vector<Route>& LedgerRoutes();
const std::vector<Route>& MarketRoutes();
const std::vector<Route>& ProviderRoutes();
const std::vector<Route>& RailRoutes();
const std::vector<Route>& StallRoutes();
const std::vector<Route>& EventRoutes();
const std::vector<Route>& OperationsRoutes();
const std::vector<Route>& AdminRoutes();
const std::vector<Route>& StatementRoutes();
const std::vector<Route>& ReconciliationRoutes();
// Every route of the tables above, in the order the router tries them (a later match wins).
std::vector<const Route*> AllRoutes();

inline void Reply(Call& call, HttpResponse response) { call.respond(std::move(response)); }
inline void ReplyError(Call& call, const Status& status) {
  Reply(call, ErrorResponse(status, call.format));
}

// A fresh random id such as "m_3f9c...". Answers 500 and returns "" if randomness fails.
std::string NewId(Call& call, const char* prefix);
// The Idempotency-Key header, checked. Answers 400 and returns false if it is missing (when
// required) or malformed.
bool ReadIdempotencyKey(Call& call, bool required, std::string* key);

// Decodes the body into `message`; on failure answers the call and returns false.
bool DecodeBody(Call& call, google::protobuf::Message* message);

// Parses query parameter `name` as a non-negative integer (0 if absent); on failure answers
// the call and returns false.
bool QueryNumber(Call& call, const std::string& name, std::int64_t* value);
std::string QueryText(const Call& call, const std::string& name);

// Answers 200 with the value, or the error.
template <typename T>
void ReplyResult(Call& call, const Result<T>& result) {
  if (!result.ok()) return ReplyError(call, result.status());
  Reply(call, MessageResponse(200, result.value(), call.format));
}

// The engine's answer to a command as the HTTP answer: the reply message with
// `success_status` (and Idempotent-Replayed: true on a replay), else the error. Runs on the
// engine's committing thread.
template <typename Reply>
std::function<void(engine::Answer<Reply>)> AnswerWith(const Call& call, int success_status) {
  return [respond = call.respond, format = call.format, success_status](engine::Answer<Reply> a) {
    if (!a.ok()) return respond(ErrorResponse(a.status, format));
    HttpResponse response = MessageResponse(success_status, a.value, format);
    if (a.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    respond(std::move(response));
  };
}

// The id a creation under Idempotency-Key `key` gets: prefix + 32 hex minted from (scope, key).
std::string MintedId(const Call& call, const char* prefix, std::string_view scope,
                     std::string_view key);

// The id (prefix + 32 hex) and token a creation gets: fresh random ones, or, under an
// Idempotency-Key, minted from (scope, key) so that a retry's come out the same. False (the
// call answered) if randomness failed.
bool NewIdAndToken(Call& call, const char* prefix, const std::string& scope, const std::string& key,
                   std::string* id, std::string* token);

// Whether the call is the retry of a buyer registration that succeeded (its Idempotency-Key
// names a buyer that exists): a retry must get its first answer, not spend a registration.
bool IsRegistrationRetry(const Call& call, engine::Engine& engine);

// Creates a merchant, buyer or operator (`command`, its request decoded here) with a fresh id
// and token, answering 201 with the principal and the token, which is shown only here. With
// an Idempotency-Key (merchants and buyers), a retry of the same request gets the same
// principal and token (Idempotent-Replayed: true) and creates nothing; `scope` is whose keys
// these are.
template <typename Response, typename Command, typename Principal>
void CreatePrincipal(Call& call, engine::Engine& engine, Command command, const char* prefix,
                     const std::string& scope, Principal* (Response::*mutable_principal)()) {
  if (!DecodeBody(call, &command.request)) return;
  std::string key;
  if constexpr (requires { command.idempotency_key; }) {
    if (!ReadIdempotencyKey(call, false, &key)) return;
    command.idempotency_key = key;
  }
  std::string token;
  if (!NewIdAndToken(call, prefix, scope, key, &command.id, &token)) return;
  command.token_hash = TokenHash(token);
  engine.Submit<Command>(std::move(command),
                         [respond = call.respond, format = call.format, token = std::move(token),
                          mutable_principal](engine::Answer<Principal> answer) {
                           if (!answer.ok()) return respond(ErrorResponse(answer.status, format));
                           Response response;
                           *((response.*mutable_principal)()) = std::move(answer.value);
                           response.set_token(token);
                           HttpResponse http = MessageResponse(201, response, format);
                           if (answer.replayed)
                             http.headers.emplace_back("Idempotent-Replayed", "true");
                           respond(std::move(http));
                         });
}

// Submits `command` and answers the call with its reply.
template <typename C>
void SubmitAndAnswer(Call& call, engine::Engine& engine, C command, int success_status) {
  engine.Submit<C>(std::move(command), AnswerWith<engine::ReplyOf<C>>(call, success_status));
}

}  // namespace market4::gateway
