// Private to gateway/: what every route handler shares. A Call is one parsed request with
// its authenticated caller; handlers decode the body, ask the engine, and answer through
// the helpers here. Handlers run on an I/O thread; engine answers arrive on the writer.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gateway/codec.h"
#include "gateway/router.h"

namespace market4::gateway {

namespace v1 = ::market4::v1;

struct Call {
  const HttpRequest& request;
  std::vector<std::string> path;  // decoded segments
  std::map<std::string, std::string> query;
  Format format;  // of the response
  Router::Respond respond;
  engine::Caller caller;
  bool anonymous = true;
};

// Who may call a route.
enum RoleBit : unsigned {
  kAnyone = 1,  // no token needed
  kOperator = 2,
  kMerchant = 4,
  kBuyer = 8,
  kSignedIn = kOperator | kMerchant | kBuyer,
};

using Handler = void (*)(Call&, engine::Engine&);
struct Route {
  const char* method;
  std::vector<const char*> pattern;  // "*" matches one segment
  unsigned roles;
  Handler handler;
};

const std::vector<Route>& LedgerRoutes();
const std::vector<Route>& MarketRoutes();

inline void Reply(Call& call, HttpResponse response) { call.respond(std::move(response)); }
inline void ReplyError(Call& call, const Status& status) {
  Reply(call, ErrorResponse(status, call.format));
}

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

// Turns an engine Outcome into the answer: `body(outcome)` on success, with
// Idempotent-Replayed: true on a replay, else the error. Runs on the writer thread.
template <typename Body>
engine::Engine::Done AnswerWith(const Call& call, int success_status, Body body) {
  return [respond = call.respond, format = call.format, success_status,
          body](engine::Outcome outcome) {
    if (!outcome.status.ok()) return respond(ErrorResponse(outcome.status, format));
    HttpResponse response = MessageResponse(success_status, body(outcome), format);
    if (outcome.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
    respond(std::move(response));
  };
}

}  // namespace market4::gateway
