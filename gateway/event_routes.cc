// Routes of the merchants' live events: the Server-Sent Events stream of a merchant's own
// payments and payouts, and the single-use tickets that let a browser's EventSource (which
// cannot send an Authorization header) open it. A long-lived token is never accepted in a
// URL: URLs end up in access logs, browser history and Referer headers.
#include <charconv>
#include <optional>

#include "gateway/event_hub.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

constexpr Authentication kOptionalBearer = Authentication::kOptionalBearer;
constexpr char kEventStreamType[] = "text/event-stream";

bool NoHub(Call& call) {
  if (call.events != nullptr) return false;
  ReplyError(call, Status(Code::kUnavailable, "live events are not served here"));
  return true;
}

// Answers 400 and returns true if the query carries a long-lived credential.
bool TokenInUrl(Call& call) {
  for (const char* name : {"token", "access_token"}) {
    if (call.query.count(name) == 0) continue;
    ReplyError(call, Status(Code::kInvalidArgument,
                            "API tokens are never accepted in a URL: send an Authorization "
                            "header, or a ticket from POST /v1/merchant/events/tickets")
                         .WithDetail("field", name));
    return true;
  }
  return false;
}

// The merchant whose events the caller may stream: a ticket's, or the Bearer token's. Answers
// 401 or 403 and returns "" otherwise.
std::string StreamingMerchant(Call& call) {
  if (call.query.count("ticket") != 0) {
    auto merchant = call.events->RedeemTicket(QueryText(call, "ticket"));
    if (!merchant.ok()) ReplyError(call, merchant.status());
    return merchant.ok() ? merchant.value() : "";
  }
  if (call.caller.role == engine::Role::kNobody) {
    HttpResponse response = ErrorResponse(
        401, "UNAUTHENTICATED", "a merchant's Bearer token or a ticket is required", call.format);
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    Reply(call, std::move(response));
    return "";
  }
  if (call.caller.role != engine::Role::kMerchant) {
    Reply(call, ErrorResponse(403, "PERMISSION_DENIED", "only merchants have an event stream",
                              call.format));
    return "";
  }
  return call.caller.id;
}

// Where to resume: the Last-Event-ID header (EventSource sends it when it reconnects), else
// ?last_event_id=; nullopt if neither, meaning "from now on". Answers 400 and returns false
// for anything but a decimal event id.
bool ReadLastEventId(Call& call, std::optional<std::uint64_t>* last_event_id) {
  std::string_view text = call.request.Header("Last-Event-ID");
  bool in_header = !text.empty();
  if (!in_header && call.query.count("last_event_id") == 0) return true;
  std::string query_text = in_header ? "" : QueryText(call, "last_event_id");
  if (!in_header) text = query_text;
  std::uint64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    ReplyError(call, Status(Code::kInvalidArgument, "a last event id is a decimal event id")
                         .WithDetail("field", in_header ? "Last-Event-ID" : "last_event_id"));
    return false;
  }
  *last_event_id = id;
  return true;
}

void OpenStream(Call& call, engine::Engine& engine) {
  if (NoHub(call) || TokenInUrl(call)) return;
  std::optional<std::uint64_t> last_event_id;
  if (!ReadLastEventId(call, &last_event_id)) return;
  std::string merchant_id = StreamingMerchant(call);
  if (merchant_id.empty()) return;
  auto stream = call.events->Subscribe(
      merchant_id, last_event_id,
      [&engine, merchant_id](std::uint64_t after_id, std::size_t limit) {
        return engine.Read().ListMerchantEvents(merchant_id, after_id, limit);
      });
  if (!stream.ok()) return ReplyError(call, stream.status());
  HttpResponse response;
  response.status = 200;
  response.content_type = kEventStreamType;
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass each frame on
  response.stream = std::move(stream).value();
  Reply(call, std::move(response));
}

void IssueTicket(Call& call, engine::Engine&) {
  if (NoHub(call)) return;
  auto ticket = call.events->IssueTicket(call.caller.id);
  if (!ticket.ok()) return ReplyError(call, ticket.status());
  HttpResponse response = MessageResponse(201, ticket.value(), call.format);
  response.headers.emplace_back("Cache-Control", "no-store");
  Reply(call, std::move(response));
}

}  // namespace

const std::vector<Route>& EventRoutes() {
  static const std::vector<Route> routes = {
      // The stream checks its own credentials: a ticket needs no Authorization header.
      {"GET", {"v1", "merchant", "events"}, kOptionalBearer, 0, OpenStream},
      {"POST", {"v1", "merchant", "events", "tickets"}, kBearer, kMerchant, IssueTicket},
  };
  return routes;
}

}  // namespace market4::gateway
