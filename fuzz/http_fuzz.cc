// Fuzzes the whole HTTP request path from raw bytes, as one keep-alive connection: each
// request is read the way gateway/session.cc reads it (the head checked for obsolete line
// folding, a Beast request parser with the server's header and body limits, BodyLimitFor,
// FramingProblem, the body, no trailer fields), converted into an HttpRequest as the session
// converts it, and answered by a Router over a real engine::Engine and operator auth set up as
// market4d sets them up, with metrics and live events. Asserts: every request is answered
// exactly once; every status is 100..599 and never 500; every 4xx and 5xx carries an Error
// body (in the answer's format) with a non-empty code, the code the metrics count (provider
// callbacks answered "retry later" as their scheme says, 503 without a body, aside); and, with
// the engine checking every invariant after every batch, no request breaks the ledger.
//
// One engine serves the whole process, on a temporary directory, so state accumulates across
// inputs. Its clock stands still at 2026-01-01; its ledger starts with a provider of each
// scheme, a merchant, a buyer with money and a listing (see SeedWorld; their tokens are minted
// from a fixed key, so seeds can use them). The client has no address, so the per-address
// abuse limits are off, and the per-token ones too: they run on the wall clock and would make
// answers depend on speed. POST /v1/admin/backups is not sent: it writes a backup into any
// directory its body names.
//
// Input: the bytes a client sends on one connection (up to kMaxRequestsPerInput requests).
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "fuzz/fuzz_input.h"
#include "gateway/auth.h"
#include "gateway/codec.h"
#include "gateway/event_hub.h"
#include "gateway/framing.h"
#include "gateway/metrics.h"
#include "gateway/router.h"
#include "gateway/routes.h"
#include "gateway/server.h"
#include "market4/v1/error.pb.h"

namespace market4::fuzz {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using gateway::HttpRequest;
using gateway::HttpResponse;

constexpr char kOperatorToken[] = "market4-fuzz-operator-token-0001";
constexpr char kMintKey[] = "market4-fuzz-mint-key-0000000000000000000000000001";
constexpr std::size_t kMaxRequestsPerInput = 8;
constexpr std::string_view kEndOfHead = "\r\n\r\n";

// The server and its ledger, made once per process.
struct World {
  std::string dir;
  engine::ManualClock clock;
  std::optional<gateway::AdminAuth> auth;
  gateway::EventHub events;
  std::unique_ptr<engine::Engine> engine;
  gateway::Metrics metrics;
  std::unique_ptr<gateway::Router> router;
  gateway::ServerOptions server;  // its limits are the ones requests are read with
  // MARKET4_FUZZ_TRACE set: print each answer's status, method and target (to see what seeds
  // reach); MARKET4_FUZZ_SHOW_WORLD set: print the seeded tokens and ids.
  bool trace = std::getenv("MARKET4_FUZZ_TRACE") != nullptr;
};
World* world = nullptr;

// ---- Answering ------------------------------------------------------------------------------

// Hands `request` to the router and waits for its answer, checking it is given once.
HttpResponse Answer(const HttpRequest& request) {
  auto answered = std::make_shared<std::promise<HttpResponse>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  std::future<HttpResponse> answer = answered->get_future();
  world->router->Handle(request, [answered, calls](HttpResponse response) {
    Require(++*calls == 1, "a request is answered exactly once");
    answered->set_value(std::move(response));
  });
  return answer.get();
}

bool IsProviderCallback(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  std::vector<std::string> path;
  for (auto segment : url->segments()) path.push_back(segment);
  return gateway::MatchesPattern({"v1", "providers", "*", "events"}, path);
}

void CheckResponse(const HttpResponse& response, std::string_view target) {
  std::string where =
      std::to_string(response.status) + " " + std::string(target) + "\n" + response.body;
  Require(response.status >= 100 && response.status <= 599, "a status is 100..599", where);
  Require(response.status != 500, "no request makes the server fail (500)", where);
  if (response.status < 400) return;
  if (response.status == 503 && response.body.empty() && IsProviderCallback(target)) return;
  v1::Error error;
  bool parsed = response.content_type == gateway::kProtobufType
                    ? error.ParseFromString(response.body)
                    : google::protobuf::util::JsonStringToMessage(response.body, &error).ok();
  Require(parsed, "a 4xx or 5xx body is an Error in the answer's format", where);
  Require(!error.code().empty(), "an Error has a code", where);
  Require(error.code() == response.error_code, "the code the metrics count is the body's", where);
}

// ---- Reading, as gateway/session.cc reads ---------------------------------------------------

// An answer the session gives without the router: the request could not be read; it closes.
void Refuse(int status, std::string_view code) {
  CheckResponse(gateway::ErrorResponse(status, code, "refused", gateway::Format::kJson), "-");
}

// session.cc's OnReadError, for a request that cannot be read.
void RefuseUnreadable(beast::error_code ec) {
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    return Refuse(413, "PAYLOAD_TOO_LARGE");
  }
  if (ec == http::error::header_limit) return Refuse(431, "HEADERS_TOO_LARGE");
  Refuse(400, "INVALID_ARGUMENT");
}

// What the session hands the router (session.cc's Dispatch); no client address.
HttpRequest Converted(http::request<http::string_body> message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.request_id = "fuzz";
  request.body = std::move(message.body());
  return request;
}

bool IsAdminRoute(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  std::vector<std::string> path;
  for (auto segment : url->segments()) path.push_back(segment);
  for (const gateway::Route& route : gateway::AdminRoutes()) {
    if (gateway::MatchesPattern(route.pattern, path)) return true;
  }
  return false;
}

std::size_t FieldCount(const gateway::RequestParser& parser) {
  const auto& header = parser.get();
  return static_cast<std::size_t>(std::distance(header.begin(), header.end()));
}

// Reads the body after the head; false if the request cannot be completed (refused, or the
// bytes end first, when the session would wait until its read deadline and close).
bool ReadBody(gateway::RequestParser& parser, std::string_view* bytes) {
  std::size_t head_fields = FieldCount(parser);
  while (!parser.is_done()) {
    beast::error_code ec;
    std::size_t used = parser.put(boost::asio::buffer(bytes->data(), bytes->size()), ec);
    bytes->remove_prefix(used);
    if (ec == http::error::need_more || (!ec && used == 0)) return false;
    if (ec) {
      RefuseUnreadable(ec);
      return false;
    }
  }
  if (FieldCount(parser) != head_fields) {
    Refuse(400, "INVALID_ARGUMENT");  // trailer fields
    return false;
  }
  return true;
}

// Reads and answers the request at the start of `bytes`, consuming it; false when the
// connection ends (refused, closed, not kept alive, an event stream, or out of bytes).
bool ServeOne(std::string_view* bytes) {
  const gateway::ServerOptions& options = world->server;
  std::size_t end = bytes->find(kEndOfHead);
  if (end == std::string_view::npos) {
    if (bytes->size() >= options.max_header_bytes) Refuse(431, "HEADERS_TOO_LARGE");
    return false;
  }
  std::string_view head = bytes->substr(0, end + 2);
  if (gateway::HasObsoleteLineFolding(head)) {
    Refuse(400, "INVALID_ARGUMENT");
    return false;
  }
  gateway::RequestParser parser;
  parser.body_limit(gateway::BodyLimitFor(head, options));
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  beast::error_code ec;
  bytes->remove_prefix(parser.put(boost::asio::buffer(bytes->data(), bytes->size()), ec));
  if (!ec && !parser.is_header_done()) ec = http::error::bad_value;
  if (ec) {
    RefuseUnreadable(ec);
    return false;
  }
  if (gateway::FramingProblem(parser)) {
    Refuse(400, "INVALID_ARGUMENT");
    return false;
  }
  if (!parser.is_done() && !ReadBody(parser, bytes)) return false;
  http::request<http::string_body> message = parser.release();
  bool keep_alive = message.keep_alive();
  HttpRequest request = Converted(std::move(message));
  if (IsAdminRoute(request.target)) return false;
  HttpResponse response = Answer(request);
  if (world->trace)
    std::fprintf(stderr, "%d %s %s\n", response.status, request.method.c_str(),
                 request.target.c_str());
  CheckResponse(response, request.target);
  return keep_alive && !response.stream;
}

// ---- The world ------------------------------------------------------------------------------

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path);
  out << text << "\n";
}

// Sends `body` to `target` as `token`, and returns the answer, which must be `status`.
HttpResponse Send(const std::string& method, const std::string& target, const std::string& token,
                  const std::string& body, const std::string& key, int status) {
  HttpRequest request{method, target, {}, "seed", body, ""};
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  if (!key.empty()) request.headers.emplace_back("Idempotency-Key", key);
  HttpResponse response = Answer(request);
  Require(response.status == status, "the world is seeded", target + ": " + response.body);
  return response;
}

std::string TokenIn(const std::string& body) {
  std::size_t at = body.find("\"token\":\"");
  return at == std::string::npos ? "" : body.substr(at + 9, body.find('"', at + 9) - at - 9);
}

// A provider of each scheme (ids std, momo, vnpay, zalopay, bank; secrets as in
// fuzz/corpus/make_corpus.py), a merchant and a buyer made under Idempotency-Keys (so their
// ids and tokens come from the fixed mint key), 1,000,000 dong in the buyer's wallet, and a
// listing.
void SeedWorld() {
  const std::string op = kOperatorToken;
  const char* providers[] = {
      R"({"id":"std","name":"Std","scheme":"STANDARD_WEBHOOKS","secrets":["whsec_bWFya2V0NCBmdXp6IHN0YW5kYXJk"]})",
      R"({"id":"momo","name":"MoMo","scheme":"MOMO","secrets":["FUZZACCESS:fuzz-momo-secret"]})",
      R"({"id":"vnpay","name":"VNPay","scheme":"VNPAY","secrets":["FUZZVNPAYHASHSECRET"]})",
      R"({"id":"zalopay","name":"ZaloPay","scheme":"ZALOPAY","secrets":["fuzz-zalopay-key2"]})",
      R"({"id":"bank","name":"Bank","scheme":"BANK_TRANSFER","secrets":["whsec_bWFya2V0NCBmdXp6IGJhbms="],"bank_bin":"970436","account_number":"0123456789","account_name":"MARKET4 FUZZ"})"};
  for (const char* provider : providers) Send("POST", "/v1/providers", op, provider, "", 201);
  std::string merchant = TokenIn(Send("POST", "/v1/merchants", op,
                                      R"({"name":"Cô Ba","phone":"0901234567","location":"Chợ"})",
                                      "fuzz-merchant", 201)
                                     .body);
  HttpResponse buyer = Send("POST", "/v1/buyers", "", R"({"name":"Anh Tư","phone":"0912345678"})",
                            "fuzz-buyer", 201);
  std::size_t id_at = buyer.body.find("\"id\":\"b_") + 6;
  std::string buyer_id = buyer.body.substr(id_at, buyer.body.find('"', id_at) - id_at);
  Send("POST", "/v1/buyers/" + buyer_id + "/deposits", op, R"({"amount":"1000000"})", "fuzz-dep",
       201);
  HttpResponse listing = Send("POST", "/v1/listings", merchant,
                              R"({"title":"Rau muống","description":"tươi","category":"rau",)"
                              R"("unit":"bó","price":"15000","stock":"1000"})",
                              "fuzz-listing", 201);
  if (std::getenv("MARKET4_FUZZ_SHOW_WORLD")) {
    std::fprintf(stderr, "merchant token %s\nbuyer %s token %s\nlisting %s\n", merchant.c_str(),
                 buyer_id.c_str(), TokenIn(buyer.body).c_str(), listing.body.c_str());
  }
}

void StopWorld() {
  world->engine->Stop();
  std::error_code ignored;
  std::filesystem::remove_all(world->dir, ignored);
}

void OpenWorld() {
  spdlog::set_level(spdlog::level::warn);
  world = new World;  // for the whole process; StopWorld stops it at exit
  std::string pattern = (std::filesystem::temp_directory_path() / "market4-http-fuzz-XXXXXX");
  Require(mkdtemp(pattern.data()) != nullptr, "a temporary directory", pattern);
  world->dir = pattern;
  WriteFile(world->dir + "/" + gateway::kMintKeyFile, kMintKey);
  WriteFile(world->dir + "/" + gateway::kAdminTokenFile, kOperatorToken);
  unsetenv(gateway::kAdminTokenEnv);
  std::string token_path;
  auto auth = gateway::AdminAuth::Load(world->dir, &token_path);
  Require(auth.ok(), "operator auth loads", auth.status().ToString());
  world->auth.emplace(std::move(auth).value());
  engine::EngineOptions options;
  options.store.path = world->dir + "/ledger";
  options.store.sync = false;  // nothing here must survive a crash, and fsyncs are slow
  options.clock = &world->clock;
  options.tick_interval = std::chrono::hours(1);
  options.check_invariants_every_batch = true;
  options.on_fatal = [](const Status& s) {
    Require(false, "the engine never fails", s.ToString());
  };
  options.on_merchant_events = [](const auto& events) { world->events.Publish(events); };
  auto engine = engine::Engine::Open(std::move(options));
  Require(engine.ok(), "the engine opens", engine.status().ToString());
  world->engine = std::move(engine).value();
  world->router = std::make_unique<gateway::Router>(
      world->engine.get(), &*world->auth, &world->events, gateway::LimitOptions{0, 0, 0, 0, 0});
  world->router->UseMetrics(&world->metrics);
  std::atexit(StopWorld);
  SeedWorld();
}

}  // namespace
}  // namespace market4::fuzz

// protobuf logs every string field with invalid UTF-8 that it refuses; the fuzzer sends many.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  if (world == nullptr) OpenWorld();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (std::size_t i = 0; i < kMaxRequestsPerInput && ServeOne(&bytes); ++i) {
  }
  return 0;
}
