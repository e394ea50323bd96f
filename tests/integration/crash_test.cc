// Crash trial: the real market4d binary takes a stream of transfer groups over several
// connections and is killed with SIGKILL mid-stream. After a restart on the same data
// directory every answered group must be there in full, no group may be half applied, the
// ledger must sum to zero, and the balances must follow from the stored history.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include "engine/engine.h"
#include "gateway/provider_schemes.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/rails.pb.h"
#include "tests/gateway/http_client.h"
#include "tests/integration/daemon.h"
#include "tests/test_util.h"

namespace market4 {
namespace crash_test {

namespace v1 = ::market4::v1;
using testing::ClientResponse;
using testing::HttpClient;

constexpr char kToken[] = "crash-test-operator-token-000001";
constexpr int kWallets = 8;
constexpr int kWriters = 4;
constexpr int kAnsweredBeforeKill = 300;
constexpr int kRounds = 3;

// market4d on `data_dir`, logging beside it.
std::unique_ptr<testing::Daemon> StartDaemon(const std::string& data_dir, std::uint16_t port) {
  return std::make_unique<testing::Daemon>(MARKET4D_PATH, data_dir, port, kToken,
                                           data_dir + "/../market4d.log");
}

std::map<std::string, std::string> Auth() {
  return {{"Authorization", std::string("Bearer ") + kToken}};
}

std::string Group(const std::string& id, int to, int onward, int amount) {
  auto leg = [](const std::string& leg_id, const std::string& debit, const std::string& credit,
                int value) {
    return R"({"id":")" + leg_id + R"(","debit_account_id":")" + debit +
           R"(","credit_account_id":")" + credit + R"(","amount":")" + std::to_string(value) +
           R"(","code":1})";
  };
  std::string wallet = "w" + std::to_string(to);
  std::string next = "w" + std::to_string(onward);
  return R"({"transfers":[)" + leg(id + "-a", "source", wallet, amount) + "," +
         leg(id + "-b", wallet, next, amount / 2) + "]}";
}

TEST(CrashTest, KillNineLosesNoAnsweredTransferAndHalfAppliesNothing) {
  testing::TempDir dir;
  std::string data_dir = dir.Sub("data");
  std::uint16_t port = testing::FreePort();
  auto daemon = StartDaemon(data_dir, port);
  ASSERT_TRUE(daemon->WaitReady());
  HttpClient admin("127.0.0.1", port);
  ASSERT_EQ(admin.Send("POST", "/v1/accounts", R"({"id":"source"})", Auth()).status, 201);
  for (int i = 0; i < kWallets; ++i) {
    std::string body =
        R"({"id":"w)" + std::to_string(i) + R"(","debits_must_not_exceed_credits":true})";
    ASSERT_EQ(admin.Send("POST", "/v1/accounts", body, Auth()).status, 201);
  }

  struct Sent {
    std::string id, body;
    bool answered;
  };
  std::vector<std::vector<Sent>> sent(kWriters);
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::atomic<int> answered{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client("127.0.0.1", port);
        for (int n = 0;; ++n) {
          std::string id =
              "r" + std::to_string(round) + "c" + std::to_string(w) + "-" + std::to_string(n);
          std::string body = Group(id, (w + n) % kWallets, (w + n + 1) % kWallets, 1000 + n % 97);
          sent[w].push_back({id, body, false});
          ClientResponse response = client.Send("POST", "/v1/transfers", body, Auth());
          if (response.status == 0) return;  // the server is gone
          if (response.status != 201) {
            ADD_FAILURE() << response.status << " " << response.body;
            return;
          }
          sent[w].back().answered = true;
          ++answered;
        }
      });
    }
    while (answered < kAnsweredBeforeKill) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    int status = daemon->Kill(SIGKILL);
    for (auto& writer : writers) writer.join();
    EXPECT_TRUE(WIFSIGNALED(status));

    daemon = StartDaemon(data_dir, port);
    ASSERT_TRUE(daemon->WaitReady());
    HttpClient reader("127.0.0.1", port);
    int checked = 0;
    for (const auto& list : sent) {
      for (const auto& s : list) {
        int a = reader.Send("GET", "/v1/transfers/" + s.id + "-a", "", Auth()).status;
        int b = reader.Send("GET", "/v1/transfers/" + s.id + "-b", "", Auth()).status;
        EXPECT_EQ(a, b) << s.id << " is half applied";
        if (s.answered) {
          EXPECT_EQ(a, 200) << "answered group " << s.id << " was lost";
          ++checked;
        }
      }
    }
    EXPECT_GE(checked, kAnsweredBeforeKill * (round + 1));
  }
  // A retry of an answered group after the restart moves nothing.
  HttpClient reader("127.0.0.1", port);
  ClientResponse retry = reader.Send("POST", "/v1/transfers", sent[0][0].body, Auth());
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");

  __extension__ __int128 sum = 0;
  std::vector<std::string> ids = {"source"};
  for (int i = 0; i < kWallets; ++i) ids.push_back("w" + std::to_string(i));
  for (const auto& id : ids) {
    v1::Account account;
    ClientResponse response = reader.Send("GET", "/v1/accounts/" + id, "", Auth());
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &account).ok());
    sum += account.credits_posted() - account.debits_posted();
    EXPECT_GE(account.available(), id == "source" ? INT64_MIN : 0);
  }
  EXPECT_TRUE(sum == 0) << "ledger does not sum to zero";

  // A clean stop exits 0, and the stored balances follow from the stored history.
  int stop = daemon->Kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(stop) && WEXITSTATUS(stop) == 0) << stop;
  engine::EngineOptions options;
  options.store.path = data_dir + "/ledger";
  auto engine = engine::Engine::Open(std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  Status audit = engine.value()->Read().AuditHistory();
  EXPECT_TRUE(audit.ok()) << audit.ToString();
}

template <typename Message>
Message Parse(const ClientResponse& response) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &message).ok())
      << response.status << " " << response.body;
  return message;
}

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// Orders and payments stream in from several buyers; kill -9 mid-stream. After the restart
// every answered order and payment is there, and the stock, the orders and the money agree:
// nothing was half applied (e.g. stock taken without an order, an order paid without money).
TEST(CrashTest, KillNineMidMarketKeepsStockOrdersAndMoneyConsistent) {
  constexpr std::int64_t kStock = 100'000, kPrice = 1'000, kDeposit = 1'000'000'000;
  constexpr int kBuyers = 4, kAnswered = 200;
  testing::TempDir dir;
  std::string data_dir = dir.Sub("data");
  std::uint16_t port = testing::FreePort();
  auto daemon = StartDaemon(data_dir, port);
  ASSERT_TRUE(daemon->WaitReady());
  HttpClient admin("127.0.0.1", port);
  auto merchant = Parse<v1::CreateMerchantResponse>(
      admin.Send("POST", "/v1/merchants",
                 R"({"name":"Cô Ba","phone":"0901234567","location":"Chợ"})", Auth()));
  auto listing = Parse<v1::Listing>(admin.Send("POST", "/v1/listings",
                                               R"({"title":"Rau muống","unit":"bó","price":")" +
                                                   std::to_string(kPrice) + R"(","stock":")" +
                                                   std::to_string(kStock) + R"("})",
                                               Bearer(merchant.token())));
  std::vector<v1::CreateBuyerResponse> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(Parse<v1::CreateBuyerResponse>(
        admin.Send("POST", "/v1/buyers", R"({"name":"Người mua","phone":"0912345678"})")));
    auto headers = Auth();
    headers["Idempotency-Key"] = "desk-" + std::to_string(i);
    ASSERT_EQ(admin
                  .Send("POST", "/v1/buyers/" + buyers.back().buyer().id() + "/deposits",
                        R"({"amount":")" + std::to_string(kDeposit) + R"("})", headers)
                  .status,
              201);
  }

  std::vector<std::vector<std::pair<std::string, bool>>> answered(kBuyers);  // id, paid
  std::atomic<int> count{0};
  std::vector<std::thread> threads;
  for (int b = 0; b < kBuyers; ++b) {
    threads.emplace_back([&, b] {
      HttpClient client("127.0.0.1", port);
      auto headers = Bearer(buyers[b].token());
      for (int n = 0;; ++n) {
        headers["Idempotency-Key"] = "order-" + std::to_string(n);
        ClientResponse placed = client.Send(
            "POST", "/v1/orders",
            R"({"items":[{"listing_id":")" + listing.id() + R"(","quantity":"1"}]})", headers);
        if (placed.status != 201) return;
        std::string id = Parse<v1::Order>(placed).id();
        answered[b].emplace_back(id, false);
        headers.erase("Idempotency-Key");
        if (client.Send("POST", "/v1/orders/" + id + "/pay", "{}", headers).status != 200) return;
        answered[b].back().second = true;
        ++count;
      }
    });
  }
  while (count < kAnswered) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  daemon->Kill(SIGKILL);
  for (auto& thread : threads) thread.join();

  daemon = StartDaemon(data_dir, port);
  ASSERT_TRUE(daemon->WaitReady());
  HttpClient reader("127.0.0.1", port);
  for (int b = 0; b < kBuyers; ++b) {
    for (const auto& [id, paid] : answered[b]) {
      auto order = Parse<v1::Order>(reader.Send("GET", "/v1/orders/" + id, "", Auth()));
      EXPECT_EQ(order.id(), id) << "answered order lost";
      if (paid) {
        EXPECT_EQ(order.status(), v1::PAID) << "answered payment lost: " << id;
      }
    }
  }
  std::int64_t orders = 0, paid_total = 0;
  std::map<std::string, std::int64_t> held;
  std::string page;
  do {
    auto list = Parse<v1::ListOrdersResponse>(
        reader.Send("GET", "/v1/orders?limit=200&page_token=" + page, "", Auth()));
    for (const auto& o : list.orders()) {
      ++orders;
      if (o.status() == v1::PAID) {
        paid_total += o.total();
        held[o.buyer_id()] += o.total();
      }
    }
    page = list.next_page_token();
  } while (!page.empty());
  auto now = Parse<v1::Listing>(reader.Send("GET", "/v1/listings/" + listing.id(), ""));
  EXPECT_EQ(now.stock() + orders, kStock) << "stock and orders disagree";
  for (const auto& buyer : buyers) {
    auto wallet = Parse<v1::Wallet>(reader.Send("GET", "/v1/wallet", "", Bearer(buyer.token())));
    EXPECT_EQ(wallet.held(), held[buyer.buyer().id()]);
    EXPECT_EQ(wallet.balance(), kDeposit - wallet.held());
  }
  auto balance = Parse<v1::MerchantBalance>(
      reader.Send("GET", "/v1/merchant/balance", "", Bearer(merchant.token())));
  EXPECT_EQ(balance.escrow(), paid_total);
  EXPECT_GE(paid_total, kAnswered * kPrice);
}

// Sends the top-up's callback as the provider would (the same delivery every time).
ClientResponse DeliverTopUp(HttpClient& client, const std::string& top_up, std::int64_t amount) {
  constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  gateway::CallbackFields fields;
  fields.type = "topup.succeeded";
  fields.reference = top_up;
  fields.amount = amount;
  fields.provider_txn_id = "txn-" + top_up;
  fields.delivery_id = "msg-" + top_up;
  fields.now_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  auto signed_callback = gateway::SignProviderCallback(v1::STANDARD_WEBHOOKS, kSecret, fields);
  EXPECT_TRUE(signed_callback.ok());
  std::map<std::string, std::string> headers(signed_callback->headers.begin(),
                                             signed_callback->headers.end());
  return client.Send("POST", "/v1/providers/momo/events", signed_callback->body, headers);
}

// Provider callbacks stream in and market4d is killed with SIGKILL between their arrival and
// their answers. The provider then delivers every callback again, as it does when it saw no
// answer: each top-up is credited exactly once, answered or not.
TEST(CrashTest, KillNineMidCallbacksCreditsEachTopUpOnce) {
  constexpr int kTopUps = 400, kSenders = 4, kAnsweredBeforeKill = 60;
  constexpr std::int64_t kAmount = 1'000;
  testing::TempDir dir;
  std::string data_dir = dir.Sub("data");
  std::uint16_t port = testing::FreePort();
  auto daemon = StartDaemon(data_dir, port);
  ASSERT_TRUE(daemon->WaitReady());
  HttpClient admin("127.0.0.1", port);
  ASSERT_EQ(admin
                .Send("POST", "/v1/providers",
                      R"({"id":"momo","name":"MoMo","scheme":"STANDARD_WEBHOOKS",)"
                      R"("secrets":["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]})",
                      Auth())
                .status,
            201);
  auto buyer = Parse<v1::CreateBuyerResponse>(
      admin.Send("POST", "/v1/buyers", R"({"name":"Người mua","phone":"0912345678"})"));
  auto headers = Bearer(buyer.token());
  std::vector<std::string> top_ups;
  for (int i = 0; i < kTopUps; ++i) {
    headers["Idempotency-Key"] = "topup-" + std::to_string(i);
    top_ups.push_back(Parse<v1::TopUp>(admin.Send("POST", "/v1/wallet/topups",
                                                  R"({"provider":"momo","amount":")" +
                                                      std::to_string(kAmount) + R"("})",
                                                  headers))
                          .id());
  }
  std::atomic<int> answered{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      HttpClient client("127.0.0.1", port);
      for (int i = s; i < kTopUps; i += kSenders) {
        ClientResponse r = DeliverTopUp(client, top_ups[i], kAmount);
        if (r.status == 0) return;  // the server is gone
        EXPECT_EQ(r.status, 204) << r.body;
        ++answered;
      }
    });
  }
  while (answered < kAnsweredBeforeKill) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  daemon->Kill(SIGKILL);
  for (auto& sender : senders) sender.join();
  std::printf("%d of %d callbacks answered before the kill\n", answered.load(), kTopUps);

  daemon = StartDaemon(data_dir, port);
  ASSERT_TRUE(daemon->WaitReady());
  HttpClient provider("127.0.0.1", port);
  for (const auto& top_up : top_ups) EXPECT_EQ(DeliverTopUp(provider, top_up, kAmount).status, 204);
  headers.erase("Idempotency-Key");
  auto wallet = Parse<v1::Wallet>(provider.Send("GET", "/v1/wallet", "", headers));
  EXPECT_EQ(wallet.balance(), kTopUps * kAmount);
  auto account = Parse<v1::Account>(provider.Send("GET", "/v1/accounts/provider.momo", "", Auth()));
  EXPECT_EQ(account.debits_posted(), kTopUps * kAmount);
  auto listed = Parse<v1::ListTopUpsResponse>(
      provider.Send("GET", "/v1/wallet/topups?limit=200", "", headers));
  EXPECT_EQ(listed.top_ups_size(), 200);
  for (const auto& top_up : listed.top_ups()) EXPECT_EQ(top_up.status(), v1::SUCCEEDED);
  EXPECT_EQ(daemon->Kill(SIGTERM), 0);
  engine::EngineOptions options;
  options.store.path = data_dir + "/ledger";
  auto engine = engine::Engine::Open(std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_TRUE(engine.value()->Read().AuditHistory().ok());
}

}  // namespace crash_test
}  // namespace market4
