// Hostile input over real sockets: malformed framing, oversized and deeply nested bodies,
// random protobuf, amounts that are not whole positive dong, text that is not clean UTF-8,
// abused Idempotency-Keys, guessed, rotated and revoked tokens and pipelined floods. Each case
// checks the status, the Error code, and that the ledger (its verified chain head and every
// account), the exceptions queue and the lists of principals, orders and payouts are exactly as
// before. Another tenant's ids on every route: tests/integration/authorization_test.cc.
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "market4/v1/ledger.pb.h"
#include "market4/v1/operations.pb.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/raw_connection.h"

namespace market4 {
namespace hostile_input_test {

using testing::RawConnection;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::int64_t kMaxAmount = INT64_MAX;

class HostileInputTest : public GatewayFixture {
 protected:
  void SetUp() override {
    limits_.auth_failures_per_address_minute = 20;
    GatewayFixture::SetUp();
    ASSERT_EQ(Send("POST", "/v1/accounts", kOperatorToken, R"({"id":"cash"})").status, 201);
    ASSERT_EQ(Send("POST", "/v1/accounts", kOperatorToken,
                   R"({"id":"wallet","debits_must_not_exceed_credits":true})")
                  .status,
              201);
    // The wallet holds the most an account can: any further credit would overflow.
    ASSERT_EQ(
        Send("POST", "/v1/transfers", kOperatorToken, TransferBody("full", kMaxAmount)).status,
        201);
    for (const char* id : {"spare_cash", "spare"}) {
      ASSERT_EQ(Send("POST", "/v1/accounts", kOperatorToken, std::string(R"({"id":")") + id + "\"}")
                    .status,
                201);
    }
    ASSERT_EQ(Send("POST", "/v1/providers", kOperatorToken,
                   std::string(R"({"id":"momo","name":"MoMo","scheme":"STANDARD_WEBHOOKS",)"
                               R"("secrets":[")") +
                       kSecret + R"("]})")
                  .status,
              201);
    merchant_ = NewMerchant();
    buyer_ = NewBuyer();
    other_buyer_ = NewBuyer("Chị Năm");
    Deposit(buyer_, 500'000);
    listing_ = NewListing(merchant_, 10'000, 50);
    order_ = OrderId(buyer_, listing_, 2);
  }

  static std::string TransferBody(const std::string& id, std::int64_t amount) {
    return TransferBodyWith(id, "\"" + std::to_string(amount) + "\"");
  }
  static std::string TransferBodyWith(const std::string& id, const std::string& amount,
                                      const std::string& debit = "cash",
                                      const std::string& credit = "wallet") {
    return R"({"transfers":[{"id":")" + id + R"(","debit_account_id":")" + debit +
           R"(","credit_account_id":")" + credit + R"(","amount":)" + amount + R"(,"code":1}]})";
  }

  // Everything a refused request must leave as it was.
  std::string Snapshot() {
    std::string state;
    for (const char* path :
         {"/v1/ledger/verify", "/v1/accounts?limit=200", "/v1/exceptions?status=OPEN&limit=200",
          "/v1/exceptions?status=RESOLVED&limit=200", "/v1/merchants?limit=200",
          "/v1/buyers?limit=200", "/v1/orders?limit=200", "/v1/payouts?limit=200"}) {
      ClientResponse r = Send("GET", path, kOperatorToken);
      EXPECT_EQ(r.status, 200) << path << " " << r.body;
      state += std::string(path) + " " + r.body + "\n";
    }
    auto verified =
        ParseJson<v1::LedgerVerification>(Send("GET", "/v1/ledger/verify", kOperatorToken));
    EXPECT_TRUE(verified.ok()) << verified.problem();
    return state;
  }

  // Sends `bytes` on a fresh connection and checks the answer's status and Error code.
  void ExpectRefused(const std::string& name, const std::string& bytes, int status,
                     const std::string& code) {
    SCOPED_TRACE(name);
    RawConnection connection(server_->port());
    ASSERT_TRUE(connection.Send(bytes));
    ExpectError(connection.ReadResponse(), status, code);
  }

  void ExpectError(const ClientResponse& response, int status, const std::string& code) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/json");
    auto error = ParseJson<v1::Error>(response);
    EXPECT_EQ(error.code(), code) << response.body;
    EXPECT_FALSE(error.message().empty());
  }

  static std::string Post(const std::string& path, const std::string& body,
                          const std::string& extra = "",
                          const std::string& type = "application/json") {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kOperatorToken +
           "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + extra + "\r\n" + body;
  }
  static std::string Head(const std::string& method, const std::string& path) {
    return method + " " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kOperatorToken +
           "\r\n";
  }

  Principal merchant_, buyer_, other_buyer_;
  std::string listing_, order_;
};

TEST_F(HostileInputTest, MalformedFramingAndOversizedRequestsChangeNothing) {
  std::string before = Snapshot();
  std::string head = Head("POST", "/v1/transfers") + "Content-Type: application/json\r\n";
  std::string chunks;
  for (int i = 0; i < 20; ++i) chunks += "1000\r\n" + std::string(4096, ' ') + "\r\n";
  std::string fields;
  for (int i = 0; i < 10'000; ++i) fields += "X-" + std::to_string(i) + ": a\r\n";
  std::string body = TransferBody("framed", 1);
  ExpectRefused("a 10 GB Content-Length", head + "Content-Length: 10000000000\r\n\r\n" + body, 413,
                "PAYLOAD_TOO_LARGE");
  ExpectRefused("Content-Length with Transfer-Encoding",
                head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + body, 400,
                "INVALID_ARGUMENT");
  ExpectRefused("two different Content-Lengths",
                head + "Content-Length: " + std::to_string(body.size()) +
                    "\r\nContent-Length: 3\r\n\r\n" + body,
                400, "INVALID_ARGUMENT");
  ExpectRefused("a chunked body past the limit",
                head + "Transfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n", 413,
                "PAYLOAD_TOO_LARGE");
  ExpectRefused("9 KiB of headers", head + "X-Big: " + std::string(9 * 1024, 'a') + "\r\n\r\n", 431,
                "HEADERS_TOO_LARGE");
  ExpectRefused("10,000 header fields", head + fields + "\r\n", 431, "HEADERS_TOO_LARGE");
  ExpectRefused("a 1 MB name",
                Post("/v1/merchants", R"({"name":")" + std::string(1 << 20, 'a') +
                                          R"(","phone":"0901234567","location":"x"})"),
                413, "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(HostileInputTest, BodiesThatAreNotTheMessageChangeNothing) {
  std::string before = Snapshot();
  std::mt19937 random(12);
  for (int i = 0; i < 50; ++i) {
    std::string bytes(1 + random() % 300, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    ClientResponse r = client_->Send("POST", "/v1/transfers", bytes,
                                     {{"Authorization", std::string("Bearer ") + kOperatorToken},
                                      {"Content-Type", "application/x-protobuf"}});
    SCOPED_TRACE("random protobuf " + std::to_string(i));
    ExpectError(r, 400, "INVALID_ARGUMENT");
  }
  ExpectRefused("JSON nested 5,000 deep",
                Post("/v1/transfers",
                     R"({"transfers":)" + std::string(5000, '[') + std::string(5000, ']') + "}"),
                400, "INVALID_ARGUMENT");
  ExpectRefused("invalid UTF-8",
                Post("/v1/merchants",
                     "{\"name\":\"C\xff\xfe\",\"phone\":\"0901234567\","
                     "\"location\":\"x\"}"),
                400, "INVALID_ARGUMENT");
  ExpectRefused("a control character",
                Post("/v1/merchants", R"({"name":"C\u0007a","phone":"0901234567","location":"x"})"),
                400, "INVALID_ARGUMENT");
  ExpectRefused("a bidi override",
                Post("/v1/merchants",
                     "{\"name\":\"C\xe2\x80\xae"
                     "a\",\"phone\":\"0901234567\",\"location\":\"x\"}"),
                400, "INVALID_ARGUMENT");
  ExpectRefused("a repeated key",
                Post("/v1/buyers/" + buyer_.id + "/deposits", R"({"amount":"1","amount":"2"})",
                     "Idempotency-Key: repeated\r\n"),
                400, "INVALID_ARGUMENT");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(HostileInputTest, AmountsThatAreNotWholePositiveDongChangeNothing) {
  std::string before = Snapshot();
  int n = 0;
  for (const char* amount : {"\"0\"", "0", "\"-1\"", "-1", "1.5", "\"1.5\"", "1.0", "1e3", "1E2",
                             "100e-2", "\"1e3\"", "9223372036854775808", "true", "\"\""}) {
    SCOPED_TRACE(amount);
    ClientResponse r = Send("POST", "/v1/transfers", kOperatorToken,
                            TransferBodyWith("amount-" + std::to_string(++n), amount));
    ExpectError(r, 400, "INVALID_ARGUMENT");
  }
  // 2^63-1 more would overflow the wallet; two halves would overflow a fresh account.
  ExpectError(Send("POST", "/v1/transfers", kOperatorToken, TransferBody("max", kMaxAmount)), 422,
              "OVERFLOW");
  std::string half = std::to_string(kMaxAmount / 2 + 1);
  auto leg = [&](const std::string& id) {
    return R"({"id":")" + id +
           R"(","debit_account_id":"spare_cash","credit_account_id":"spare",)"
           R"("amount":")" +
           half + R"(","code":1})";
  };
  ExpectError(Send("POST", "/v1/transfers", kOperatorToken,
                   R"({"transfers":[)" + leg("half1") + "," + leg("half2") + "]}"),
              422, "OVERFLOW");
  for (const char* quantity : {"0", "-1", "1.5", "9223372036854775807"}) {
    SCOPED_TRACE(quantity);
    ClientResponse r =
        Send("POST", "/v1/orders", buyer_.token,
             R"({"items":[{"listing_id":")" + listing_ + R"(","quantity":)" + quantity + "}]}",
             std::string("q") + quantity);
    EXPECT_TRUE(r.status == 400 || r.status == 409) << r.status << " " << r.body;
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(HostileInputTest, AbusedIdempotencyKeysMoveMoneyOnce) {
  std::string before = Snapshot();
  std::string deposit = "/v1/buyers/" + buyer_.id + "/deposits";
  ExpectRefused("an empty key", Post(deposit, R"({"amount":"1"})", "Idempotency-Key: \r\n"), 400,
                "INVALID_ARGUMENT");
  ExpectRefused("a 10 KB key",
                Post(deposit, R"({"amount":"1"})",
                     "Idempotency-Key: " + std::string(10 * 1024, 'k') + "\r\n"),
                431, "HEADERS_TOO_LARGE");
  ExpectRefused(
      "a 300-byte key",
      Post(deposit, R"({"amount":"1"})", "Idempotency-Key: " + std::string(300, 'k') + "\r\n"), 400,
      "INVALID_ARGUMENT");
  ExpectRefused("a key with a control character",
                Post(deposit, R"({"amount":"1"})", "Idempotency-Key: a\x01z\r\n"), 400,
                "INVALID_ARGUMENT");
  EXPECT_EQ(Snapshot(), before);

  // Twenty clients send the same deposit under one key at once: one deposit, one answer.
  std::vector<ClientResponse> answers(20);
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back([&, i] {
      HttpClient client("127.0.0.1", server_->port());
      answers[i] = client.Send("POST", deposit, R"({"amount":"7000"})",
                               {{"Authorization", std::string("Bearer ") + kOperatorToken},
                                {"Idempotency-Key", "concurrent"}});
    });
  }
  for (auto& client : clients) client.join();
  for (const ClientResponse& answer : answers) {
    EXPECT_EQ(answer.status, 201) << answer.body;
    EXPECT_EQ(answer.body, answers[0].body);
  }
  EXPECT_EQ(Wallet(buyer_).balance(), 507'000);
  // The same key with another body changes nothing.
  std::string after_deposit = Snapshot();
  ExpectError(Send("POST", deposit, kOperatorToken, R"({"amount":"8000"})", "concurrent"), 422,
              "IDEMPOTENCY_CONFLICT");
  EXPECT_EQ(Snapshot(), after_deposit);

  // Another buyer's use of the same key is its own request, and sees nothing of the first.
  ClientResponse first =
      Send("POST", "/v1/orders", buyer_.token,
           R"({"items":[{"listing_id":")" + listing_ + R"(","quantity":"1"}]})", "shared-key");
  ClientResponse second =
      Send("POST", "/v1/orders", other_buyer_.token,
           R"({"items":[{"listing_id":")" + listing_ + R"(","quantity":"1"}]})", "shared-key");
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201);
  EXPECT_NE(ParseJson<v1::Order>(first).id(), ParseJson<v1::Order>(second).id());
  EXPECT_EQ(ParseJson<v1::Order>(second).buyer_id(), other_buyer_.id);
  EXPECT_TRUE(second.Header("idempotent-replayed").empty());
}

// Bearer requests from 127.0.0.2, so that the lockout they earn leaves the operator's checks
// from 127.0.0.1 alone.
ClientResponse FromElsewhere(std::uint16_t port, const std::string& request) {
  RawConnection connection(port, "127.0.0.2");
  if (!connection.Send(request)) return {};
  return connection.ReadResponse();
}

TEST_F(HostileInputTest, GuessedAndMalformedTokensChangeNothingAndGetLockedOut) {
  using namespace std::string_literals;
  std::string before = Snapshot();
  ExpectRefused("a token with a NUL byte",
                "GET /v1/wallet HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\0z\r\n\r\n"s, 400,
                "INVALID_ARGUMENT");
  ExpectRefused("another scheme",
                "GET /v1/wallet HTTP/1.1\r\nHost: x\r\nAuthorization: Basic a\r\n\r\n", 401,
                "UNAUTHENTICATED");
  // A buyer's token with its last character changed, then random guesses: 401 until the
  // address's 20 failures are spent, then 429 for every Bearer request from it, even with the
  // real token.
  std::string guess = buyer_.token;
  guess.back() = guess.back() == 'a' ? 'b' : 'a';
  std::mt19937_64 random(7);
  int unauthenticated = 0, limited = 0;
  auto pay = [&](const std::string& token) {
    return FromElsewhere(server_->port(),
                         "POST /v1/orders/" + order_ + "/pay HTTP/1.1\r\nHost: x\r\n" +
                             "Authorization: Bearer " + token +
                             "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  };
  for (int i = 0; i < 30; ++i) {
    ClientResponse r = pay(guess);
    if (r.status == 401) ++unauthenticated;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(ParseJson<v1::Error>(r).code(), "RATE_LIMITED");
      EXPECT_FALSE(r.Header("retry-after").empty());
    }
    guess = std::to_string(random()) + std::to_string(random());
  }
  EXPECT_EQ(unauthenticated, 20);
  EXPECT_EQ(limited, 10);
  EXPECT_EQ(pay(buyer_.token).status, 429);
  EXPECT_EQ(Snapshot(), before);
}

// Tokens that stopped: rotated (past the window in which they may retry their rotation) and
// revoked by an operator. Each refused request changes nothing.
TEST_F(HostileInputTest, RotatedAndRevokedTokensChangeNothing) {
  std::string before = Snapshot();  // rotating and reissuing move no money and list nothing
  ClientResponse rotated = Send("POST", "/v1/me/token/rotate", buyer_.token, "{}", "rot");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  ClientResponse reissued =
      Send("POST", "/v1/merchants/" + merchant_.id + "/token", kOperatorToken, "{}", "re");
  ASSERT_EQ(reissued.status, 200) << reissued.body;
  clock_.Advance(std::chrono::minutes(11));
  ExpectError(Send("POST", "/v1/orders/" + order_ + "/pay", buyer_.token, "{}", "p1"), 401,
              "UNAUTHENTICATED");
  ExpectError(Send("POST", "/v1/me/token/rotate", buyer_.token, "{}", "rot"), 401,
              "UNAUTHENTICATED");
  ExpectError(Send("POST", "/v1/orders/" + order_ + "/cancel", merchant_.token, "{}"), 401,
              "UNAUTHENTICATED");
  ExpectError(Send("POST", "/v1/me/token/rotate", merchant_.token, "{}", "rot2"), 401,
              "UNAUTHENTICATED");
  ExpectError(Send("POST", "/v1/listings", merchant_.token,
                   R"({"title":"Cá","category":"ca","unit":"kg","price":"1","stock":"1"})"),
              401, "UNAUTHENTICATED");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(HostileInputTest, PageSizesAndTokensOutOfRangeAre400) {
  std::string before = Snapshot();
  for (const char* query : {"limit=1000000000", "limit=-1", "limit=-0", "limit=+1", "limit=",
                            "limit=1e3", "limit=abc", "page_token=%FF%00garbage", "page_token="}) {
    SCOPED_TRACE(query);
    ClientResponse r = Send("GET", std::string("/v1/accounts?") + query, kOperatorToken);
    if (std::string(query) == "page_token=") {
      EXPECT_EQ(r.status, 200);  // an empty token is the first page
      continue;
    }
    ExpectError(r, 400, "INVALID_ARGUMENT");
  }
  EXPECT_EQ(Snapshot(), before);
}

// Sends `copies` of `request` in one write from another thread while this one reads the
// answers, so that neither side's socket buffer fills and stalls the other.
std::vector<ClientResponse> Pipeline(std::uint16_t port, const std::string& request, int copies) {
  std::string flood;
  flood.reserve(request.size() * static_cast<std::size_t>(copies));
  for (int i = 0; i < copies; ++i) flood += request;
  RawConnection connection(port);
  bool sent = false;
  std::thread sender([&] { sent = connection.Send(flood); });
  std::vector<ClientResponse> answers;
  for (int i = 0; i < copies; ++i) {
    answers.push_back(connection.ReadResponse());
    if (answers.back().status == 0) break;
  }
  sender.join();
  EXPECT_TRUE(sent);
  return answers;
}

TEST_F(HostileInputTest, TenThousandPipelinedRequestsInOneWrite) {
  std::string before = Snapshot();
  auto health = Pipeline(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 10'000);
  ASSERT_EQ(health.size(), 10'000u);
  for (const ClientResponse& r : health) ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Snapshot(), before);

  // 10,000 copies of one transfer in one write: one transfer, the others its replays.
  std::string body = TransferBodyWith("piped", "\"1000\"", "spare_cash", "spare");
  auto posts = Pipeline(server_->port(), Post("/v1/transfers", body), 10'000);
  ASSERT_EQ(posts.size(), 10'000u);
  int replays = 0;
  for (const ClientResponse& r : posts) {
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.body, posts[0].body);
    if (r.Header("idempotent-replayed") == "true") ++replays;
  }
  EXPECT_EQ(replays, 9'999);
  auto spare = ParseJson<v1::Account>(Send("GET", "/v1/accounts/spare", kOperatorToken));
  EXPECT_EQ(spare.credits_posted(), 1'000);
}

}  // namespace hostile_input_test
}  // namespace market4
