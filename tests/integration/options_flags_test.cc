// market4d's market flags, end to end: the real binary started with --commission-bps,
// --pay-timeout-minutes and --auto-confirm-days (or their environment variables) must apply
// them to a whole order; a bad value must stop it with status 2 before it serves; and the
// README's options block must be exactly what --help prints.
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "market4/v1/market.pb.h"
#include "tests/gateway/http_client.h"
#include "tests/test_util.h"

extern char** environ;

namespace market4 {
namespace options_flags_test {

namespace v1 = ::market4::v1;
using google::protobuf::util::TimeUtil;
using testing::ClientResponse;
using testing::HttpClient;

constexpr char kToken[] = "options-test-operator-token-0001";
constexpr std::chrono::seconds kStartLimit{20};
constexpr std::chrono::milliseconds kPoll{10};
constexpr std::int64_t kPrice = 40'000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// market4d as a child process. Its environment is the test's minus every MARKET4_ variable,
// plus `environment`; stdout and stderr go to files.
class Process {
 public:
  Process(const std::vector<std::string>& arguments,
          const std::map<std::string, std::string>& environment, const testing::TempDir& dir)
      : out_path_(dir.Sub("market4d.out")), err_path_(dir.Sub("market4d.err")) {
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("MARKET4_", 0) != 0) env_text.emplace_back(*e);
    }
    for (const auto& [name, value] : environment) env_text.push_back(name + "=" + value);
    std::vector<char*> argv = {const_cast<char*>(MARKET4D_PATH)};
    for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execve(MARKET4D_PATH, argv.data(), envp.data());
      std::_Exit(127);
    }
    ::close(out);
    ::close(err);
  }
  ~Process() {
    if (pid_ > 0) Signal(SIGKILL);
  }

  // The exit status once the process ends by itself within `limit`; else kills it.
  std::optional<int> WaitExit(std::chrono::milliseconds limit) {
    for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += kPoll) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return std::nullopt;
      }
      std::this_thread::sleep_for(kPoll);
    }
    Signal(SIGKILL);
    return std::nullopt;
  }

  // The port from market4d's "listening on HOST:PORT" line; 0 if it never came. A child
  // process has no other readiness signal, so this polls its log.
  std::uint16_t WaitListening() {
    const std::string marker = "listening on 127.0.0.1:";
    for (auto waited = std::chrono::milliseconds(0); waited < kStartLimit; waited += kPoll) {
      std::string log = ReadFile(out_path_);
      if (auto at = log.find(marker); at != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoi(log.substr(at + marker.size())));
      }
      std::this_thread::sleep_for(kPoll);
    }
    return 0;
  }

  // Sends `signal` and returns the raw wait status.
  int Signal(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }

 private:
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
};

template <typename Message>
Message Parse(const ClientResponse& response) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &message).ok())
      << response.status << " " << response.body;
  return message;
}

std::map<std::string, std::string> Bearer(const std::string& token, const std::string& key = "") {
  std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token}};
  if (!key.empty()) headers["Idempotency-Key"] = key;
  return headers;
}

// What one 40,000-dong order went through.
struct Sale {
  v1::Order placed;
  v1::Order shipped;
  v1::Order confirmed;
  v1::MerchantBalance balance;
};

// A merchant (into *merchant, if given) with a listing of 5 bags at `price` (its id into
// *listing).
void MerchantWithListing(HttpClient& http, std::int64_t price, v1::CreateMerchantResponse* merchant,
                         std::string* listing) {
  ClientResponse r =
      http.Send("POST", "/v1/merchants",
                R"({"name":"Cô Ba","phone":"0901234567","location":"Chợ"})", Bearer(kToken));
  ASSERT_EQ(r.status, 201) << r.body;
  auto created = Parse<v1::CreateMerchantResponse>(r);
  r = http.Send(
      "POST", "/v1/listings",
      R"({"title":"Gạo ST25","unit":"bao","price":")" + std::to_string(price) + R"(","stock":"5"})",
      Bearer(created.token()));
  ASSERT_EQ(r.status, 201) << r.body;
  *listing = Parse<v1::Listing>(r).id();
  if (merchant) *merchant = std::move(created);
}

// Merchant, listing at 40,000, buyer, deposit of 40,000, order, pay, ship, confirm, balance.
void SellOne(std::uint16_t port, Sale* sale) {
  HttpClient http("127.0.0.1", port);
  v1::CreateMerchantResponse merchant;
  std::string listing;
  ASSERT_NO_FATAL_FAILURE(MerchantWithListing(http, kPrice, &merchant, &listing));
  ClientResponse r;
  r = http.Send("POST", "/v1/buyers", R"({"name":"Anh Tư","phone":"0912345678"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto buyer = Parse<v1::CreateBuyerResponse>(r);
  r = http.Send("POST", "/v1/buyers/" + buyer.buyer().id() + "/deposits",
                R"({"amount":")" + std::to_string(kPrice) + R"("})", Bearer(kToken, "desk-1"));
  ASSERT_EQ(r.status, 201) << r.body;
  r = http.Send("POST", "/v1/orders",
                R"({"items":[{"listing_id":")" + listing + R"(","quantity":"1"}]})",
                Bearer(buyer.token(), "order-1"));
  ASSERT_EQ(r.status, 201) << r.body;
  sale->placed = Parse<v1::Order>(r);
  const std::string order = "/v1/orders/" + sale->placed.id();
  ASSERT_EQ(http.Send("POST", order + "/pay", "{}", Bearer(buyer.token())).status, 200);
  r = http.Send("POST", order + "/ship", "{}", Bearer(merchant.token()));
  ASSERT_EQ(r.status, 200) << r.body;
  sale->shipped = Parse<v1::Order>(r);
  r = http.Send("POST", order + "/confirm", "{}", Bearer(buyer.token()));
  ASSERT_EQ(r.status, 200) << r.body;
  sale->confirmed = Parse<v1::Order>(r);
  r = http.Send("GET", "/v1/merchant/balance", "", Bearer(merchant.token()));
  ASSERT_EQ(r.status, 200) << r.body;
  sale->balance = Parse<v1::MerchantBalance>(r);
}

std::int64_t SecondsBetween(const google::protobuf::Timestamp& from,
                            const google::protobuf::Timestamp& to) {
  return TimeUtil::TimestampToSeconds(to) - TimeUtil::TimestampToSeconds(from);
}

// The time of the order's last `event`.
google::protobuf::Timestamp EventAt(const v1::Order& order, const std::string& event) {
  google::protobuf::Timestamp at;
  for (const auto& e : order.timeline()) {
    if (e.event() == event) at = e.at();
  }
  return at;
}

// Starts market4d on port 0 with `arguments` and sells one order through it.
void ServeAndSell(const std::vector<std::string>& arguments,
                  std::map<std::string, std::string> environment, Sale* sale) {
  testing::TempDir dir;
  std::vector<std::string> all = {"--data-dir", dir.Sub("data"), "--listen", "127.0.0.1:0"};
  all.insert(all.end(), arguments.begin(), arguments.end());
  environment["MARKET4_ADMIN_TOKEN"] = kToken;
  Process daemon(all, environment, dir);
  std::uint16_t port = daemon.WaitListening();
  ASSERT_NE(port, 0) << daemon.out() << daemon.err();
  SellOne(port, sale);
  int stopped = daemon.Signal(SIGTERM);
  EXPECT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0) << stopped;
}

TEST(OptionsFlagsTest, MarketFlagsApplyToARealOrder) {
  Sale sale;
  ASSERT_NO_FATAL_FAILURE(ServeAndSell(
      {"--commission-bps", "250", "--pay-timeout-minutes", "1", "--auto-confirm-days", "1"}, {},
      &sale));
  EXPECT_EQ(sale.placed.total(), kPrice);
  EXPECT_EQ(sale.placed.commission_bps(), 250);
  EXPECT_EQ(sale.placed.commission(), 1'000);  // 250 bp of 40,000
  EXPECT_EQ(SecondsBetween(sale.placed.created_at(), sale.placed.pay_by()), 60);
  EXPECT_EQ(SecondsBetween(EventAt(sale.shipped, "SHIPPED"), sale.shipped.auto_confirm_at()),
            86'400);
  EXPECT_EQ(sale.confirmed.status(), v1::COMPLETED);
  EXPECT_EQ(sale.balance.available(), 39'000);
  EXPECT_EQ(sale.balance.escrow(), 0);
}

TEST(OptionsFlagsTest, CommissionFromTheEnvironment) {
  Sale sale;
  ASSERT_NO_FATAL_FAILURE(ServeAndSell({}, {{"MARKET4_COMMISSION_BPS", "300"}}, &sale));
  EXPECT_EQ(sale.placed.commission_bps(), 300);
  EXPECT_EQ(sale.placed.commission(), 1'200);
  EXPECT_EQ(sale.balance.available(), 38'800);
  // The other settings keep their defaults: 30 minutes to pay, 7 days to auto-confirm.
  EXPECT_EQ(SecondsBetween(sale.placed.created_at(), sale.placed.pay_by()), 30 * 60);
  EXPECT_EQ(SecondsBetween(EventAt(sale.shipped, "SHIPPED"), sale.shipped.auto_confirm_at()),
            7 * 86'400);
}

TEST(OptionsFlagsTest, NegativeCommissionExitsTwoNamingTheFlag) {
  testing::TempDir dir;
  Process daemon(
      {"--data-dir", dir.Sub("data"), "--listen", "127.0.0.1:0", "--commission-bps", "-5"}, {},
      dir);
  EXPECT_EQ(daemon.WaitExit(kStartLimit), 2);
  EXPECT_NE(daemon.err().find("--commission-bps"), std::string::npos) << daemon.err();
  EXPECT_EQ(daemon.out(), "");
}

TEST(OptionsFlagsTest, ReadmeOptionsBlockIsTheHelpText) {
  testing::TempDir dir;
  Process help({"--help"}, {}, dir);
  ASSERT_EQ(help.WaitExit(kStartLimit), 0);
  std::string readme = ReadFile(std::string(MARKET4_SOURCE_DIR) + "/README.md");
  const std::string start = "## market4d options\n\n```\n";
  auto begin = readme.find(start);
  ASSERT_NE(begin, std::string::npos);
  begin += start.size();
  auto end = readme.find("```\n", begin);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(readme.substr(begin, end - begin), help.out());
}

// The abuse-limit flags reach a real market4d: one registration an hour from an address,
// one unpaid order a buyer. The data directory is the owner's alone.
TEST(OptionsFlagsTest, LimitFlagsApplyToARealServer) {
  testing::TempDir dir;
  Process daemon({"--data-dir", dir.Sub("data"), "--listen", "127.0.0.1:0",
                  "--registrations-per-address-hour", "1", "--max-unpaid-orders", "1"},
                 {{"MARKET4_ADMIN_TOKEN", kToken}}, dir);
  std::uint16_t port = daemon.WaitListening();
  ASSERT_NE(port, 0) << daemon.out() << daemon.err();
  struct stat info {};
  ASSERT_EQ(::stat(dir.Sub("data").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  HttpClient http("127.0.0.1", port);
  EXPECT_EQ(http.Send("GET", "/readyz", "").status, 200);
  std::string listing;
  ASSERT_NO_FATAL_FAILURE(MerchantWithListing(http, 1'000, nullptr, &listing));
  std::string order = R"({"items":[{"listing_id":")" + listing + R"(","quantity":"1"}]})";
  ClientResponse r;
  r = http.Send("POST", "/v1/buyers", R"({"name":"Anh Tư","phone":"0912345678"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto buyer = Parse<v1::CreateBuyerResponse>(r);
  r = http.Send("POST", "/v1/buyers", R"({"name":"Bot","phone":"0912345678"})");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.Header("retry-after"), "3600");
  EXPECT_EQ(http.Send("POST", "/v1/orders", order, Bearer(buyer.token(), "o-1")).status, 201);
  r = http.Send("POST", "/v1/orders", order, Bearer(buyer.token(), "o-2"));
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(r.body.find("max-unpaid-orders"), std::string::npos) << r.body;
  int stopped = daemon.Signal(SIGTERM);
  EXPECT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0) << stopped;
}

// A registration retried under its Idempotency-Key after a restart gets the same buyer and
// the same token: the key that mints them (mint.key, 0600) outlives the process.
TEST(OptionsFlagsTest, ARetryAfterARestartGetsTheSameToken) {
  testing::TempDir dir;
  const std::string body = R"({"name":"Anh Tư","phone":"0912345678"})";
  std::string first;
  for (int run = 0; run < 2; ++run) {
    Process daemon({"--data-dir", dir.Sub("data"), "--listen", "127.0.0.1:0"},
                   {{"MARKET4_ADMIN_TOKEN", kToken}}, dir);
    std::uint16_t port = daemon.WaitListening();
    ASSERT_NE(port, 0) << daemon.out() << daemon.err();
    HttpClient http("127.0.0.1", port);
    ClientResponse r = http.Send("POST", "/v1/buyers", body, {{"Idempotency-Key", "reg-42"}});
    ASSERT_EQ(r.status, 201) << r.body;
    if (run == 0) {
      first = r.body;
    } else {
      EXPECT_EQ(r.body, first);
      EXPECT_EQ(r.Header("idempotent-replayed"), "true");
    }
    int stopped = daemon.Signal(SIGTERM);
    EXPECT_TRUE(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0) << stopped;
  }
  struct stat info {};
  ASSERT_EQ(::stat((dir.Sub("data") + "/mint.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

}  // namespace options_flags_test
}  // namespace market4
