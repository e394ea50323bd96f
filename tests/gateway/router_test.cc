// The router without sockets: route matching (wildcards, HEAD, 404/405), each route's declared
// authentication, roles, and the engine's answers turned into HTTP. A real engine on RocksDB.
#include "gateway/router.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "gateway/metrics.h"
#include "gateway/routes.h"
#include "market4/v1/error.pb.h"
#include "market4/v1/market.pb.h"
#include "tests/test_util.h"

namespace market4::gateway {
namespace router_test {

constexpr char kOperatorToken[] = "router-test-operator-token";

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine::EngineOptions options;
    options.store.path = dir_.Sub("ledger");
    options.on_fatal = [](const Status& s) { ADD_FAILURE() << s.ToString(); };
    auto engine = engine::Engine::Open(std::move(options));
    ASSERT_TRUE(engine.ok());
    engine_ = std::move(engine).value();
    router_ = std::make_unique<Router>(engine_.get(), &auth_);
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    const std::string& body = "") {
    HttpRequest request{method, target, std::move(headers), "rid", body, client_};
    std::promise<HttpResponse> answer;
    router_->Handle(request, [&answer](HttpResponse r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  }

  std::string Code(const HttpResponse& response) {
    v1::Error error;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &error).ok())
        << response.body;
    return error.code();
  }

  std::string Header(const HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (AsciiEqualsIgnoreCase(key, name)) return value;
    }
    return "";
  }

  // A buyer's token, made through the public route.
  std::string NewBuyerToken() {
    HttpResponse r = Send("POST", "/v1/buyers", {{"Content-Type", "application/json"}},
                          R"({"name":"Chị Mai","phone":"0912345678"})");
    EXPECT_EQ(r.status, 201) << r.body;
    v1::CreateBuyerResponse created;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &created).ok());
    return created.token();
  }

  std::string client_;  // the address requests come from; "" as from no socket
  testing::TempDir dir_;
  AdminAuth auth_{kOperatorToken};
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Router> router_;
};

TEST(RoutePatternTest, LiteralsWildcardsAndTail) {
  std::vector<std::string> path = {"v1", "orders", "o_1", "pay"};
  EXPECT_TRUE(MatchesPattern({"v1", "orders", "*", "pay"}, path));
  EXPECT_FALSE(MatchesPattern({"v1", "orders", "*", "ship"}, path));
  EXPECT_FALSE(MatchesPattern({"v1", "orders", "*"}, path));
  EXPECT_FALSE(MatchesPattern({"v1", "orders", "*", "pay", "*"}, path));
  EXPECT_TRUE(MatchesPattern({"v1", "**"}, path));
  EXPECT_TRUE(MatchesPattern({"v1", "orders", "o_1", "pay", "**"}, path));  // zero segments
  EXPECT_FALSE(MatchesPattern({"v2", "**"}, path));
  EXPECT_TRUE(MatchesPattern({"**"}, {}));
  EXPECT_FALSE(MatchesPattern({"v1"}, {}));
  // "**" only means "the rest" at the end.
  EXPECT_FALSE(MatchesPattern({"**", "pay"}, {"x", "pay"}));
}

// Reads that can take long (the whole ledger's verification, day reports, statements) are
// answered from the router's slow-read thread; quick ones on the thread that called Handle,
// which in the server is an I/O thread.
TEST_F(RouterTest, SlowReadsRunOffTheCallingThread) {
  auto answered_on = [this](const std::string& target) {
    HttpRequest request{"GET", target, {{"Authorization", std::string("Bearer ") + kOperatorToken}},
                        "rid", "",     client_};
    std::promise<std::pair<int, std::thread::id>> answer;
    router_->Handle(request, [&answer](HttpResponse r) {
      answer.set_value({r.status, std::this_thread::get_id()});
    });
    return answer.get_future().get();
  };
  for (const char* slow : {"/v1/ledger/verify", "/v1/days/2026-11-28/report",
                           "/v1/merchants/m_1/statement?date=2026-11-28"}) {
    auto [status, thread] = answered_on(slow);
    EXPECT_NE(status, 503) << slow;
    EXPECT_NE(thread, std::this_thread::get_id()) << slow;
  }
  for (const char* quick : {"/v1/accounts", "/v1/days"}) {
    auto [status, thread] = answered_on(quick);
    EXPECT_EQ(status, 200) << quick;
    EXPECT_EQ(thread, std::this_thread::get_id()) << quick;
  }
  // After Stop, slow reads are refused with 503 and Retry-After; quick ones still answer.
  router_->Stop();
  HttpResponse refused = Send("GET", "/v1/ledger/verify",
                              {{"Authorization", std::string("Bearer ") + kOperatorToken}});
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(Code(refused), "UNAVAILABLE");
  EXPECT_EQ(Header(refused, "Retry-After"), "1");
  EXPECT_EQ(answered_on("/v1/accounts").first, 200);
}

// The web console: the page at "/" and its files under the bundle's hash, no token needed,
// with the security headers; a token, even a bad one, is not looked at.
TEST_F(RouterTest, TheConsoleIsServedAtTheRoot) {
  HttpResponse page = Send("GET", "/", {{"Authorization", "Bearer nonsense"}});
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(Header(page, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(Header(page, "X-Content-Type-Options"), "nosniff");
  auto at = page.body.find("/console/");
  ASSERT_NE(at, std::string::npos) << page.body;
  std::string bundle = page.body.substr(at + 9, 16);
  HttpResponse file = Send("GET", "/console/" + bundle + "/index.html");
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(Header(file, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Send("HEAD", "/").status, 200);
  EXPECT_EQ(Send("GET", "/console/" + bundle + "/%2e%2e/README.md").status, 404);
  EXPECT_EQ(Send("GET", "/console/0000000000000000/index.html").status, 404);
  EXPECT_EQ(Send("POST", "/").status, 405);
}

TEST_F(RouterTest, HealthNeedsNoCredentialsAtAll) {
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  // A route that declares no authentication does not even look at a bad token.
  EXPECT_EQ(Send("GET", "/healthz", {{"Authorization", "Bearer nonsense"}}).status, 200);
}

TEST_F(RouterTest, ReadyWhileTheEngineTakesWrites) {
  HttpResponse ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "{\"status\":\"ready\"}\n");
  engine_->Stop();
  HttpResponse stopped = Send("GET", "/readyz");
  EXPECT_EQ(stopped.status, 503);
  EXPECT_EQ(Code(stopped), "UNAVAILABLE");
  EXPECT_EQ(Header(stopped, "Retry-After"), "1");
  EXPECT_EQ(Send("GET", "/healthz").status, 200);  // the process still answers
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue(R"(a"b\c)"), R"(a\"b\\c)");
  EXPECT_EQ(EscapeLabelValue("line\nnext"), R"(line\nnext)");
  EXPECT_EQ(EscapeLabelValue("GET /v1/orders/*"), "GET /v1/orders/*");
}

TEST_F(RouterTest, MetricsCountEveryAnswerAndAreForOperators) {
  Metrics metrics;
  router_->UseMetrics(&metrics);
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  EXPECT_EQ(Send("GET", "/v1/orders/o_1/nowhere").status, 404);
  EXPECT_EQ(Send("GET", "/metrics").status, 401);
  HttpResponse r =
      Send("GET", "/metrics", {{"Authorization", std::string("Bearer ") + kOperatorToken}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* line :
       {"# TYPE market4_http_requests_total counter\n",
        "market4_http_requests_total{route=\"GET /healthz\",status=\"200\"} 1\n",
        "market4_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n",
        "market4_http_requests_total{route=\"GET /metrics\",status=\"401\"} 1\n",
        "market4_http_rejections_total{code=\"UNAUTHENTICATED\"} 1\n",
        "market4_http_request_duration_seconds_count{route=\"GET /healthz\"} 1\n",
        "market4_http_request_duration_seconds_bucket{route=\"GET /healthz\",le=\"+Inf\"} 1\n",
        "# TYPE market4_engine_commit_seconds histogram\n", "market4_engine_queue_depth 0\n",
        "market4_exceptions_open 0\n", "market4_accounts_unwritten 0\n",
        "market4_change_logs_live 0\n"}) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line << r.body;
  }
  // Every line is a comment or `name{labels} value`, and buckets only grow.
  std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_]+="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf)$)");
  std::istringstream lines(r.body);
  std::string line;
  double previous_bucket = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    if (line.rfind("market4_engine_commit_seconds_bucket", 0) == 0) {
      double value = std::stod(line.substr(line.rfind(' ') + 1));
      EXPECT_GE(value, previous_bucket) << line;
      previous_bucket = value;
    }
  }
}

TEST_F(RouterTest, HeadIsAnsweredWhereGetIs) {
  HttpResponse head = Send("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(Send("HEAD", "/v1/listings").status, 200);
  HttpResponse denied = Send("HEAD", "/v1/accounts");
  EXPECT_EQ(denied.status, 401);
  HttpResponse not_allowed = Send("PUT", "/healthz");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(Header(not_allowed, "Allow"), "GET, HEAD");
  EXPECT_EQ(Send("HEAD", "/v1/orders/o_1/pay").status, 405);  // POST only
}

// Every route in the tables, as the router's index finds it, against a plain scan of the
// tables in order (the last match wins): the route metrics count a request under, and the
// Allow header of a method no route has (OPTIONS).
TEST_F(RouterTest, EveryRouteIsFoundAsAScanOfTheTablesWouldFindIt) {
  std::vector<const Route*> table = AllRoutes();
  ASSERT_GT(table.size(), 80u);
  auto label = [](const Route& route) {
    std::string text = std::string(route.method) + " ";
    for (const char* segment : route.pattern) (text += '/') += segment;
    return text;
  };
  // Paths each route matches: "*" as one segment; a final "**" as none and as two.
  std::vector<std::vector<std::string>> paths;
  for (const Route* route : table) {
    std::vector<std::string> path;
    for (std::string_view segment : route->pattern) {
      if (segment != "**") path.emplace_back(segment == "*" ? "x_1" : segment);
    }
    paths.push_back(path);
    if (!route->pattern.empty() && std::string_view(route->pattern.back()) == "**") {
      path.insert(path.end(), {"a", "b.js"});
      paths.push_back(path);
    }
  }
  Metrics metrics;
  router_->UseMetrics(&metrics);
  std::map<std::string, int> expected;
  for (const auto& path : paths) {
    std::string target;
    for (const auto& segment : path) target += "/" + segment;
    if (target.empty()) target = "/";
    std::string allowed;
    for (const Route* route : table) {
      if (!MatchesPattern(route->pattern, path)) continue;
      allowed += std::string(allowed.empty() ? "" : ", ") + route->method;
      if (std::string_view(route->method) == "GET") allowed += ", HEAD";
    }
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      const Route* last = nullptr;
      for (const Route* route : table) {
        if (method == std::string_view(route->method) && MatchesPattern(route->pattern, path)) {
          last = route;
        }
      }
      if (last == nullptr) continue;
      ++expected[label(*last)];
      Send(method, target);
    }
    HttpResponse refused = Send("OPTIONS", target);
    EXPECT_EQ(refused.status, 405) << target;
    EXPECT_EQ(Header(refused, "Allow"), allowed) << target;
  }
  HttpResponse r =
      Send("GET", "/metrics", {{"Authorization", std::string("Bearer ") + kOperatorToken}});
  ASSERT_EQ(r.status, 200);
  std::map<std::string, int> counted;
  std::regex sample(R"re(^market4_http_requests_total\{route="([^"]*)",status="\d+"\} (\d+)$)re");
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_match(line, match, sample)) counted[match[1]] += std::stoi(match[2]);
  }
  expected["unmatched"] = static_cast<int>(paths.size());  // the OPTIONS requests
  EXPECT_EQ(counted, expected);
}

TEST_F(RouterTest, UnknownRoutesAre404) {
  EXPECT_EQ(Code(Send("GET", "/v1/nothing")), "NOT_FOUND");
  EXPECT_EQ(Send("GET", "/nothing").status, 404);
  EXPECT_EQ(Send("GET", "/v1/accounts/a/b/c").status, 404);
}

TEST_F(RouterTest, MalformedTargetIs400) {
  HttpResponse r = Send("GET", "no-leading-slash");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "INVALID_ARGUMENT");
}

TEST_F(RouterTest, BearerSchemeIsCaseInsensitiveForEveryPrincipal) {
  std::string buyer = NewBuyerToken();
  for (const char* scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
    HttpResponse me = Send("GET", "/v1/me", {{"Authorization", std::string(scheme) + " " + buyer}});
    EXPECT_EQ(me.status, 200) << scheme << " " << me.body;
    HttpResponse op = Send("GET", "/v1/accounts",
                           {{"authorization", std::string(scheme) + " " + kOperatorToken}});
    EXPECT_EQ(op.status, 200) << scheme << " " << op.body;
  }
  // Several spaces after the scheme are allowed (1*SP); other schemes and junk are not.
  EXPECT_EQ(Send("GET", "/v1/me", {{"Authorization", "Bearer   " + buyer}}).status, 200);
  for (std::string header :
       std::vector<std::string>{"Basic " + buyer, "Bearer", "Bearer ", "Bearer" + buyer,
                                "Bearer " + buyer + " extra", "Token " + buyer}) {
    HttpResponse r = Send("GET", "/v1/me", {{"Authorization", header}});
    EXPECT_EQ(r.status, 401) << header;
    EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer");
  }
}

TEST_F(RouterTest, RolesAreCheckedAfterAuthentication) {
  std::string buyer = NewBuyerToken();
  EXPECT_EQ(Send("GET", "/v1/accounts").status, 401);  // no token on a bearer route
  HttpResponse r = Send("GET", "/v1/accounts", {{"Authorization", "Bearer " + buyer}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "PERMISSION_DENIED");
  // Optional-bearer routes are public but refuse a token that is not valid.
  EXPECT_EQ(Send("GET", "/v1/listings").status, 200);
  EXPECT_EQ(Send("GET", "/v1/listings", {{"Authorization", "Bearer not-a-token"}}).status, 401);
}

TEST_F(RouterTest, HeadersAreFoundInAnyCase) {
  HttpResponse r = Send("POST", "/v1/buyers", {{"content-TYPE", "text/plain"}}, "x");
  EXPECT_EQ(r.status, 415);
  HttpRequest request{"GET", "/", {{"X-One", "1"}, {"x-one", "2"}}, "", "", ""};
  EXPECT_EQ(request.Header("X-ONE"), "1");  // the first of repeated headers
  EXPECT_EQ(request.Header("missing"), "");
}

TEST_F(RouterTest, EngineAnswersBecomeHttp) {
  std::vector<std::pair<std::string, std::string>> op = {
      {"Authorization", std::string("Bearer ") + kOperatorToken},
      {"Content-Type", "application/json"}};
  HttpResponse created = Send("POST", "/v1/accounts", op, R"({"id":"desk"})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(Header(created, "Idempotent-Replayed"), "");
  HttpResponse again = Send("POST", "/v1/accounts", op, R"({"id":"desk"})");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(Header(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body, created.body);
  HttpResponse conflict =
      Send("POST", "/v1/accounts", op, R"({"id":"desk","debits_must_not_exceed_credits":true})");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Code(conflict), "ALREADY_EXISTS");
  HttpResponse bad_limit = Send("GET", "/v1/accounts?limit=-1", op);
  EXPECT_EQ(bad_limit.status, 400);
  HttpResponse bad_token = Send("GET", "/v1/accounts?page_token=garbage", op);
  EXPECT_EQ(bad_token.status, 400);
  EXPECT_EQ(Code(bad_token), "INVALID_ARGUMENT");
}

// The router charges the abuse limits before any handler runs: a refusal is 429 RATE_LIMITED
// naming the limit, with Retry-After, and nothing is created.
class LimitedRouterTest : public RouterTest {
 protected:
  void Limit(const LimitOptions& limits) {
    router_ = std::make_unique<Router>(engine_.get(), &auth_, nullptr, limits);
    client_ = "198.51.100.7";
  }

  std::string Detail(const HttpResponse& response, const std::string& key) {
    v1::Error error;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &error).ok());
    return error.details().count(key) ? error.details().at(key) : "";
  }

  std::size_t BuyerCount() {
    auto buyers = engine_->Read().ListBuyers(100, "");
    EXPECT_TRUE(buyers.ok());
    return buyers.ok() ? static_cast<std::size_t>(buyers.value().buyers_size()) : 0;
  }
};

TEST_F(LimitedRouterTest, RegistrationsPerAddress) {
  LimitOptions limits;
  limits.registrations_per_address_hour = 3;
  Limit(limits);
  for (int i = 0; i < 3; ++i) NewBuyerToken();
  HttpResponse refused = Send("POST", "/v1/buyers", {{"Content-Type", "application/json"}},
                              R"({"name":"Bot","phone":"0912345678"})");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(Code(refused), "RATE_LIMITED");
  EXPECT_EQ(Detail(refused, "limit"), "registrations-per-address-hour");
  EXPECT_EQ(Header(refused, "Retry-After"), "1200");
  EXPECT_EQ(BuyerCount(), 3u);
  // Another address may still register, and the limited one may still browse.
  client_ = "198.51.100.8";
  NewBuyerToken();
  client_ = "198.51.100.7";
  EXPECT_EQ(Send("GET", "/v1/listings").status, 200);
}

// A retried registration gets its first answer and spends nothing, even once the address has
// no registrations left.
TEST_F(LimitedRouterTest, ARetriedRegistrationSpendsNoRegistration) {
  LimitOptions limits;
  limits.registrations_per_address_hour = 2;
  Limit(limits);
  auto registration = [&](const std::string& key) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return Send("POST", "/v1/buyers", headers, R"({"name":"Anh Tư","phone":"0912345678"})");
  };
  HttpResponse first = registration("reg-1");
  ASSERT_EQ(first.status, 201) << first.body;
  for (int i = 0; i < 3; ++i) {
    HttpResponse retry = registration("reg-1");
    EXPECT_EQ(retry.status, 201) << retry.body;
    EXPECT_EQ(retry.body, first.body);
  }
  EXPECT_EQ(registration("").status, 201);  // the second registration
  EXPECT_EQ(registration("").status, 429);
  EXPECT_EQ(registration("reg-2").status, 429);  // a new key is a new registration
  HttpResponse late = registration("reg-1");
  EXPECT_EQ(late.status, 201) << late.body;
  EXPECT_EQ(late.body, first.body);
  EXPECT_EQ(BuyerCount(), 2u);
}

TEST_F(LimitedRouterTest, RequestsPerTokenAndPerAddress) {
  LimitOptions limits;
  limits.requests_per_token = 2;  // bursts of 4
  Limit(limits);
  std::string buyer = NewBuyerToken();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Send("GET", "/v1/wallet", {{"Authorization", "Bearer " + buyer}}).status, 200);
  }
  HttpResponse refused = Send("GET", "/v1/wallet", {{"Authorization", "Bearer " + buyer}});
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(Detail(refused, "limit"), "requests-per-token");
  EXPECT_EQ(Header(refused, "Retry-After"), "1");
  // Operators are staff: not limited per token.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(
        Send("GET", "/v1/buyers", {{"Authorization", std::string("Bearer ") + kOperatorToken}})
            .status,
        200);
  }
  limits.requests_per_address = 3;  // bursts of 6
  Limit(limits);
  int answered = 0;
  for (int i = 0; i < 10; ++i) answered += Send("GET", "/healthz").status == 200;
  EXPECT_EQ(answered, 6);
  EXPECT_EQ(Detail(Send("GET", "/healthz"), "limit"), "requests-per-address");
}

TEST_F(LimitedRouterTest, RepeatedBadTokensLockTheAddressOut) {
  LimitOptions limits;
  limits.auth_failures_per_address_minute = 3;
  Limit(limits);
  std::string buyer = NewBuyerToken();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        Send("GET", "/v1/wallet", {{"Authorization", "Bearer guess-" + std::to_string(i)}}).status,
        401);
  }
  // Now every Bearer request from the address waits, a valid token's too: a guesser cannot
  // tell a right guess from a wrong one.
  HttpResponse guess = Send("GET", "/v1/wallet", {{"Authorization", "Bearer guess-3"}});
  EXPECT_EQ(guess.status, 429);
  EXPECT_EQ(Detail(guess, "limit"), "auth-failures-per-address-minute");
  EXPECT_EQ(Header(guess, "Retry-After"), "20");
  EXPECT_EQ(Send("GET", "/v1/wallet", {{"Authorization", "Bearer " + buyer}}).status, 429);
  // Public routes still answer; another address is not locked out.
  EXPECT_EQ(Send("GET", "/v1/listings").status, 200);
  client_ = "198.51.100.9";
  EXPECT_EQ(Send("GET", "/v1/wallet", {{"Authorization", "Bearer " + buyer}}).status, 200);
}

TEST_F(LimitedRouterTest, ProviderCallbacksAreNotCountedAgainstTheirAddress) {
  LimitOptions limits;
  limits.requests_per_address = 1;   // bursts of 2
  limits.callbacks_per_address = 2;  // bursts of 4
  Limit(limits);
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  EXPECT_EQ(Send("GET", "/healthz").status, 429);
  // The address is spent, yet callbacks from it are still heard (and refused only for their
  // signature here: no such provider).
  for (int i = 0; i < 4; ++i) {
    HttpResponse r = Send("POST", "/v1/providers/momo/events", {}, "{}");
    EXPECT_NE(r.status, 429) << r.body;
  }
  // A flood of callbacks is limited by where it comes from, whatever provider it names, so
  // it cannot spend the real provider's bucket from elsewhere.
  HttpResponse flood = Send("POST", "/v1/providers/viettel/events", {}, "{}");
  EXPECT_EQ(flood.status, 429);
  EXPECT_EQ(Detail(flood, "limit"), "callbacks-per-address");
  client_ = "203.0.113.50";  // the provider's own servers
  EXPECT_NE(Send("POST", "/v1/providers/momo/events", {}, "{}").status, 429);
}

// The provider routes are the operator's, and no answer ever carries a secret.
TEST_F(RouterTest, ProvidersAreTheOperatorsAndSecretsNeverShow) {
  std::vector<std::pair<std::string, std::string>> op = {
      {"Authorization", std::string("Bearer ") + kOperatorToken},
      {"Content-Type", "application/json"}};
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  HttpResponse created =
      Send("POST", "/v1/providers", op,
           R"({"id":"momo","name":"MoMo","scheme":"STANDARD_WEBHOOKS","secrets":[")" + secret +
               R"("]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.body.find(R"("provider":{"id":"momo")"), std::string::npos) << created.body;
  HttpResponse listed = Send("GET", "/v1/providers", op);
  HttpResponse one = Send("GET", "/v1/providers/momo", op);
  HttpResponse patched =
      Send("PATCH", "/v1/providers/momo", op,
           R"({"secrets":[")" + secret + R"(","whsec_c2VjcmV0LW51bWJlci10d28tZm9yLXJvdGF0aW9u"]})");
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_NE(patched.body.find(R"("secret_count":2)"), std::string::npos) << patched.body;
  for (const HttpResponse* r : {&created, &listed, &one, &patched}) {
    EXPECT_EQ(r->body.find("whsec_"), std::string::npos) << r->body;
    EXPECT_EQ(r->body.find("MfKQ9r8"), std::string::npos) << r->body;
  }
  std::string buyer = NewBuyerToken();
  EXPECT_EQ(Send("GET", "/v1/providers", {{"Authorization", "Bearer " + buyer}}).status, 403);
  EXPECT_EQ(Send("GET", "/v1/providers").status, 401);
  EXPECT_EQ(Send("GET", "/v1/providers/nobody", op).status, 404);
}

}  // namespace router_test
}  // namespace market4::gateway
