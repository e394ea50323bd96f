// market4-loadgen: drives a running market4d over N keep-alive connections for a fixed time
// (or a fixed number of requests), in JSON or binary protobuf, and reports requests/s, the
// latency percentiles from a histogram, and the errors by status and code. After the load it
// checks through the API that money was conserved (bench/README.md).
//
//   market4-loadgen --scenario transfers --connections 64 --seconds 10 --token "$TOKEN"
//
// Scenarios: healthz, transfers (one durable transfer per request), orders (place, pay, ship,
// confirm: the unit is a completed order), stall (a payment request, then a buyer pays it:
// the unit is a payment), listings (creates listings with Vietnamese titles),
// search (listing searches by title words), wallet (a buyer's wallet).
#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/histogram.h"
#include "market4/v1/error.pb.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/market.pb.h"
#include "market4/v1/operations.pb.h"
#include "market4/v1/stall.pb.h"

namespace market4::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace v1 = ::market4::v1;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  std::string scenario = "transfers";
  std::string format = "json";
  int connections = 64;
  double seconds = 10;
  double warmup_seconds = 1;
  std::uint64_t requests = 0;  // with --requests: stop after this many, not after a time
  int accounts = 1000;
  int threads = 1;
  bool json_summary = false;
};

bool Binary(const Options& o) { return o.format == "protobuf"; }

// One request of a flow, and how to encode its body.
struct Call {
  Call(http::verb m, std::string t, std::string tok, const google::protobuf::Message* b,
       std::string key)
      : method(m),
        target(std::move(t)),
        token(std::move(tok)),
        body(b),
        idempotency_key(std::move(key)) {}
  http::verb method = http::verb::get;
  std::string target;
  std::string token;
  const google::protobuf::Message* body = nullptr;  // nullptr: no body
  std::string idempotency_key;
  // Already encoded, instead of `body`: the hot scenarios build their JSON by hand, so the
  // load generator spends little of the machine it shares with the server.
  std::string encoded;
};

std::string Encode(const google::protobuf::Message& m, bool binary) {
  if (binary) return m.SerializeAsString();
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

bool DecodeInto(const std::string& body, bool binary, google::protobuf::Message* m) {
  if (binary) return m->ParseFromString(body);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(body, m, options).ok();
}

http::request<http::string_body> MakeRequest(const Options& o, const Call& call) {
  http::request<http::string_body> req{call.method, call.target, 11};
  req.set(http::field::host, o.host);
  if (!call.token.empty()) req.set(http::field::authorization, "Bearer " + call.token);
  if (!call.idempotency_key.empty()) req.set("Idempotency-Key", call.idempotency_key);
  const char* type = Binary(o) ? "application/x-protobuf" : "application/json";
  req.set(http::field::accept, type);
  if (call.body || !call.encoded.empty()) {
    req.set(http::field::content_type, type);
    req.body() = call.body ? Encode(*call.body, Binary(o)) : call.encoded;
  }
  req.prepare_payload();
  return req;
}

// A blocking connection for set-up and checks.
class SyncClient {
 public:
  explicit SyncClient(const Options& o) : options_(o), stream_(io_) {
    tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(o.host, o.port));
  }

  // The status; decodes a 2xx body into `out` when given.
  int Do(const Call& call, google::protobuf::Message* out = nullptr, std::string* raw = nullptr) {
    auto req = MakeRequest(options_, call);
    http::write(stream_, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream_, buffer, res);
    if (raw) *raw = res.body();
    int status = static_cast<int>(res.result_int());
    if (out && status / 100 == 2 && !DecodeInto(res.body(), Binary(options_), out)) {
      throw std::runtime_error("undecodable answer to " + call.target);
    }
    return status;
  }

  // Like Do, but anything but `expected` is fatal.
  void Must(const Call& call, int expected, google::protobuf::Message* out = nullptr) {
    std::string raw;
    int status = Do(call, out, &raw);
    if (status != expected) {
      throw std::runtime_error(call.target + " answered " + std::to_string(status) + ": " + raw);
    }
  }

 private:
  const Options& options_;
  asio::io_context io_;
  beast::tcp_stream stream_;
};

// The requests one connection sends, in order; the next may depend on the last answer.
class Flow {
 public:
  virtual ~Flow() = default;
  virtual Call Next() = 0;
  // The answer to the last Next(); returns the units it completed (a transfer, an order).
  virtual int Answered(int status, const std::string& body) = 0;
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual const char* unit() const { return "requests"; }
  virtual void Setup(SyncClient&) {}
  virtual std::unique_ptr<Flow> NewFlow(int index) = 0;
  // After the load: the money check through the API. Prints what it checked.
  virtual bool Check(SyncClient&) { return true; }
};

// --- healthz ---
class HealthFlow : public Flow {
 public:
  Call Next() override { return {http::verb::get, "/healthz", "", nullptr, ""}; }
  int Answered(int status, const std::string&) override { return status == 200; }
};

class HealthScenario : public Scenario {
 public:
  std::unique_ptr<Flow> NewFlow(int) override { return std::make_unique<HealthFlow>(); }
};

// The ledger's own verification (chain, balances, zero sum) through GET /v1/ledger/verify.
bool VerifyLedger(SyncClient& client, const Options& o) {
  v1::LedgerVerification verification;
  client.Must({http::verb::get, "/v1/ledger/verify", o.token, nullptr, ""}, 200, &verification);
  std::printf("check: ledger verify ok=%s entries=%llu %s\n", verification.ok() ? "yes" : "NO",
              static_cast<unsigned long long>(verification.entries()),
              verification.problem().c_str());
  return verification.ok();
}

// --- transfers: one durable transfer per request between random bench accounts ---
class TransfersScenario : public Scenario {
 public:
  TransfersScenario(const Options& o, std::string run) : o_(o), run_(std::move(run)) {}
  const char* unit() const override { return "transfers"; }

  void Setup(SyncClient& client) override {
    for (int i = 0; i < o_.accounts; ++i) {
      v1::CreateAccountRequest request;
      request.set_id(Account(i));
      client.Must({http::verb::post, "/v1/accounts", o_.token, &request, ""}, 201);
    }
  }

  class TransferFlow : public Flow {
   public:
    TransferFlow(TransfersScenario* s, int index) : s_(s), index_(index), random_(index + 1) {}
    Call Next() override {
      std::uniform_int_distribution<int> pick(0, s_->o_.accounts - 1);
      int debit = pick(random_);
      int credit = pick(random_);
      if (credit == debit) credit = (credit + 1) % s_->o_.accounts;
      std::string id = s_->run_ + "-" + std::to_string(index_) + "-" + std::to_string(++n_);
      Call call{http::verb::post, "/v1/transfers", s_->o_.token, nullptr, ""};
      if (Binary(s_->o_)) {
        request_.Clear();
        v1::NewTransfer* t = request_.add_transfers();
        t->set_id(id);
        t->set_debit_account_id(s_->Account(debit));
        t->set_credit_account_id(s_->Account(credit));
        t->set_amount(1);
        t->set_code(1);
        call.encoded = request_.SerializeAsString();
      } else {
        call.encoded = "{\"transfers\":[{\"id\":\"" + id + "\",\"debit_account_id\":\"" +
                       s_->Account(debit) + "\",\"credit_account_id\":\"" + s_->Account(credit) +
                       "\",\"amount\":\"1\",\"code\":1}]}";
      }
      return call;
    }
    int Answered(int status, const std::string&) override {
      if (status != 201) return 0;
      s_->moved_.fetch_add(1);
      return 1;
    }

   private:
    TransfersScenario* s_;
    int index_;
    std::mt19937 random_;
    std::uint64_t n_ = 0;
    v1::CreateTransfersRequest request_;
  };

  std::unique_ptr<Flow> NewFlow(int index) override {
    return std::make_unique<TransferFlow>(this, index);
  }

  // Every answered transfer moved exactly 1 dong once: the bench accounts' debits add up to
  // the 201s, and their balances to zero.
  bool Check(SyncClient& client) override {
    std::int64_t debits = 0;
    std::int64_t net = 0;
    for (int i = 0; i < o_.accounts; ++i) {
      v1::Account account;
      client.Must({http::verb::get, "/v1/accounts/" + Account(i), o_.token, nullptr, ""}, 200,
                  &account);
      debits += account.debits_posted();
      net += account.credits_posted() - account.debits_posted();
    }
    bool ok = debits == moved_.load() && net == 0;
    std::printf("check: %lld transfers answered 201, %lld dong debited, net %lld: %s\n",
                static_cast<long long>(moved_.load()), static_cast<long long>(debits),
                static_cast<long long>(net), ok ? "conserved" : "NOT CONSERVED");
    return VerifyLedger(client, o_) && ok;
  }

 private:
  std::string Account(int i) const { return run_ + ".a" + std::to_string(i); }
  const Options& o_;
  std::string run_;
  std::atomic<std::int64_t> moved_{0};
};

// --- the marketplace: merchants, buyers, listings ---
constexpr std::int64_t kPrice = 10'000;

struct Party {
  std::string id;
  std::string token;
};

Party NewMerchant(SyncClient& client, const Options& o, const std::string& name) {
  v1::CreateMerchantRequest request;
  request.set_name(name);
  request.set_phone("0912345678");
  request.set_location("Chợ Vị Thanh");
  v1::CreateMerchantResponse response;
  client.Must({http::verb::post, "/v1/merchants", o.token, &request, ""}, 201, &response);
  return {response.merchant().id(), response.token()};
}

Party NewBuyer(SyncClient& client, const Options& o, const std::string& key, std::int64_t money) {
  v1::CreateBuyerRequest request;
  request.set_name("Người mua");
  request.set_phone("0987654321");
  v1::CreateBuyerResponse response;
  client.Must({http::verb::post, "/v1/buyers", "", &request, ""}, 201, &response);
  v1::DepositRequest deposit;
  deposit.set_amount(money);
  client.Must({http::verb::post, "/v1/buyers/" + response.buyer().id() + "/deposits", o.token,
               &deposit, key},
              201);
  return {response.buyer().id(), response.token()};
}

std::string NewListing(SyncClient& client, const Party& merchant, const std::string& title,
                       std::int64_t price, std::int64_t stock) {
  v1::CreateListingRequest request;
  request.set_title(title);
  request.set_description("Hàng tươi mỗi sáng");
  request.set_category("rau");
  request.set_unit("kg");
  request.set_price(price);
  request.set_stock(stock);
  v1::Listing listing;
  client.Must({http::verb::post, "/v1/listings", merchant.token, &request, ""}, 201, &listing);
  return listing.id();
}

// The merchant's available balance is exactly `earned`, what the answered requests said they
// paid it; and the ledger verifies.
bool CheckEarned(SyncClient& client, const Options& o, const Party& merchant, std::int64_t earned,
                 const char* what) {
  v1::MerchantBalance balance;
  client.Must({http::verb::get, "/v1/merchant/balance", merchant.token, nullptr, ""}, 200,
              &balance);
  bool ok = balance.available() == earned;
  std::printf("check: merchant available %lld, %s paid %lld, escrow %lld: %s\n",
              static_cast<long long>(balance.available()), what, static_cast<long long>(earned),
              static_cast<long long>(balance.escrow()), ok ? "conserved" : "NOT CONSERVED");
  return VerifyLedger(client, o) && ok;
}

// --- orders: place, pay from the wallet, ship, confirm ---
class OrdersScenario : public Scenario {
 public:
  OrdersScenario(const Options& o, std::string run) : o_(o), run_(std::move(run)) {}
  const char* unit() const override { return "orders"; }

  void Setup(SyncClient& client) override {
    merchant_ = NewMerchant(client, o_, "Cô Ba " + run_);
    listing_ = NewListing(client, merchant_, "Rau muống", kPrice, 1'000'000'000);
    for (int i = 0; i < o_.connections; ++i) {
      buyers_.push_back(NewBuyer(client, o_, run_ + "-d" + std::to_string(i), 1'000'000'000'000));
    }
  }

  class OrderFlow : public Flow {
   public:
    OrderFlow(OrdersScenario* s, int index) : s_(s), index_(index) {}
    Call Next() override {
      const Party& buyer = s_->buyers_[index_];
      switch (step_) {
        case 0: {
          place_.Clear();
          auto* item = place_.add_items();
          item->set_listing_id(s_->listing_);
          item->set_quantity(1);
          return {http::verb::post, "/v1/orders", buyer.token, &place_,
                  s_->run_ + "-o" + std::to_string(index_) + "-" + std::to_string(++n_)};
        }
        case 1:
          return {http::verb::post, "/v1/orders/" + order_ + "/pay", buyer.token, &empty_, ""};
        case 2:
          return {http::verb::post, "/v1/orders/" + order_ + "/ship", s_->merchant_.token, &empty_,
                  ""};
        default:
          return {http::verb::post, "/v1/orders/" + order_ + "/confirm", buyer.token, &empty_, ""};
      }
    }
    int Answered(int status, const std::string& body) override {
      if (status / 100 != 2) {
        step_ = 0;  // start a new order
        return 0;
      }
      if (step_ == 0) {
        v1::Order order;
        if (!DecodeInto(body, Binary(s_->o_), &order)) return step_ = 0;
        order_ = order.id();
      }
      if (step_ < 3) {
        ++step_;
        return 0;
      }
      v1::Order done;
      if (DecodeInto(body, Binary(s_->o_), &done)) {
        s_->earned_.fetch_add(done.total() - done.commission());
      }
      step_ = 0;
      return 1;
    }

   private:
    OrdersScenario* s_;
    int index_;
    int step_ = 0;
    std::uint64_t n_ = 0;
    std::string order_;
    v1::CreateOrderRequest place_;
    v1::CreateOrderRequest empty_;  // an empty JSON object, an empty protobuf body
  };

  std::unique_ptr<Flow> NewFlow(int index) override {
    return std::make_unique<OrderFlow>(this, index);
  }

  // The merchant's available balance is exactly what the confirmed orders paid it.
  bool Check(SyncClient& client) override {
    return CheckEarned(client, o_, merchant_, earned_.load(), "confirmed orders");
  }

 private:
  const Options& o_;
  std::string run_;
  Party merchant_;
  std::string listing_;
  std::vector<Party> buyers_;
  std::atomic<std::int64_t> earned_{0};
};

// --- stall payments: the merchant asks for an amount, a buyer pays it from the wallet ---
constexpr std::int64_t kStallAmount = 25'000;

class StallScenario : public Scenario {
 public:
  StallScenario(const Options& o, std::string run) : o_(o), run_(std::move(run)) {}
  const char* unit() const override { return "payments"; }

  void Setup(SyncClient& client) override {
    merchant_ = NewMerchant(client, o_, "Sạp cá " + run_);
    for (int i = 0; i < o_.connections; ++i) {
      buyers_.push_back(NewBuyer(client, o_, run_ + "-s" + std::to_string(i), 1'000'000'000'000));
    }
  }

  class StallFlow : public Flow {
   public:
    StallFlow(StallScenario* s, int index) : s_(s), index_(index) { ask_.set_amount(kStallAmount); }
    Call Next() override {
      if (code_.empty()) {
        return {http::verb::post, "/v1/payment-requests", s_->merchant_.token, &ask_, ""};
      }
      return {http::verb::post, "/v1/payment-requests/" + code_ + "/pay",
              s_->buyers_[static_cast<std::size_t>(index_)].token, &pay_,
              s_->run_ + "-p" + std::to_string(index_) + "-" + std::to_string(++n_)};
    }
    int Answered(int status, const std::string& body) override {
      bool paying = !code_.empty();
      code_.clear();
      if (status / 100 != 2) return 0;
      if (!paying) {
        v1::PaymentRequest request;
        if (DecodeInto(body, Binary(s_->o_), &request)) code_ = request.code();
        return 0;
      }
      v1::StallPayment payment;
      if (!DecodeInto(body, Binary(s_->o_), &payment)) return 0;
      s_->earned_.fetch_add(payment.amount() - payment.commission());
      return 1;
    }

   private:
    StallScenario* s_;
    int index_;
    std::uint64_t n_ = 0;
    std::string code_;
    v1::CreatePaymentRequestRequest ask_;
    v1::PayPaymentRequestRequest pay_;  // the request holds the amount
  };

  std::unique_ptr<Flow> NewFlow(int index) override {
    return std::make_unique<StallFlow>(this, index);
  }

  // The merchant's available balance is exactly what the stall payments paid it.
  bool Check(SyncClient& client) override {
    return CheckEarned(client, o_, merchant_, earned_.load(), "stall payments");
  }

 private:
  const Options& o_;
  std::string run_;
  Party merchant_;
  std::vector<Party> buyers_;
  std::atomic<std::int64_t> earned_{0};
};

// --- listings and search ---
const std::vector<std::string>& Products() {
  static const std::vector<std::string> products = {
      "Rau muống",        "Cá lóc đồng",  "Gạo ST25",       "Bắp cải",     "Cà chua",
      "Thịt heo ba chỉ",  "Tôm sú",       "Đậu phụ",        "Trứng gà ta", "Nước mắm Phú Quốc",
      "Xoài cát Hòa Lộc", "Bưởi da xanh", "Mít Thái",       "Cá rô đồng",  "Rau cải ngọt",
      "Hành lá",          "Ớt hiểm",      "Khoai lang tím", "Chuối sứ",    "Dừa xiêm",
      "Gà ta thả vườn",   "Vịt xiêm",     "Bánh tét",       "Mắm tôm",     "Đường thốt nốt",
      "Muối ớt",          "Bún tươi",     "Nấm rơm",        "Rau má",      "Sả cây"};
  return products;
}

const std::vector<std::string>& Origins() {
  static const std::vector<std::string> origins = {
      "Vị Thanh",  "Long Mỹ",   "Phụng Hiệp", "Ngã Bảy", "Châu Thành", "Cần Thơ",
      "Sóc Trăng", "Hậu Giang", "loại 1",     "tươi",    "sạch",       "nhà trồng"};
  return origins;
}

class ListingsFlow : public Flow {
 public:
  ListingsFlow(const std::vector<Party>* merchants, int index)
      : merchants_(merchants), index_(index), random_(index + 7) {}
  Call Next() override {
    const auto& products = Products();
    const auto& origins = Origins();
    std::uniform_int_distribution<std::size_t> p(0, products.size() - 1);
    std::uniform_int_distribution<std::size_t> g(0, origins.size() - 1);
    request_.set_title(products[p(random_)] + " " + origins[g(random_)] + " " +
                       std::to_string(++n_));
    request_.set_description("Hàng tươi mỗi sáng");
    request_.set_category("cho");
    request_.set_unit("kg");
    request_.set_price(1'000 * static_cast<std::int64_t>(1 + p(random_)));
    request_.set_stock(100);
    const Party& m = (*merchants_)[static_cast<std::size_t>(index_) % merchants_->size()];
    return {http::verb::post, "/v1/listings", m.token, &request_, ""};
  }
  int Answered(int status, const std::string&) override { return status == 201; }

 private:
  const std::vector<Party>* merchants_;
  int index_;
  std::mt19937 random_;
  std::uint64_t n_ = 0;
  v1::CreateListingRequest request_;
};

class ListingsScenario : public Scenario {
 public:
  ListingsScenario(const Options& o, std::string run) : o_(o), run_(std::move(run)) {}
  const char* unit() const override { return "listings"; }
  void Setup(SyncClient& client) override {
    for (int i = 0; i < 20; ++i) {
      merchants_.push_back(NewMerchant(client, o_, "Sạp " + std::to_string(i) + " " + run_));
    }
  }
  std::unique_ptr<Flow> NewFlow(int index) override {
    return std::make_unique<ListingsFlow>(&merchants_, index);
  }

 private:
  const Options& o_;
  std::string run_;
  std::vector<Party> merchants_;
};

// Queries as buyers type them: without diacritics, in capitals, a started word.
const std::vector<std::string>& Queries() {
  static const std::vector<std::string> queries = {"rau%20muong",
                                                   "ca%20loc",
                                                   "CA%20LOC%20DONG",
                                                   "gao%20st25",
                                                   "tom",
                                                   "dau%20phu",
                                                   "xoai%20cat",
                                                   "buoi",
                                                   "nuoc%20mam",
                                                   "thit%20heo",
                                                   "rau",
                                                   "ca%20ro%20dong",
                                                   "mu",
                                                   "khoai%20lang",
                                                   "ga%20ta",
                                                   "nam%20rom",
                                                   "rau%20ma%20vi%20thanh"};
  return queries;
}

class SearchFlow : public Flow {
 public:
  explicit SearchFlow(int index) : random_(index + 11) {}
  Call Next() override {
    std::uniform_int_distribution<std::size_t> q(0, Queries().size() - 1);
    return {http::verb::get, "/v1/listings?limit=20&q=" + Queries()[q(random_)], "", nullptr, ""};
  }
  int Answered(int status, const std::string&) override { return status == 200; }

 private:
  std::mt19937 random_;
};

class SearchScenario : public Scenario {
 public:
  std::unique_ptr<Flow> NewFlow(int index) override { return std::make_unique<SearchFlow>(index); }
};

// --- wallet reads ---
class WalletScenario : public Scenario {
 public:
  WalletScenario(const Options& o, std::string run) : o_(o), run_(std::move(run)) {}
  void Setup(SyncClient& client) override {
    for (int i = 0; i < o_.connections; ++i) {
      buyers_.push_back(NewBuyer(client, o_, run_ + "-w" + std::to_string(i), 500'000));
    }
  }
  class WalletFlow : public Flow {
   public:
    explicit WalletFlow(std::string token) : token_(std::move(token)) {}
    Call Next() override { return {http::verb::get, "/v1/wallet", token_, nullptr, ""}; }
    int Answered(int status, const std::string&) override { return status == 200; }

   private:
    std::string token_;
  };
  std::unique_ptr<Flow> NewFlow(int index) override {
    return std::make_unique<WalletFlow>(buyers_[static_cast<std::size_t>(index)].token);
  }
  bool Check(SyncClient& client) override { return VerifyLedger(client, o_); }

 private:
  const Options& o_;
  std::string run_;
  std::vector<Party> buyers_;
};

// --- the load ---
struct Tally {
  Histogram latency;
  std::uint64_t requests = 0;
  std::uint64_t units = 0;
  std::map<std::string, std::uint64_t> errors;  // "409 ALREADY_EXISTS" -> count
};

std::string ErrorName(int status, const std::string& body, bool binary) {
  v1::Error error;
  std::string name = std::to_string(status);
  if (DecodeInto(body, binary, &error) && !error.code().empty()) name += " " + error.code();
  return name;
}

struct Shared {
  const Options* options;
  Clock::time_point measure_from;
  Clock::time_point stop_at;
  std::atomic<std::uint64_t> budget{0};  // requests left with --requests
  bool counted = false;
};

// One keep-alive connection running its flow until the time (or the budget) is up.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, Shared* shared, std::unique_ptr<Flow> flow, Tally* tally)
      : stream_(io), shared_(shared), flow_(std::move(flow)), tally_(tally) {}

  void Start(const tcp::resolver::results_type& endpoints) {
    stream_.async_connect(endpoints, [self = shared_from_this()](beast::error_code ec, auto) {
      if (ec) return self->Fail("connect", ec);
      self->Send();
    });
  }

 private:
  void Send() {
    Clock::time_point now = Clock::now();
    if (now >= shared_->stop_at) return Close();
    if (shared_->counted && shared_->budget.fetch_sub(1) == 0) {
      shared_->budget.store(0);
      return Close();
    }
    request_ = MakeRequest(*shared_->options, flow_->Next());
    sent_at_ = now;
    http::async_write(stream_, request_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->Fail("write", ec);
                        self->Receive();
                      });
  }

  void Receive() {
    response_ = {};
    http::async_read(stream_, buffer_, response_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Fail("read", ec);
                       self->Done();
                     });
  }

  void Done() {
    Clock::time_point now = Clock::now();
    int status = static_cast<int>(response_.result_int());
    int units = flow_->Answered(status, response_.body());
    if (sent_at_ >= shared_->measure_from) {
      ++tally_->requests;
      tally_->units += static_cast<std::uint64_t>(units);
      tally_->latency.Record(
          std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_).count());
      if (status / 100 != 2) {
        ++tally_->errors[ErrorName(status, response_.body(), Binary(*shared_->options))];
      }
    }
    Send();
  }

  void Fail(const char* what, beast::error_code ec) {
    ++tally_->errors[std::string("socket ") + what + ": " + ec.message()];
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  Shared* shared_;
  std::unique_ptr<Flow> flow_;
  Tally* tally_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  Clock::time_point sent_at_;
};

std::unique_ptr<Scenario> MakeScenario(const Options& o, const std::string& run) {
  if (o.scenario == "healthz") return std::make_unique<HealthScenario>();
  if (o.scenario == "transfers") return std::make_unique<TransfersScenario>(o, run);
  if (o.scenario == "orders") return std::make_unique<OrdersScenario>(o, run);
  if (o.scenario == "listings") return std::make_unique<ListingsScenario>(o, run);
  if (o.scenario == "stall") return std::make_unique<StallScenario>(o, run);
  if (o.scenario == "search") return std::make_unique<SearchScenario>();
  if (o.scenario == "wallet") return std::make_unique<WalletScenario>(o, run);
  throw std::runtime_error("unknown scenario " + o.scenario);
}

double Ms(std::int64_t micros) { return static_cast<double>(micros) / 1000.0; }

int Run(const Options& o) {
  std::string run = "lg" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  auto scenario = MakeScenario(o, run);
  {
    SyncClient client(o);
    scenario->Setup(client);
  }
  asio::io_context io;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(o.host, o.port);
  Shared shared;
  shared.options = &o;
  Clock::time_point start = Clock::now();
  shared.counted = o.requests > 0;
  shared.budget = o.requests;
  double warmup = shared.counted ? 0 : o.warmup_seconds;
  shared.measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  shared.stop_at = shared.counted
                       ? Clock::time_point::max()
                       : shared.measure_from + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(o.seconds));
  std::vector<Tally> tallies(static_cast<std::size_t>(o.connections));
  for (int i = 0; i < o.connections; ++i) {
    std::make_shared<Connection>(io, &shared, scenario->NewFlow(i),
                                 &tallies[static_cast<std::size_t>(i)])
        ->Start(endpoints);
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < o.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - shared.measure_from).count();
  if (!shared.counted) elapsed = std::min(elapsed, o.seconds);

  Tally total;
  for (const Tally& t : tallies) {
    total.latency.Add(t.latency);
    total.requests += t.requests;
    total.units += t.units;
    for (const auto& [name, count] : t.errors) total.errors[name] += count;
  }
  bool conserved = true;
  {
    SyncClient client(o);
    conserved = scenario->Check(client);
  }
  double rps = static_cast<double>(total.requests) / elapsed;
  double ups = static_cast<double>(total.units) / elapsed;
  std::printf(
      "%s over %d connections (%s), %.1f s: %llu requests, %.0f requests/s, %.0f %s/s; "
      "latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
      o.scenario.c_str(), o.connections, o.format.c_str(), elapsed,
      static_cast<unsigned long long>(total.requests), rps, ups, scenario->unit(),
      Ms(total.latency.Percentile(50)), Ms(total.latency.Percentile(99)),
      Ms(total.latency.Percentile(99.9)), Ms(total.latency.Max()));
  std::string errors;
  for (const auto& [name, count] : total.errors) {
    errors +=
        (errors.empty() ? "" : ", ") + std::string("\"") + name + "\": " + std::to_string(count);
    std::printf("errors: %s x %llu\n", name.c_str(), static_cast<unsigned long long>(count));
  }
  if (o.json_summary) {
    std::printf(
        "{\"scenario\":\"%s\",\"format\":\"%s\",\"connections\":%d,\"seconds\":%.2f,"
        "\"requests\":%llu,\"rps\":%.0f,\"units\":\"%s\",\"units_per_s\":%.0f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"errors\":{%s},\"conserved\":%s}\n",
        o.scenario.c_str(), o.format.c_str(), o.connections, elapsed,
        static_cast<unsigned long long>(total.requests), rps, scenario->unit(), ups,
        Ms(total.latency.Percentile(50)), Ms(total.latency.Percentile(99)),
        Ms(total.latency.Percentile(99.9)), errors.c_str(), conserved ? "true" : "false");
  }
  return conserved ? 0 : 1;
}

}  // namespace
}  // namespace market4::bench

int main(int argc, char** argv) {
  market4::bench::Options o;
  CLI::App app{"market4-loadgen: load and latency against a running market4d"};
  std::string target = "127.0.0.1:8080";
  app.add_option("--target", target, "host:port of market4d");
  app.add_option("--token", o.token, "operator token (default: $MARKET4_ADMIN_TOKEN)");
  app.add_option("--scenario", o.scenario,
                 "healthz, transfers, orders, stall, listings, search, wallet")
      ->check(CLI::IsMember(
          {"healthz", "transfers", "orders", "stall", "listings", "search", "wallet"}));
  app.add_option("--format", o.format, "json or protobuf")
      ->check(CLI::IsMember({"json", "protobuf"}));
  app.add_option("--connections,-c", o.connections, "keep-alive connections")
      ->check(CLI::Range(1, 10'000));
  app.add_option("--seconds,-d", o.seconds, "measured time")->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup_seconds, "unmeasured time first")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--requests,-n", o.requests, "stop after this many requests instead");
  app.add_option("--accounts", o.accounts, "accounts of the transfers scenario")
      ->check(CLI::Range(2, 1'000'000));
  app.add_option("--threads", o.threads, "client threads")->check(CLI::Range(1, 64));
  app.add_flag("--json", o.json_summary, "also print one JSON line with every figure");
  CLI11_PARSE(app, argc, argv);
  auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "--target must be host:port\n");
    return 2;
  }
  o.host = target.substr(0, colon);
  o.port = target.substr(colon + 1);
  if (o.token.empty()) {
    if (const char* env = std::getenv("MARKET4_ADMIN_TOKEN")) o.token = env;
  }
  try {
    return market4::bench::Run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "market4-loadgen: %s\n", e.what());
    return 3;
  }
}
