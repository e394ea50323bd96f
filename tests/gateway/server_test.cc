// The gateway over real sockets: a real engine on RocksDB, the router, and the Beast server
// on port 0, spoken to by a plain HTTP client.
#include "gateway/server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/descriptors.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/raw_connection.h"

namespace market4::gateway {
namespace server_test {

using testing::RawConnection;

constexpr const char* kToken = kOperatorToken;
constexpr char kHealthCheck[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

template <typename Message>
Message Parse(const ClientResponse& response) {
  return ParseJson<Message>(response);
}

class ServerTest : public GatewayFixture {
 protected:
  // Replaces the fixture's server with one made from `options` on port 0, answering through
  // the router unless another handler is given, and points client_ at it.
  void RestartServer(ServerOptions options, Server::Handler handler = nullptr) {
    server_->Stop();
    options.port = 0;
    if (!handler) {
      handler = [this](const auto& request, auto respond) {
        router_->Handle(request, std::move(respond));
      };
    }
    server_ = std::make_unique<Server>(options, std::move(handler));
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  // Whether `count` connections wait for their next request within a second: an answer the
  // client has read may still be finishing its write on the server's I/O thread.
  bool WaitUntilWaiting(std::size_t count) {
    for (int i = 0; i < 1000; ++i) {
      if (server_->waiting_connections() == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  ClientResponse HealthCheck(RawConnection& connection) {
    if (!connection.Send(kHealthCheck)) return {};
    return connection.ReadResponse();
  }

  ClientResponse Call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", std::string("Bearer ") + kToken);
    return client_->Send(method, target, body, headers);
  }

  void ExpectError(const ClientResponse& response, int status, const std::string& code) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/json");
    EXPECT_EQ(Parse<v1::Error>(response).code(), code) << response.body;
  }

  void CreateFundedAlice() {
    ASSERT_EQ(Call("POST", "/v1/accounts", R"({"id":"cash"})").status, 201);
    ASSERT_EQ(Call("POST", "/v1/accounts",
                   R"({"id":"alice","currency":"VND","debits_must_not_exceed_credits":true})")
                  .status,
              201);
    ASSERT_EQ(Call("POST", "/v1/accounts", R"({"id":"bob","debits_must_not_exceed_credits":true})")
                  .status,
              201);
    ASSERT_EQ(Call("POST", "/v1/transfers",
                   R"({"transfers":[{"id":"t1","debit_account_id":"cash",)"
                   R"("credit_account_id":"alice","amount":"50000","code":1}]})")
                  .status,
              201);
  }
};

TEST_F(ServerTest, HealthNeedsNoToken) {
  ClientResponse response = client_->Send("GET", "/healthz");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Parse<v1::HealthResponse>(response).status(), "ok");
  EXPECT_FALSE(response.Header("x-request-id").empty());
}

TEST_F(ServerTest, MissingOrWrongTokenIs401) {
  ExpectError(client_->Send("GET", "/v1/accounts/alice"), 401, "UNAUTHENTICATED");
  ExpectError(client_->Send("GET", "/v1/accounts/alice", "", {{"Authorization", "Bearer nope"}}),
              401, "UNAUTHENTICATED");
  ExpectError(client_->Send("POST", "/v1/accounts", R"({"id":"x"})",
                            {{"Authorization", std::string("Basic ") + kToken}}),
              401, "UNAUTHENTICATED");
  EXPECT_EQ(engine_->Read().GetAccount("x").status().code(), Code::kNotFound);
}

TEST_F(ServerTest, JsonRoundTripWithExactBalances) {
  CreateFundedAlice();
  ClientResponse moved = Call("POST", "/v1/transfers",
                              R"({"transfers":[{"id":"t2","debit_account_id":"alice",)"
                              R"("credit_account_id":"bob","amount":"1234","code":7}]})");
  ASSERT_EQ(moved.status, 201) << moved.body;
  auto transfers = Parse<v1::CreateTransfersResponse>(moved);
  ASSERT_EQ(transfers.transfers_size(), 1);
  EXPECT_EQ(transfers.transfers(0).code(), 7u);
  ClientResponse alice = Call("GET", "/v1/accounts/alice");
  ASSERT_EQ(alice.status, 200);
  EXPECT_NE(alice.body.find(R"("credits_posted":"50000")"), std::string::npos) << alice.body;
  auto account = Parse<v1::Account>(alice);
  EXPECT_EQ(account.debits_posted(), 1234);
  EXPECT_EQ(account.debits_pending(), 0);
  EXPECT_EQ(account.available(), 48'766);
  EXPECT_EQ(Parse<v1::Account>(Call("GET", "/v1/accounts/bob")).credits_posted(), 1234);
}

TEST_F(ServerTest, BinaryProtobufRoundTrip) {
  v1::CreateAccountRequest request;
  request.set_id("bin");
  ClientResponse response =
      Call("POST", "/v1/accounts", request.SerializeAsString(),
           {{"Content-Type", "application/x-protobuf"}, {"Accept", "application/x-protobuf"}});
  ASSERT_EQ(response.status, 201);
  EXPECT_EQ(response.Header("content-type"), "application/x-protobuf");
  v1::Account account;
  ASSERT_TRUE(account.ParseFromString(response.body));
  EXPECT_EQ(account.id(), "bin");
  EXPECT_EQ(account.currency(), "VND");
  ClientResponse missing =
      Call("GET", "/v1/accounts/none", "", {{"Accept", "application/x-protobuf"}});
  EXPECT_EQ(missing.status, 404);
  v1::Error error;
  ASSERT_TRUE(error.ParseFromString(missing.body));
  EXPECT_EQ(error.code(), "NOT_FOUND");
}

TEST_F(ServerTest, RetryReplaysAndConflictIs422) {
  CreateFundedAlice();
  const std::string body = R"({"transfers":[{"id":"t1","debit_account_id":"cash",)"
                           R"("credit_account_id":"alice","amount":"50000","code":1}]})";
  ClientResponse retry = Call("POST", "/v1/transfers", body);
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  ClientResponse conflict =
      Call("POST", "/v1/transfers",
           R"({"transfers":[{"id":"t1","debit_account_id":"cash","credit_account_id":"alice",)"
           R"("amount":"50001","code":1}]})");
  ExpectError(conflict, 422, "IDEMPOTENCY_CONFLICT");
  EXPECT_EQ(Parse<v1::Account>(Call("GET", "/v1/accounts/alice")).credits_posted(), 50'000);
}

TEST_F(ServerTest, OverdraftIsInsufficientFunds) {
  CreateFundedAlice();
  ClientResponse response =
      Call("POST", "/v1/transfers",
           R"({"transfers":[{"id":"o1","debit_account_id":"bob","credit_account_id":"alice",)"
           R"("amount":"1","code":1}]})");
  ExpectError(response, 422, "INSUFFICIENT_FUNDS");
  EXPECT_EQ(Parse<v1::Error>(response).details().at("account_id"), "bob");
}

TEST_F(ServerTest, PendingPostVoidAndExpiryOverHttp) {
  CreateFundedAlice();
  auto pending = [&](const std::string& id, int timeout) {
    return Call("POST", "/v1/transfers",
                R"({"transfers":[{"id":")" + id +
                    R"(","debit_account_id":"alice","credit_account_id":"bob","amount":"1000",)"
                    R"("code":2,"pending":true,"timeout_seconds":)" +
                    std::to_string(timeout) + "}]}");
  };
  ASSERT_EQ(pending("p1", 60).status, 201);
  ClientResponse posted = Call("POST", "/v1/transfers/p1/post", R"({"amount":"400"})");
  ASSERT_EQ(posted.status, 200) << posted.body;
  EXPECT_EQ(Parse<v1::Transfer>(posted).amount(), 400);
  ExpectError(Call("POST", "/v1/transfers/p1/void", "{}"), 409, "PENDING_TRANSFER_ALREADY_POSTED");
  ASSERT_EQ(pending("p2", 60).status, 201);
  ASSERT_EQ(Call("POST", "/v1/transfers/p2/void", "").status, 200);
  ASSERT_EQ(pending("p3", 30).status, 201);
  EXPECT_EQ(Parse<v1::Account>(Call("GET", "/v1/accounts/alice")).debits_pending(), 1000);
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(engine_->Execute(engine::Tick{}).status.ok());
  auto p3 = Parse<v1::Transfer>(Call("GET", "/v1/transfers/p3"));
  EXPECT_EQ(p3.status(), v1::TRANSFER_STATUS_EXPIRED);
  auto alice = Parse<v1::Account>(Call("GET", "/v1/accounts/alice"));
  EXPECT_EQ(alice.debits_pending(), 0);
  EXPECT_EQ(alice.debits_posted(), 400);
  ExpectError(Call("POST", "/v1/transfers/nope/post", "{}"), 404, "NOT_FOUND");
}

TEST_F(ServerTest, HistoryPagesOverHttp) {
  CreateFundedAlice();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        Call(
            "POST", "/v1/transfers",
            R"({"transfers":[{"id":"h)" + std::to_string(i) +
                R"(","debit_account_id":"alice","credit_account_id":"bob","amount":"1","code":1}]})")
            .status,
        201);
  }
  auto page = Parse<v1::ListTransfersResponse>(Call("GET", "/v1/accounts/alice/transfers?limit=2"));
  ASSERT_EQ(page.transfers_size(), 2);
  EXPECT_EQ(page.transfers(0).id(), "h2");
  auto rest = Parse<v1::ListTransfersResponse>(
      Call("GET", "/v1/accounts/alice/transfers?limit=2&page_token=" + page.next_page_token()));
  ASSERT_EQ(rest.transfers_size(), 2);
  EXPECT_EQ(rest.transfers(1).id(), "t1");
  EXPECT_TRUE(rest.next_page_token().empty());
  ExpectError(Call("GET", "/v1/accounts/alice/transfers?limit=abc"), 400, "INVALID_ARGUMENT");
}

TEST_F(ServerTest, BadJsonIs400WithErrorBody) {
  ExpectError(Call("POST", "/v1/accounts", "{not json"), 400, "INVALID_ARGUMENT");
  ExpectError(Call("POST", "/v1/accounts", R"({"id":"x","balance":"100"})"), 400,
              "INVALID_ARGUMENT");
  ExpectError(Call("POST", "/v1/transfers", R"({"transfers":[{"id":"t","amount":"1.5"}]})"), 400,
              "INVALID_ARGUMENT");
  ExpectError(Call("POST", "/v1/accounts", "id=x", {{"Content-Type", "text/plain"}}), 415,
              "UNSUPPORTED_MEDIA_TYPE");
  EXPECT_EQ(engine_->Read().GetAccount("x").status().code(), Code::kNotFound);
}

TEST_F(ServerTest, BodyOverLimitIs413) {
  std::string huge = R"({"id":")" + std::string(kMaxBodyBytes, 'a') + R"("})";
  ExpectError(Call("POST", "/v1/accounts", huge), 413, "PAYLOAD_TOO_LARGE");
  EXPECT_FALSE(client_->connected());
}

TEST_F(ServerTest, HeadersOverLimitAre431) {
  ClientResponse response =
      Call("GET", "/v1/accounts/a", "", {{"X-Padding", std::string(kMaxHeaderBytes, 'p')}});
  ExpectError(response, 431, "HEADERS_TOO_LARGE");
}

TEST_F(ServerTest, MalformedRequestIs400) {
  ClientResponse response = client_->SendRaw("NOT HTTP AT ALL\r\n\r\n");
  ExpectError(response, 400, "INVALID_ARGUMENT");
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  ExpectError(Call("GET", "/v1/nothing"), 404, "NOT_FOUND");
  ExpectError(Call("GET", "/nothing"), 404, "NOT_FOUND");
  ClientResponse response = Call("DELETE", "/v1/accounts/alice");
  ExpectError(response, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(response.Header("allow"), "GET, HEAD");
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client_->Send("GET", "/healthz").status, 200);
    ASSERT_TRUE(client_->connected());
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string two =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(client_->SendRaw(two).status, 200);
  EXPECT_EQ(client_->SendRaw("").status, 404);
}

TEST_F(ServerTest, SlowAndIdleClientsAreDisconnected) {
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(100);
  options.idle_timeout = std::chrono::milliseconds(100);
  RestartServer(options);
  // A request that never finishes: the read deadline closes the connection, no answer.
  HttpClient slow("127.0.0.1", server_->port());
  EXPECT_EQ(slow.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n").status, 0);
  // A keep-alive connection left idle is closed after the idle timeout.
  HttpClient idle("127.0.0.1", server_->port());
  ASSERT_EQ(idle.Send("GET", "/healthz").status, 200);
  EXPECT_EQ(idle.SendRaw("").status, 0);
}

// A full server makes room for a newcomer by closing the connection that has waited longest
// for a request; a client that is being answered keeps its place.
TEST_F(ServerTest, FullServerClosesTheLongestWaitingConnectionForANewOne) {
  ServerOptions options;
  options.max_connections = 2;
  RestartServer(options);
  RawConnection silent(server_->port(), "127.0.0.2");  // never sends a byte
  ASSERT_TRUE(silent.connected());
  RawConnection idle(server_->port(), "127.0.0.3");
  ASSERT_EQ(HealthCheck(idle).status, 200);  // now waits for its next request
  ASSERT_TRUE(WaitUntilWaiting(2));          // the server has finished writing idle's answer
  RawConnection newcomer(server_->port(), "127.0.0.4");
  EXPECT_EQ(HealthCheck(newcomer).status, 200);
  EXPECT_TRUE(silent.ClosedByServer());
  EXPECT_EQ(HealthCheck(idle).status, 200);
  // Next in line is the idle connection (it has waited since its last answer) and not the
  // newcomer, which asked since.
  ASSERT_EQ(HealthCheck(newcomer).status, 200);
  ASSERT_TRUE(WaitUntilWaiting(2));
  RawConnection another(server_->port(), "127.0.0.5");
  EXPECT_EQ(HealthCheck(another).status, 200);
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_EQ(HealthCheck(newcomer).status, 200);
}

// When every connection is being answered, none waits for a request: a new one gets 503.
TEST_F(ServerTest, FullServerWithEveryConnectionBusyRefusesWith503) {
  ServerOptions options;
  options.max_connections = 1;
  std::mutex mutex;
  std::vector<std::function<void(HttpResponse)>> held;
  RestartServer(options, [&](const HttpRequest&, std::function<void(HttpResponse)> respond) {
    std::lock_guard lock(mutex);
    held.push_back(std::move(respond));
  });
  RawConnection busy(server_->port());
  ASSERT_TRUE(busy.Send(kHealthCheck));
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(mutex);
      if (!held.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  RawConnection refused(server_->port());
  ExpectError(refused.ReadResponse(), 503, "UNAVAILABLE");
  std::lock_guard lock(mutex);
  ASSERT_EQ(held.size(), 1u);
  HttpResponse ok;
  ok.content_type = "text/plain";
  ok.body = "ok";
  held[0](std::move(ok));
  EXPECT_EQ(busy.ReadResponse().status, 200);
}

// The acceptance case of issue 12: 1,000 slowloris connections (a header line that never
// ends, one byte at a time) and 1,000 silent ones, from 80 addresses, against the default
// connection limit of 1,024. A normal client that connects afresh for each request is served
// every time. Its slowest answer is printed; the 100 ms bound is checked by
// scripts/slow-clients-check against a real market4d, not asserted here.
TEST_F(ServerTest, SlowlorisAndSilentFloodsLeaveRoomForANormalClient) {
  std::uint64_t limit = RaiseOpenFileLimit();
  ASSERT_GE(limit, 4096u) << "the open-file limit (ulimit -n) is too small for 2,000 clients";
  ServerOptions options;
  options.max_connections = 1024;
  RestartServer(options);
  std::vector<RawConnection> silent, slow;
  for (int i = 0; i < 1000; ++i) {
    std::string silent_source = "127.0.2." + std::to_string(1 + i % 40);
    std::string slow_source = "127.0.3." + std::to_string(1 + i % 40);
    silent.emplace_back(server_->port(), silent_source.c_str());
    slow.emplace_back(server_->port(), slow_source.c_str());
    slow.back().Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }
  std::atomic<bool> done{false};
  std::thread dripping([&] {
    while (!done) {
      for (RawConnection& connection : slow) connection.Send("a");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  std::chrono::microseconds slowest{0};
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    HttpClient normal("127.0.0.1", server_->port());
    ClientResponse answer = normal.Send("GET", "/healthz");
    slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - start));
    EXPECT_EQ(answer.status, 200) << "request " << i << ": " << answer.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  done = true;
  dripping.join();
  std::printf("the normal client's slowest request under the flood took %lld us\n",
              static_cast<long long>(slowest.count()));
}

// Request smuggling (RFC 9112 §6.1, §6.3): each head below frames its body ambiguously, and
// a complete POST follows it on the same connection. Before, the POST ran as a second request
// (201). Now the first request is refused with 400 and the connection closed unread.
TEST_F(ServerTest, AmbiguousFramingIs400AndClosesTheConnection) {
  const std::string buyer = R"({"name":"Smuggled","phone":"0912345678"})";
  const std::string smuggled =
      "POST /v1/buyers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(buyer.size()) + "\r\n\r\n" + buyer;
  const std::string end_of_chunks = "0\r\n\r\n";
  struct Case {
    std::string head;  // request line and header lines, without the blank line
    std::string body;
  };
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  const std::vector<Case> cases = {
      {get + "Transfer-Encoding: chunked, identity\r\n", smuggled},
      {get + "Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n", smuggled},
      {get + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", end_of_chunks + smuggled},
      {get + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", end_of_chunks + smuggled},
      {get + "Transfer-Encoding: gzip, chunked\r\n", end_of_chunks + smuggled},
      {get + "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n",
       end_of_chunks + smuggled},
      {get + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
       end_of_chunks + smuggled},
      {get + "Transfer-Encoding:\r\n", smuggled},
      {"GET /healthz HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
       "Transfer-Encoding: chunked\r\n",
       end_of_chunks + smuggled},
      // Obsolete line folding: a header line that starts with a space or a tab.
      {get + "X-Folded: a\r\n b\r\n", smuggled},
      {get + "X-Folded: a\r\n\tb\r\n", smuggled},
      {get + "Transfer-Encoding: identity,\r\n chunked\r\n", end_of_chunks + smuggled},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.head);
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.Send(c.head + "\r\n" + c.body));
    ExpectError(connection.ReadResponse(), 400, "INVALID_ARGUMENT");
    EXPECT_TRUE(connection.ClosedByServer()) << connection.pending();
  }
}

TEST_F(ServerTest, ChunkedBodiesAreStillRead) {
  const std::string buyer = R"({"name":"Chunked","phone":"0912345678"})";
  std::string request =
      "POST /v1/buyers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: Chunked\r\n\r\n";
  for (std::size_t at = 0; at < buyer.size(); at += 16) {
    std::string chunk = buyer.substr(at, 16);
    request += fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk);
  }
  request += "0\r\n\r\n";
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(request));
  ClientResponse created = connection.ReadResponse();
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(ParseJson<v1::CreateBuyerResponse>(created).buyer().name(), "Chunked");
  EXPECT_EQ(HealthCheck(connection).status, 200);  // the same connection goes on
}

// Trailer fields would arrive after the body, where a proxy in front of us never saw them
// (an Authorization or Content-Type slipped in late): refused, and the connection closed.
TEST_F(ServerTest, ChunkedTrailersAreRefused) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(
      connection.Send("POST /v1/buyers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\n{}\r\n0\r\nContent-Type: application/x-protobuf\r\n\r\n"));
  ClientResponse refused = connection.ReadResponse();
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("trailer"), std::string::npos) << refused.body;
}

// Chunk extensions are not counted by the body limit; they must not grow a connection's
// buffer without bound either.
TEST_F(ServerTest, EndlessChunkExtensionsAreCutOff) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(
      "POST /v1/buyers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;"));
  const std::string junk(64 * 1024, 'a');
  bool refused_early = false;
  for (int i = 0; i < 2 && !refused_early; ++i) refused_early = !connection.Send(junk);
  ClientResponse response = connection.ReadResponse();
  EXPECT_EQ(response.status, 413) << response.body;
}

// A new connection that sends nothing is closed after the read timeout, not the idle timeout:
// silent connections used to hold every slot for a minute. A connection that completed a
// request still waits the idle timeout for its next one.
TEST_F(ServerTest, SilentNewConnectionsAreClosedAfterTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(100);
  options.idle_timeout = std::chrono::hours(1);
  options.max_connections = 3;
  RestartServer(options);
  RawConnection kept(server_->port());
  ASSERT_EQ(HealthCheck(kept).status, 200);
  std::vector<RawConnection> silent;
  for (int i = 0; i < 2; ++i) silent.emplace_back(server_->port());
  for (RawConnection& connection : silent) EXPECT_TRUE(connection.ClosedByServer());
  // `kept` has now waited longer than the read timeout, and is still served.
  EXPECT_EQ(HealthCheck(kept).status, 200);
  // The silent connections gave their slots back before they saw the close.
  for (int i = 0; i < 2; ++i) {
    RawConnection fresh(server_->port());
    EXPECT_EQ(HealthCheck(fresh).status, 200);
  }
}

TEST_F(ServerTest, ConnectionsPerClientAddressAreCapped) {
  ServerOptions options;
  options.max_connections_per_address = 2;
  RestartServer(options);
  RawConnection first(server_->port());
  ASSERT_EQ(HealthCheck(first).status, 200);
  // A connection that closes gives its slot back, exactly once.
  RawConnection closing(server_->port());
  ASSERT_TRUE(closing.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  ASSERT_EQ(closing.ReadResponse().status, 200);
  ASSERT_TRUE(closing.ClosedByServer());
  RawConnection second(server_->port());
  ASSERT_EQ(HealthCheck(second).status, 200);
  // A third from 127.0.0.1 is refused at once, without sending anything.
  RawConnection third(server_->port());
  ExpectError(third.ReadResponse(), 503, "UNAVAILABLE");
  EXPECT_TRUE(third.ClosedByServer());
  // Another address is still served.
  RawConnection other(server_->port(), "127.0.0.2");
  ASSERT_TRUE(other.connected());
  EXPECT_EQ(HealthCheck(other).status, 200);
  // And the first two still are.
  EXPECT_EQ(HealthCheck(first).status, 200);
  EXPECT_EQ(HealthCheck(second).status, 200);
}

TEST_F(ServerTest, ListensOnAHostName) {
  ServerOptions options;
  options.host = "localhost";
  RestartServer(options);
  EXPECT_EQ(client_->Send("GET", "/healthz").status, 200);  // localhost's IPv4 address
}

// A HEAD answer is its header alone, with the would-be body's Content-Length. Body bytes
// after it would be read as the start of the next response on the connection.
TEST_F(ServerTest, HeadAnswersCarryNoBody) {
  RestartServer(ServerOptions{}, [](const HttpRequest& request, auto respond) {
    respond(HttpResponse{200, "text/plain", "hello " + request.method, {}});
  });
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send("HEAD /thing HTTP/1.1\r\nHost: x\r\n\r\n"));
  ClientResponse head = connection.ReadResponse(/*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "10");  // "hello HEAD"
  EXPECT_EQ(head.Header("content-type"), "text/plain");
  EXPECT_EQ(head.body, "");
  ASSERT_TRUE(connection.Send("GET /thing HTTP/1.1\r\nHost: x\r\n\r\n"));
  ClientResponse get = connection.ReadResponse();
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello GET");
}

// The head of every answer: status line, the server's own fields, the handler's, a length,
// and "Connection: close" when the connection ends. A handler's header value that would
// break the head into more lines is never sent: the client gets a 500 instead.
TEST_F(ServerTest, AnswerHeadsCarryTheirFieldsAndNoInjectedOnes) {
  RestartServer(ServerOptions{}, [](const HttpRequest& request, auto respond) {
    HttpResponse response{201, "text/plain; charset=utf-8", "made", {}};
    response.headers = {{"Idempotent-Replayed", "true"}, {"Retry-After", "7"}};
    if (request.target == "/split") response.headers.emplace_back("X-Note", "a\r\nSet-Cookie: x=1");
    if (request.target == "/nul") response.headers.emplace_back("X-Note", std::string("a\0b", 3));
    if (request.target == "/name") response.headers.emplace_back("X Note", "a");
    if (request.target == "/none") response = HttpResponse{204, "", "", {}};
    respond(std::move(response));
  });
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send("GET /made HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-1\r\n\r\n"));
  ClientResponse made = connection.ReadResponse();
  EXPECT_EQ(made.status_line, "HTTP/1.1 201 Created");
  EXPECT_EQ(made.Header("server"), "market4d");
  EXPECT_EQ(made.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(made.Header("x-request-id"), "abc-1");
  EXPECT_EQ(made.Header("idempotent-replayed"), "true");
  EXPECT_EQ(made.Header("retry-after"), "7");
  EXPECT_EQ(made.Header("content-length"), "4");
  EXPECT_EQ(made.Header("connection"), "");
  EXPECT_EQ(made.headers.size(), 6u);
  EXPECT_EQ(made.body, "made");
  for (const char* target : {"/split", "/nul", "/name"}) {
    ASSERT_TRUE(connection.Send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    ClientResponse refused = connection.ReadResponse();
    EXPECT_EQ(refused.status_line, "HTTP/1.1 500 Internal Server Error") << target;
    EXPECT_EQ(refused.Header("set-cookie"), "") << target;
    EXPECT_EQ(refused.Header("x-note"), "") << target;
    EXPECT_EQ(Parse<v1::Error>(refused).code(), "INTERNAL") << target;
  }
  // No content: no length either (RFC 9110 §8.6), nor an empty Content-Type.
  ASSERT_TRUE(connection.Send("GET /none HTTP/1.1\r\nHost: x\r\n\r\n"));
  ClientResponse none = connection.ReadResponse();
  EXPECT_EQ(none.status_line, "HTTP/1.1 204 No Content");
  EXPECT_EQ(none.headers.count("content-length"), 0u);
  EXPECT_EQ(none.headers.count("content-type"), 0u);
  EXPECT_EQ(none.body, "");
  ASSERT_TRUE(connection.Send("GET /last HTTP/1.0\r\n\r\n"));  // 1.0: no keep-alive
  ClientResponse last = connection.ReadResponse();
  EXPECT_EQ(last.status, 201);
  EXPECT_EQ(last.Header("connection"), "close");
  EXPECT_TRUE(connection.ClosedByServer());
}

}  // namespace server_test
}  // namespace market4::gateway
