// A whole market4d in-process (real engine on RocksDB, router, Beast server on port 0) with a
// manual clock, and helpers that speak to it over HTTP as the operator, merchants and buyers.
// Shared by the gateway and marketplace tests.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "engine/engine.h"
#include "gateway/event_hub.h"
#include "gateway/router.h"
#include "gateway/server.h"
#include "market4/v1/error.pb.h"
#include "market4/v1/market.pb.h"
#include "tests/gateway/http_client.h"
#include "tests/test_util.h"

namespace market4 {

using testing::ClientResponse;
using testing::HttpClient;

inline constexpr char kOperatorToken[] = "market-test-operator-token-0001";

template <typename Message>
Message ParseJson(const ClientResponse& response) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(response.body, &message);
  EXPECT_TRUE(status.ok()) << response.status << " " << response.body;
  return message;
}

struct Principal {
  std::string id;
  std::string token;
};

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);  // no access log lines in test output
    engine::EngineOptions options;
    options.store.path = dir_.Sub("ledger");
    options.clock = &clock_;
    options.check_invariants_every_batch = true;
    options.tick_interval = std::chrono::hours(1);
    options.market = market_options_;
    options.on_fatal = [](const Status& s) { ADD_FAILURE() << "engine fatal: " << s.ToString(); };
    if (hub_options_.clock == nullptr) hub_options_.clock = &clock_;
    hub_ = std::make_unique<gateway::EventHub>(hub_options_);
    options.on_merchant_events = [hub = hub_.get()](const auto& events) { hub->Publish(events); };
    auto engine = engine::Engine::Open(std::move(options));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    router_ = std::make_unique<gateway::Router>(engine_.get(), &auth_, hub_.get(), limits_);
    gateway::ServerOptions server_options;
    server_options.port = 0;
    server_options.threads = 2;
    server_ = std::make_unique<gateway::Server>(
        server_options, [this](const auto& r, auto done) { router_->Handle(r, std::move(done)); });
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  // Stops in the order market4d does: no new requests, then the engine, then the sockets.
  void TearDown() override {
    client_.reset();
    server_->Stop();
    router_->Stop();
    engine_.reset();
    server_.reset();
  }

  ClientResponse Send(const std::string& method, const std::string& path, const std::string& token,
                      const std::string& body = "", const std::string& key = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    if (body.empty() && method != "GET") return client_->Send(method, path, "{}", headers);
    return client_->Send(method, path, body, headers);
  }

  Principal NewMerchant(const std::string& name = "Cô Ba") {
    ClientResponse r = Send(
        "POST", "/v1/merchants", kOperatorToken,
        R"({"name":")" + name + R"(","phone":"0901234567","location":"Chợ Vị Thanh, sạp 12"})");
    EXPECT_EQ(r.status, 201) << r.body;
    auto created = ParseJson<v1::CreateMerchantResponse>(r);
    return {created.merchant().id(), created.token()};
  }

  Principal NewBuyer(const std::string& name = "Anh Tư") {
    ClientResponse r =
        Send("POST", "/v1/buyers", "", R"({"name":")" + name + R"(","phone":"0912345678"})");
    EXPECT_EQ(r.status, 201) << r.body;
    auto created = ParseJson<v1::CreateBuyerResponse>(r);
    return {created.buyer().id(), created.token()};
  }

  void Deposit(const Principal& buyer, std::int64_t amount) {
    ClientResponse r =
        Send("POST", "/v1/buyers/" + buyer.id + "/deposits", kOperatorToken,
             R"({"amount":")" + std::to_string(amount) + R"("})", "dep-" + std::to_string(++keys_));
    EXPECT_EQ(r.status, 201) << r.body;
  }

  std::string NewListing(const Principal& merchant, std::int64_t price, std::int64_t stock,
                         const std::string& title = "Rau muống") {
    ClientResponse r =
        Send("POST", "/v1/listings", merchant.token,
             R"({"title":")" + title +
                 R"(","description":"tươi","category":"rau","unit":"bó","price":")" +
                 std::to_string(price) + R"(","stock":")" + std::to_string(stock) + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson<v1::Listing>(r).id();
  }

  ClientResponse Order(const Principal& buyer, const std::string& listing, std::int64_t quantity,
                       const std::string& key = "") {
    return Send("POST", "/v1/orders", buyer.token,
                R"({"items":[{"listing_id":")" + listing + R"(","quantity":")" +
                    std::to_string(quantity) + R"("}]})",
                key.empty() ? "order-" + std::to_string(++keys_) : key);
  }

  std::string OrderId(const Principal& buyer, const std::string& listing, std::int64_t quantity) {
    ClientResponse r = Order(buyer, listing, quantity);
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson<v1::Order>(r).id();
  }

  ClientResponse Act(const Principal& who, const std::string& order, const std::string& action,
                     const std::string& body = "{}") {
    // Refunds need an Idempotency-Key; each call here is a new request.
    std::string key = action == "refund" ? "refund-" + std::to_string(++keys_) : "";
    return Send("POST", "/v1/orders/" + order + "/" + action, who.token, body, key);
  }

  v1::Wallet Wallet(const Principal& buyer) {
    return ParseJson<v1::Wallet>(Send("GET", "/v1/wallet", buyer.token));
  }
  v1::MerchantBalance Balance(const Principal& merchant) {
    return ParseJson<v1::MerchantBalance>(Send("GET", "/v1/merchant/balance", merchant.token));
  }
  v1::Order GetOrder(const std::string& id) {
    return ParseJson<v1::Order>(Send("GET", "/v1/orders/" + id, kOperatorToken));
  }
  std::int64_t Stock(const std::string& listing) {
    return ParseJson<v1::Listing>(Send("GET", "/v1/listings/" + listing, kOperatorToken)).stock();
  }
  std::string ErrorCode(const ClientResponse& r) { return ParseJson<v1::Error>(r).code(); }

  void AdvanceAndTick(std::chrono::nanoseconds by) {
    clock_.Advance(by);
    ASSERT_TRUE(engine_->Execute(engine::Tick{}).status.ok());
  }

  testing::TempDir dir_;
  engine::ManualClock clock_;
  gateway::AdminAuth auth_{kOperatorToken};
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<gateway::Router> router_;
  std::unique_ptr<gateway::Server> server_;
  std::unique_ptr<HttpClient> client_;
  int keys_ = 0;
  // The merchants' live events. Tests may set the options before SetUp (in their
  // constructor); the clock defaults to clock_. Outlives the engine and the server (TearDown
  // resets both).
  gateway::EventHubOptions hub_options_;
  engine::MarketOptions market_options_;  // set before SetUp to change the defaults
  // Off unless a test sets them before SetUp: every test client is one address (127.0.0.1)
  // playing many buyers at full speed. The limits have tests of their own.
  gateway::LimitOptions limits_{0, 0, 0, 0, 0};
  std::unique_ptr<gateway::EventHub> hub_;
};

}  // namespace market4
