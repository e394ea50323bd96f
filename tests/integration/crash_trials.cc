// market4-crash-trials: kill -9 trials under mixed load. Each trial starts a real market4d on
// a fresh data directory, has several clients move money every way the service can (ledger
// transfers retried under the same id, deposits, orders paid from the wallet or by a VietQR
// bank credit, shipped, confirmed and refunded, top-ups and payouts settled by signed provider
// events, stall payments), records every 2xx answer, kills the server with SIGKILL at a
// random moment, restarts it, and checks:
//   - every answered request is there, once: its resource is in the state the answer left it
//     in (or the next one, if the client's unanswered request was about it), and the money
//     each client can see is what its answered requests add up to, plus at most its one
//     unanswered request, whole;
//   - a retry of every answered request gets the same status and body and moves nothing;
//   - the ledger sums to zero, no account that must not go negative has, the ledger verifies
//     (entries, hash chain, stored balances), and each merchant's escrow and stock agree with
//     its orders.
// Prints each trial's seed; `--seed S --trials 1` replays one. Exit status 0 only when every
// trial found 0 lost, 0 doubled and 0 violations.
#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

#include "gateway/provider_schemes.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/operations.pb.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/stall.pb.h"
#include "tests/gateway/http_client.h"
#include "tests/integration/daemon.h"
#include "tests/test_util.h"

namespace market4::trials {
namespace {

namespace v1 = ::market4::v1;
using testing::ClientResponse;
using testing::HttpClient;
using Headers = std::map<std::string, std::string>;

constexpr char kOperator[] = "crash-trials-operator-token-0001";
constexpr char kWalletSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kBankSecret[] = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
constexpr std::int64_t kCommissionBps = 100;
constexpr std::int64_t kStock = 1'000'000;

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <typename Message>
Message Parse(const std::string& json) {
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  (void)google::protobuf::util::JsonStringToMessage(json, &message, options);
  return message;
}

// The value of a top-level string field, e.g. "status", in a JSON answer.
std::string Field(const std::string& json, const std::string& name) {
  std::smatch match;
  std::regex pattern("\"" + name + "\":\"([^\"]*)\"");
  return std::regex_search(json, match, pattern) ? match[1].str() : "";
}

// The money one client can see: its buyer's wallet, its merchant's escrow and available
// balance, and its two ledger accounts.
struct Money {
  std::int64_t wallet = 0, escrow = 0, available = 0, first = 0, second = 0;
  Money& operator+=(const Money& other) {
    wallet += other.wallet;
    escrow += other.escrow;
    available += other.available;
    first += other.first;
    second += other.second;
    return *this;
  }
  bool operator==(const Money&) const = default;
  std::string Text() const {
    return "wallet " + std::to_string(wallet) + ", escrow " + std::to_string(escrow) +
           ", available " + std::to_string(available) + ", accounts " + std::to_string(first) +
           "/" + std::to_string(second);
  }
};

Money operator+(Money a, const Money& b) { return a += b; }

// One request as sent. After a 2xx answer: the status and body, for the retry after restart.
struct Step {
  std::string token;  // Bearer; empty for signed callbacks
  std::string method, target, body;
  Headers headers;         // Idempotency-Key, signatures
  Money moves;             // what applying it moves
  std::string resource;    // the GET that shows its effect, if any
  std::string state;       // the resource's "status" once it applied ("" = found at all)
  bool retry_safe = true;  // false: a creation without an Idempotency-Key, not retried
  int status = 0;
  std::string answer;
};

// What a resource must look like after the restart.
struct Expectation {
  std::string token;
  std::string state;       // from the client's last answered request about it
  std::string unanswered;  // the state its unanswered request would have left, if any
  bool answered = false;   // whether an answered request made it
};

struct Tally {
  std::atomic<int> lost{0}, doubled{0}, violations{0};
  std::atomic<int> landed{0};  // clients whose unanswered request moved money before the kill
  std::mutex mutex;
  int printed = 0;
  void Report(std::atomic<int>& counter, const std::string& what) {
    ++counter;
    std::lock_guard lock(mutex);
    if (++printed <= 20) std::printf("    %s\n", what.c_str());
  }
};

Headers Bearer(const std::string& token, const std::string& key = "") {
  Headers headers;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  if (!key.empty()) headers["Idempotency-Key"] = key;
  return headers;
}

// One client: a buyer, a merchant with one listing, and two ledger accounts of its own, so
// the money it sees moves only by its own requests.
class Client {
 public:
  Client(int index, std::uint64_t seed, std::uint16_t port, Tally& tally)
      : index_(index), random_(seed), port_(port), tally_(tally) {}

  // Creates the client's principals and accounts; false if the server refused.
  bool SetUp() {
    HttpClient http("127.0.0.1", port_);
    std::string n = std::to_string(index_);
    first_ = "trial-" + n + "-a";
    second_ = "trial-" + n + "-b";
    for (const std::string& id : {first_, second_}) {
      if (http.Send("POST", "/v1/accounts",
                    R"({"id":")" + id + R"(","debits_must_not_exceed_credits":true})",
                    Bearer(kOperator))
              .status != 201) {
        return false;
      }
    }
    ClientResponse merchant =
        http.Send("POST", "/v1/merchants",
                  R"({"name":"Cô Ba )" + n + R"(","phone":"0901234567","location":"Chợ Vị Thanh"})",
                  Bearer(kOperator));
    auto made = Parse<v1::CreateMerchantResponse>(merchant.body);
    merchant_id_ = made.merchant().id();
    merchant_ = made.token();
    std::int64_t price = 1'000 * std::uniform_int_distribution<std::int64_t>(1, 40)(random_);
    ClientResponse listing =
        http.Send("POST", "/v1/listings",
                  R"({"title":"Rau muống","unit":"bó","price":")" + std::to_string(price) +
                      R"(","stock":")" + std::to_string(kStock) + R"("})",
                  Bearer(merchant_));
    listing_ = Parse<v1::Listing>(listing.body).id();
    ClientResponse buyer =
        http.Send("POST", "/v1/buyers", R"({"name":"Người mua )" + n + R"(","phone":"0912345678"})",
                  Bearer(""));
    auto registered = Parse<v1::CreateBuyerResponse>(buyer.body);
    buyer_id_ = registered.buyer().id();
    buyer_ = registered.token();
    return merchant.status == 201 && listing.status == 201 && buyer.status == 201;
  }

  // Moves money until the server goes away.
  void Run() {
    http_ = std::make_unique<HttpClient>("127.0.0.1", port_);
    while (!gone_) {
      int pick = std::uniform_int_distribution<int>(0, 99)(random_);
      if (pick < 25) {
        Transfer();
      } else if (pick < 35) {
        Deposit(Amount(10, 500));
      } else if (pick < 60) {
        WalletOrder();
      } else if (pick < 70) {
        BankOrder();
      } else if (pick < 80) {
        TopUp();
      } else if (pick < 88) {
        Payout();
      } else {
        StallPayment();
      }
    }
  }

  // The checks after the restart; `http` talks to the restarted server.
  void Check(HttpClient& http) {
    CheckResources(http);
    CheckMoney(http);
    CheckOrders(http);
  }

  // Retries every answered request: each must get its first answer.
  void Retry(HttpClient& http) {
    for (const Step& step : answered_) {
      if (!step.retry_safe) continue;
      ClientResponse again = http.Send(step.method, step.target, step.body, step.headers);
      if (again.status != step.status || again.body != step.answer) {
        tally_.Report(tally_.doubled, "retry of " + step.method + " " + step.target + " got " +
                                          std::to_string(again.status) + " " + again.body +
                                          ", first " + std::to_string(step.status) + " " +
                                          step.answer);
      }
    }
  }

  std::size_t answered() const { return answered_.size(); }

 private:
  std::int64_t Amount(std::int64_t low, std::int64_t high) {
    return 1'000 * std::uniform_int_distribution<std::int64_t>(low, high)(random_);
  }
  bool Chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(random_) < percent; }
  // Keys are scoped by caller; the operator is one caller for every client.
  std::string Key(const char* what) {
    return std::string(what) + "-" + std::to_string(index_) + "-" + std::to_string(++keys_);
  }

  // Sends `step`. On a 2xx answer, records it and its effects and returns true. A server that
  // stops answering leaves `step` as the client's one unanswered request.
  bool Send(Step step, int expected) {
    if (!step.token.empty()) step.headers["Authorization"] = "Bearer " + step.token;
    ClientResponse response = http_->Send(step.method, step.target, step.body, step.headers);
    if (response.status == 0) {
      gone_ = true;
      unanswered_ = step.moves;
      if (!step.resource.empty()) resources_[step.resource].unanswered = step.state;
      return false;
    }
    if (response.status != expected) {
      tally_.Report(tally_.violations, step.method + " " + step.target + " answered " +
                                           std::to_string(response.status) + " " + response.body);
      gone_ = true;  // the client's model no longer holds
      return false;
    }
    step.status = response.status;
    step.answer = response.body;
    expected_ += step.moves;
    if (!step.resource.empty()) {
      Expectation& resource = resources_[step.resource];
      if (resource.token.empty()) resource.token = step.token.empty() ? kOperator : step.token;
      resource.state = step.state;
      resource.answered = true;
    }
    answered_.push_back(std::move(step));
    return true;
  }

  Step Request(const std::string& token, const std::string& method, const std::string& target,
               const std::string& body, const char* key) {
    Step step;
    step.token = token;
    step.method = method;
    step.target = target;
    step.body = body;
    if (key != nullptr) step.headers["Idempotency-Key"] = Key(key);
    return step;
  }

  // Two transfers in one group: desk to the first account, half of it on to the second.
  // Sometimes sent twice under the same ids, as a client that saw no answer would.
  void Transfer() {
    std::int64_t amount = Amount(1, 100);
    std::string id = "t" + std::to_string(index_) + "-" + std::to_string(++keys_);
    auto leg = [](const std::string& leg_id, const std::string& debit, const std::string& credit,
                  std::int64_t value) {
      return R"({"id":")" + leg_id + R"(","debit_account_id":")" + debit +
             R"(","credit_account_id":")" + credit + R"(","amount":")" + std::to_string(value) +
             R"(","code":1})";
    };
    Step step = Request(kOperator, "POST", "/v1/transfers",
                        R"({"transfers":[)" + leg(id + "-a", "desk", first_, amount) + "," +
                            leg(id + "-b", first_, second_, amount / 2) + "]}",
                        nullptr);
    step.moves.first = amount - amount / 2;
    step.moves.second = amount / 2;
    transfers_.push_back(id);
    Step retry = step;
    retry.moves = {};
    if (!Send(std::move(step), 201) || !Chance(30)) return;
    ClientResponse again = http_->Send(retry.method, retry.target, retry.body, Bearer(kOperator));
    if (again.status != 0 && (again.status != 201 || again.body != answered_.back().answer)) {
      tally_.Report(tally_.doubled, "an immediate retry of transfer " + id + " got " +
                                        std::to_string(again.status) + " " + again.body);
    }
  }

  void Deposit(std::int64_t amount) {
    Step step = Request(kOperator, "POST", "/v1/buyers/" + buyer_id_ + "/deposits",
                        R"({"amount":")" + std::to_string(amount) + R"("})", "deposit");
    step.moves.wallet = amount;
    Send(std::move(step), 201);
  }

  // Places an order of a few units; its id, total and payment code, or an empty id.
  v1::Order Place() {
    std::int64_t quantity = std::uniform_int_distribution<std::int64_t>(1, 5)(random_);
    Step step = Request(buyer_, "POST", "/v1/orders",
                        R"({"items":[{"listing_id":")" + listing_ + R"(","quantity":")" +
                            std::to_string(quantity) + R"("}]})",
                        "order");
    if (!Send(std::move(step), 201)) return {};
    auto order = Parse<v1::Order>(answered_.back().answer);
    resources_["/v1/orders/" + order.id()] = {buyer_, "PENDING_PAYMENT", "", true};
    return order;
  }

  Step OrderAction(const v1::Order& order, const std::string& token, const std::string& action,
                   const std::string& state) {
    Step step =
        Request(token, "POST", "/v1/orders/" + order.id() + "/" + action, "{}", action.c_str());
    step.resource = "/v1/orders/" + order.id();
    step.state = state;
    return step;
  }

  // Ships, confirms (and sometimes refunds part of) a paid order; may stop at any stage.
  void Fulfil(const v1::Order& order) {
    if (Chance(15) || !Send(OrderAction(order, merchant_, "ship", "SHIPPED"), 200)) return;
    if (Chance(15)) return;
    Step confirm = OrderAction(order, buyer_, "confirm", "COMPLETED");
    confirm.moves.escrow = -order.total();
    confirm.moves.available = order.total() - order.commission();
    if (!Send(std::move(confirm), 200) || !Chance(20)) return;
    std::int64_t refund = std::min(order.total(), expected_.available) / 2;
    if (refund <= 0) return;
    Step step = OrderAction(order, merchant_, "refund", "COMPLETED");
    step.body = R"({"amount":")" + std::to_string(refund) + R"("})";
    step.moves.available = -refund;
    step.moves.wallet = refund;
    Send(std::move(step), 200);
  }

  void WalletOrder() {
    v1::Order order = Place();
    if (order.id().empty()) return;
    if (Chance(10)) {
      Send(OrderAction(order, buyer_, "cancel", "CANCELLED"), 200);
      return;
    }
    if (expected_.wallet < order.total()) Deposit(order.total());
    if (gone_) return;
    Step pay = OrderAction(order, buyer_, "pay", "PAID");
    pay.moves.wallet = -order.total();
    pay.moves.escrow = order.total();
    if (Send(std::move(pay), 200)) Fulfil(order);
  }

  // Signs a provider's callback as the provider would.
  Step Callback(const std::string& provider, v1::ProviderScheme scheme, const char* secret,
                gateway::CallbackFields fields) {
    fields.provider_txn_id = "TXN" + std::to_string(index_) + "-" + std::to_string(++keys_);
    fields.delivery_id = "msg_" + fields.provider_txn_id;
    fields.now_seconds = NowSeconds();
    auto callback = gateway::SignProviderCallback(scheme, secret, fields);
    Step step;
    step.method = callback->method;
    step.target = "/v1/providers/" + provider + "/events" + callback->path_and_query_suffix;
    step.body = callback->body;
    step.headers = Headers(callback->headers.begin(), callback->headers.end());
    if (!callback->content_type.empty()) step.headers["Content-Type"] = callback->content_type;
    return step;
  }

  // An order paid by a bank transfer whose memo carries the order's payment code.
  void BankOrder() {
    v1::Order order = Place();
    if (order.id().empty()) return;
    gateway::CallbackFields fields;
    fields.type = "bank.credit";
    fields.memo = "NGUYEN VAN A CK " + order.payment_code();
    fields.amount = order.total();
    Step credit = Callback("vcb", v1::BANK_TRANSFER, kBankSecret, fields);
    credit.moves.escrow = order.total();
    credit.resource = "/v1/orders/" + order.id();
    credit.state = "PAID";
    if (Send(std::move(credit), 204)) Fulfil(order);
  }

  void TopUp() {
    std::int64_t amount = Amount(10, 300);
    Step request =
        Request(buyer_, "POST", "/v1/wallet/topups",
                R"({"provider":"vtm","amount":")" + std::to_string(amount) + R"("})", "topup");
    if (!Send(std::move(request), 201)) return;
    std::string id = Field(answered_.back().answer, "id");
    resources_["/v1/wallet/topups/" + id] = {buyer_, "PENDING", "", true};
    if (Chance(10)) return;  // the provider has not called back yet
    gateway::CallbackFields fields;
    fields.type = "topup.succeeded";
    fields.reference = id;
    fields.amount = amount;
    Step callback = Callback("vtm", v1::STANDARD_WEBHOOKS, kWalletSecret, fields);
    callback.moves.wallet = amount;
    callback.resource = "/v1/wallet/topups/" + id;
    callback.state = "SUCCEEDED";
    Send(std::move(callback), 204);
  }

  void Payout() {
    std::int64_t amount = expected_.available / 2;
    if (amount < 1'000) return;
    Step request = Request(merchant_, "POST", "/v1/merchant/payouts",
                           R"({"provider":"vtm","amount":")" + std::to_string(amount) +
                               R"(","destination":"0901234567"})",
                           "payout");
    request.moves.available = -amount;
    if (!Send(std::move(request), 201)) return;
    std::string id = Field(answered_.back().answer, "id");
    std::string resource = "/v1/merchant/payouts/" + id;
    resources_[resource] = {merchant_, "PENDING", "", true};
    gateway::CallbackFields fields;
    fields.type = "payout.succeeded";
    fields.reference = id;
    fields.amount = amount;
    Step callback = Callback("vtm", v1::STANDARD_WEBHOOKS, kWalletSecret, fields);
    callback.resource = resource;
    callback.state = "SUCCEEDED";
    Send(std::move(callback), 204);
  }

  void StallPayment() {
    std::int64_t amount = Amount(5, 100);
    if (expected_.wallet < amount) Deposit(amount);
    if (gone_) return;
    Step create = Request(merchant_, "POST", "/v1/payment-requests",
                          R"({"amount":")" + std::to_string(amount) +
                              R"(","note":"2 bó rau","expires_in_seconds":600})",
                          nullptr);
    create.retry_safe = false;  // no money moves; a retry makes another request
    if (!Send(std::move(create), 201)) return;
    std::string code = Field(answered_.back().answer, "code");
    std::string resource = "/v1/payment-requests/" + code;
    resources_[resource] = {merchant_, "OPEN", "", true};
    Step pay = Request(buyer_, "POST", resource + "/pay", "{}", "scan");
    pay.moves.wallet = -amount;
    pay.moves.available = amount - amount * kCommissionBps / 10'000;
    pay.resource = resource;
    pay.state = "PAID";
    Send(std::move(pay), 201);
  }

  void CheckResources(HttpClient& http) {
    for (const auto& [target, expected] : resources_) {
      ClientResponse now = http.Send("GET", target, "", Bearer(expected.token));
      std::string state =
          now.status == 200 ? Field(now.body, "status") : "(" + std::to_string(now.status) + ")";
      if (state == expected.state ||
          (!expected.unanswered.empty() && state == expected.unanswered)) {
        continue;
      }
      std::string what = target + " is " + state + ", answered as " + expected.state;
      if (now.status == 404) {
        tally_.Report(tally_.lost, what);
      } else {
        tally_.Report(tally_.violations, what);
      }
    }
    for (std::size_t i = 0; i < transfers_.size(); ++i) {
      int a =
          http.Send("GET", "/v1/transfers/" + transfers_[i] + "-a", "", Bearer(kOperator)).status;
      int b =
          http.Send("GET", "/v1/transfers/" + transfers_[i] + "-b", "", Bearer(kOperator)).status;
      bool last = i + 1 == transfers_.size();
      if (a != b)
        tally_.Report(tally_.violations, "transfer group " + transfers_[i] + " is half applied");
      if (a != 200 && !(last && unanswered_.first != 0)) {
        // Only the last group can be unanswered; any other was answered 201.
        tally_.Report(tally_.lost, "transfer group " + transfers_[i] + " is missing");
      }
    }
  }

  Money Seen(HttpClient& http) {
    Money money;
    money.wallet =
        Parse<v1::Wallet>(http.Send("GET", "/v1/wallet", "", Bearer(buyer_)).body).balance();
    auto balance = Parse<v1::MerchantBalance>(
        http.Send("GET", "/v1/merchant/balance", "", Bearer(merchant_)).body);
    money.escrow = balance.escrow();
    money.available = balance.available();
    for (auto [id, field] : {std::pair{first_, &money.first}, {second_, &money.second}}) {
      auto account =
          Parse<v1::Account>(http.Send("GET", "/v1/accounts/" + id, "", Bearer(kOperator)).body);
      *field = account.credits_posted() - account.debits_posted();
    }
    return money;
  }

  void CheckMoney(HttpClient& http) {
    Money seen = Seen(http);
    if (seen == expected_) return;
    if (seen == expected_ + unanswered_) {
      ++tally_.landed;  // the unanswered request was applied before the kill
      return;
    }
    tally_.Report(tally_.violations, "client " + std::to_string(index_) + " sees " + seen.Text() +
                                         "; its answered requests add up to " + expected_.Text() +
                                         ", its unanswered one moves " + unanswered_.Text());
  }

  // The merchant's escrow is what its paid and shipped orders hold, and its stock is what
  // its live orders did not take.
  void CheckOrders(HttpClient& http) {
    std::int64_t held = 0, taken = 0;
    std::string page;
    do {
      auto list = Parse<v1::ListOrdersResponse>(
          http.Send("GET", "/v1/orders?limit=200&page_token=" + page, "", Bearer(merchant_)).body);
      for (const v1::Order& order : list.orders()) {
        if (order.status() == v1::PAID || order.status() == v1::SHIPPED) held += order.total();
        if (order.status() == v1::CANCELLED || order.status() == v1::EXPIRED) continue;
        for (const auto& item : order.items()) taken += item.quantity();
      }
      page = list.next_page_token();
    } while (!page.empty());
    auto balance = Parse<v1::MerchantBalance>(
        http.Send("GET", "/v1/merchant/balance", "", Bearer(merchant_)).body);
    auto listing = Parse<v1::Listing>(http.Send("GET", "/v1/listings/" + listing_, "").body);
    if (balance.escrow() != held) {
      tally_.Report(tally_.violations, "merchant " + merchant_id_ + " holds " +
                                           std::to_string(balance.escrow()) +
                                           " in escrow; its orders " + std::to_string(held));
    }
    if (listing.stock() + taken != kStock) {
      tally_.Report(tally_.violations, "listing " + listing_ + " has " +
                                           std::to_string(listing.stock()) + " left; orders took " +
                                           std::to_string(taken) + " of " + std::to_string(kStock));
    }
  }

  int index_;
  std::mt19937_64 random_;
  std::uint16_t port_;
  Tally& tally_;
  std::unique_ptr<HttpClient> http_;
  bool gone_ = false;
  int keys_ = 0;
  std::string first_, second_, merchant_id_, merchant_, listing_, buyer_id_, buyer_;
  std::vector<Step> answered_;
  std::vector<std::string> transfers_;
  std::map<std::string, Expectation> resources_;
  Money expected_, unanswered_;
};

// Every account's posted balances, in id order.
std::map<std::string, std::pair<std::int64_t, std::int64_t>> Accounts(HttpClient& http,
                                                                      Tally& tally) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> accounts;
  __extension__ __int128 sum = 0;
  std::string page;
  do {
    auto list = Parse<v1::ListAccountsResponse>(
        http.Send("GET", "/v1/accounts?limit=200&page_token=" + page, "", Bearer(kOperator)).body);
    for (const v1::Account& account : list.accounts()) {
      accounts[account.id()] = {account.debits_posted(), account.credits_posted()};
      sum += account.credits_posted() - account.debits_posted();
      if (account.debits_must_not_exceed_credits() &&
          account.debits_posted() + account.debits_pending() > account.credits_posted()) {
        tally.Report(tally.violations, "account " + account.id() + " is negative");
      }
    }
    page = list.next_page_token();
  } while (!page.empty());
  if (sum != 0) tally.Report(tally.violations, "the ledger does not sum to zero");
  return accounts;
}

struct Settings {
  int trials = 5;
  int clients = 4;
  std::uint64_t seed = 0;
  int min_kill_ms = 100, max_kill_ms = 1500;
  std::string binary = MARKET4D_PATH;
};

bool SetUpServer(HttpClient& http) {
  auto provider = [&](const std::string& body) {
    return http.Send("POST", "/v1/providers", body, Bearer(kOperator)).status == 201;
  };
  return http.Send("POST", "/v1/accounts", R"({"id":"desk"})", Bearer(kOperator)).status == 201 &&
         provider(std::string(R"({"id":"vtm","name":"Viettel Money","scheme":"STANDARD_WEBHOOKS",)"
                              R"("secrets":[")") +
                  kWalletSecret + R"("]})") &&
         provider(std::string(R"({"id":"vcb","name":"Vietcombank","scheme":"BANK_TRANSFER",)"
                              R"("secrets":[")") +
                  kBankSecret +
                  R"("],"bank_bin":"970436","account_number":"0011001234567",)"
                  R"("account_name":"HTX CHO VI THANH"})");
}

struct Totals {
  int lost = 0, doubled = 0, violations = 0, failed = 0;
};

// Keeps a failed trial's server log where the tester can read it.
std::string KeepLog(const std::string& log, std::uint64_t seed) {
  std::string kept = (std::filesystem::temp_directory_path() /
                      ("market4-crash-trial-" + std::to_string(seed) + ".log"))
                         .string();
  std::error_code ignored;
  std::filesystem::copy_file(log, kept, std::filesystem::copy_options::overwrite_existing, ignored);
  return kept;
}

void Abandon(int number, std::uint64_t seed, const char* why, Totals& totals) {
  std::printf("trial %d seed %llu: %s\n", number, static_cast<unsigned long long>(seed), why);
  ++totals.failed;
}

// One trial; adds what it found to `totals`.
void RunTrial(const Settings& settings, int number, std::uint64_t seed, Totals& totals) {
  testing::TempDir dir;
  std::string data = dir.Sub("data"), log = dir.Sub("market4d.log");
  std::uint16_t port = testing::FreePort();
  std::vector<std::string> flags = testing::UnlimitedFlags();
  flags.insert(flags.end(), {"--commission-bps", std::to_string(kCommissionBps)});
  // Each client holds a connection; more than 64 of them from this one address need room.
  flags.insert(flags.end(), {"--max-connections-per-address",
                             std::to_string(std::max(64, settings.clients + 16))});
  auto daemon =
      std::make_unique<testing::Daemon>(settings.binary, data, port, kOperator, log, flags);
  Tally tally;
  std::mt19937_64 random(seed);
  std::vector<std::unique_ptr<Client>> clients;
  {
    if (!daemon->WaitReady()) return Abandon(number, seed, "market4d did not start", totals);
    HttpClient http("127.0.0.1", port);
    if (!SetUpServer(http)) return Abandon(number, seed, "the set-up was refused", totals);
    for (int c = 0; c < settings.clients; ++c) {
      clients.push_back(std::make_unique<Client>(c, random(), port, tally));
      if (!clients.back()->SetUp()) return Abandon(number, seed, "the set-up was refused", totals);
    }
  }
  int kill_ms =
      std::uniform_int_distribution<int>(settings.min_kill_ms, settings.max_kill_ms)(random);
  std::vector<std::thread> threads;
  for (auto& client : clients) threads.emplace_back([&client] { client->Run(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(kill_ms));
  daemon->Kill(SIGKILL);
  for (auto& thread : threads) thread.join();

  daemon = std::make_unique<testing::Daemon>(settings.binary, data, port, kOperator, log, flags);
  if (!daemon->WaitReady()) return Abandon(number, seed, "market4d did not restart", totals);
  HttpClient http("127.0.0.1", port);
  std::size_t answered = 0;
  for (auto& client : clients) {
    client->Check(http);
    answered += client->answered();
  }
  auto before = Accounts(http, tally);
  for (auto& client : clients) client->Retry(http);
  if (Accounts(http, tally) != before) tally.Report(tally.doubled, "the retries moved money");
  auto verified = Parse<v1::LedgerVerification>(
      http.Send("GET", "/v1/ledger/verify", "", Bearer(kOperator)).body);
  if (!verified.ok()) tally.Report(tally.violations, "verify: " + verified.problem());
  std::printf(
      "trial %d seed %llu: %zu answered, killed after %d ms (%d unanswered had landed); "
      "%d lost, %d doubled, %d violations\n",
      number, static_cast<unsigned long long>(seed), answered, kill_ms, tally.landed.load(),
      tally.lost.load(), tally.doubled.load(), tally.violations.load());
  totals.lost += tally.lost;
  totals.doubled += tally.doubled;
  totals.violations += tally.violations;
  if (tally.lost + tally.doubled + tally.violations > 0 || answered == 0) {
    ++totals.failed;
    std::printf("  market4d's log is kept at %s\n", KeepLog(log, seed).c_str());
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace market4::trials

int main(int argc, char** argv) {
  using namespace market4::trials;
  Settings settings;
  CLI::App app("market4-crash-trials: kill -9 trials of market4d under mixed load");
  app.add_option("--trials", settings.trials, "trials to run")->check(CLI::Range(1, 100000));
  // Over 64 clients, batches outgrow what the writer commits itself: they go through the
  // committer thread (engine/commit.cc).
  app.add_option("--clients", settings.clients, "concurrent clients")->check(CLI::Range(1, 256));
  app.add_option("--seed", settings.seed, "first trial's seed (default: from the clock)");
  app.add_option("--market4d", settings.binary, "the market4d binary");
  CLI11_PARSE(app, argc, argv);
  if (settings.seed == 0) {
    settings.seed =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  Totals totals;
  for (int t = 0; t < settings.trials; ++t) {
    RunTrial(settings, t + 1, settings.seed + static_cast<std::uint64_t>(t), totals);
  }
  std::printf(
      "%d trials (seeds %llu..%llu): %d lost, %d doubled, %d violations; %d trials "
      "failed\n",
      settings.trials, static_cast<unsigned long long>(settings.seed),
      static_cast<unsigned long long>(settings.seed + settings.trials - 1), totals.lost,
      totals.doubled, totals.violations, totals.failed);
  return totals.failed == 0 ? 0 : 1;
}
