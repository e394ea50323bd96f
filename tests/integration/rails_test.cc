// The payment rails over real HTTP: providers' signed callbacks (every scheme), top-ups,
// orders paid through a provider, payouts and the exceptions queue, with exact balances, the
// ledger summing to zero, and forged callbacks recording nothing.
#include <chrono>
#include <thread>

#include "gateway/provider_schemes.h"
#include "market4/v1/ledger.pb.h"
#include "market4/v1/rails.pb.h"
#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace rails_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kNewSecret[] = "whsec_c2VjcmV0LW51bWJlci10d28tZm9yLXJvdGF0aW9u";
constexpr char kWrongSecret[] = "whsec_d3Jvbmctc2VjcmV0LWZvcmdlZC1ieS1zb21lb25l";

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class RailsHttpTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    AddProvider("momo", "STANDARD_WEBHOOKS", kSecret);
    merchant_ = NewMerchant();
    buyer_ = NewBuyer();
    listing_ = NewListing(merchant_, 40'000, 100);
  }

  void AddProvider(const std::string& id, const std::string& scheme, const std::string& secret) {
    ClientResponse r = Send("POST", "/v1/providers", kOperatorToken,
                            R"({"id":")" + id + R"(","name":")" + id + R"(","scheme":")" + scheme +
                                R"(","secrets":[")" + secret + R"("]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // Sends a callback signed as `scheme` with `secret`, over `client` (default: the fixture's).
  ClientResponse Callback(const gateway::CallbackFields& fields,
                          const std::string& provider = "momo",
                          v1::ProviderScheme scheme = v1::STANDARD_WEBHOOKS,
                          const std::string& secret = kSecret, HttpClient* client = nullptr) {
    auto signed_callback = gateway::SignProviderCallback(scheme, secret, fields);
    EXPECT_TRUE(signed_callback.ok()) << signed_callback.status().ToString();
    if (!signed_callback.ok()) return {};
    std::map<std::string, std::string> headers(signed_callback->headers.begin(),
                                               signed_callback->headers.end());
    if (!signed_callback->content_type.empty()) {
      headers["Content-Type"] = signed_callback->content_type;
    }
    std::string target =
        "/v1/providers/" + provider + "/events" + signed_callback->path_and_query_suffix;
    HttpClient* via = client ? client : client_.get();
    return via->Send(signed_callback->method, target, signed_callback->body, headers);
  }

  static gateway::CallbackFields Fields(const std::string& type, const std::string& reference,
                                        std::int64_t amount, const std::string& txn,
                                        const std::string& delivery = "msg_1") {
    gateway::CallbackFields fields;
    fields.type = type;
    fields.reference = reference;
    fields.amount = amount;
    fields.provider_txn_id = txn;
    fields.delivery_id = delivery;
    fields.now_seconds = Now();
    return fields;
  }

  std::string TopUp(const Principal& buyer, std::int64_t amount,
                    const std::string& provider = "momo") {
    ClientResponse r =
        Send("POST", "/v1/wallet/topups", buyer.token,
             R"({"provider":")" + provider + R"(","amount":")" + std::to_string(amount) + R"("})",
             "topup-" + std::to_string(++keys_));
    EXPECT_EQ(r.status, 201) << r.body;
    auto top_up = ParseJson<v1::TopUp>(r);
    EXPECT_EQ(top_up.status(), v1::PENDING);
    EXPECT_EQ(top_up.id().rfind("tu_", 0), 0u);
    return top_up.id();
  }

  v1::ListExceptionsResponse Exceptions(const std::string& status = "OPEN") {
    return ParseJson<v1::ListExceptionsResponse>(
        Send("GET", "/v1/exceptions?status=" + status, kOperatorToken));
  }

  std::string Accounts() { return Send("GET", "/v1/accounts", kOperatorToken).body; }

  std::int64_t ProviderDebits(const std::string& provider = "momo") {
    return ParseJson<v1::Account>(Send("GET", "/v1/accounts/provider." + provider, kOperatorToken))
        .debits_posted();
  }

  ClientResponse Payout(std::int64_t amount) {
    return Send("POST", "/v1/merchant/payouts", merchant_.token,
                R"({"provider":"momo","amount":")" + std::to_string(amount) +
                    R"(","destination":"0901234567"})",
                "payout-" + std::to_string(++keys_));
  }

  // The merchant earns `total - 1%` through a paid, shipped and confirmed order.
  void Earn(std::int64_t quantity) {
    Deposit(buyer_, 40'000 * quantity);
    std::string order = OrderId(buyer_, listing_, quantity);
    ASSERT_EQ(Act(buyer_, order, "pay").status, 200);
    ASSERT_EQ(Act(merchant_, order, "ship").status, 200);
    ASSERT_EQ(Act(buyer_, order, "confirm").status, 200);
  }

  Principal merchant_, buyer_;
  std::string listing_;
};

// Buyers and merchants choose how to pay or be paid from the payment methods: every
// provider's id, name and scheme, and nothing an operator alone should see.
TEST_F(RailsHttpTest, AnyCallerListsThePaymentMethods) {
  ASSERT_EQ(Send("POST", "/v1/providers", kOperatorToken,
                 R"({"id":"vcb","name":"Vietcombank","scheme":"BANK_TRANSFER","secrets":[")" +
                     std::string(kSecret) +
                     R"("],"bank_bin":"970436","account_number":"0011001234567",)"
                     R"("account_name":"HTX CHO VI THANH"})")
                .status,
            201);
  for (const std::string& token : {buyer_.token, merchant_.token, std::string(kOperatorToken)}) {
    ClientResponse r = Send("GET", "/v1/payment-methods", token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto listed = ParseJson<v1::ListPaymentMethodsResponse>(r);
    ASSERT_EQ(listed.methods_size(), 2);
    EXPECT_EQ(listed.methods(0).id(), "momo");
    EXPECT_EQ(listed.methods(0).scheme(), v1::STANDARD_WEBHOOKS);
    EXPECT_EQ(listed.methods(1).id(), "vcb");
    EXPECT_EQ(listed.methods(1).name(), "Vietcombank");
    EXPECT_EQ(listed.methods(1).scheme(), v1::BANK_TRANSFER);
    for (const char* hidden : {"secret", "account", "created_at", "970436", kSecret}) {
      EXPECT_EQ(r.body.find(hidden), std::string::npos) << hidden << " in " << r.body;
    }
  }
  EXPECT_EQ(Send("GET", "/v1/payment-methods", "").status, 401);
}

TEST_F(RailsHttpTest, TopUpDeliveredFiveTimesCreditsOnce) {
  std::string top_up = TopUp(buyer_, 100'000);
  for (int i = 0; i < 5; ++i) {
    ClientResponse r = Callback(Fields("topup.succeeded", top_up, 100'000, "MOMO-1"));
    EXPECT_EQ(r.status, 204) << r.body;
  }
  // The same provider transaction under a new webhook-id.
  EXPECT_EQ(Callback(Fields("topup.succeeded", top_up, 100'000, "MOMO-1", "msg_2")).status, 204);
  EXPECT_EQ(Wallet(buyer_).balance(), 100'000);
  EXPECT_EQ(ProviderDebits(), 100'000);
  auto read = ParseJson<v1::TopUp>(Send("GET", "/v1/wallet/topups/" + top_up, buyer_.token));
  EXPECT_EQ(read.status(), v1::SUCCEEDED);
  EXPECT_EQ(read.provider_txn_id(), "MOMO-1");
  auto listed = ParseJson<v1::ListTopUpsResponse>(Send("GET", "/v1/wallet/topups", buyer_.token));
  ASSERT_EQ(listed.top_ups_size(), 1);
  EXPECT_EQ(Wallet(buyer_).movements(0).kind(), "topup");
  EXPECT_EQ(Exceptions().exceptions_size(), 0);
}

TEST_F(RailsHttpTest, ForgedStaleOrAlteredCallbacksRecordNothing) {
  std::string top_up = TopUp(buyer_, 100'000);
  std::string before = Accounts();
  auto fields = Fields("topup.succeeded", top_up, 100'000, "MOMO-1");
  ClientResponse forged = Callback(fields, "momo", v1::STANDARD_WEBHOOKS, kWrongSecret);
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(ErrorCode(forged), "INVALID_SIGNATURE");
  auto stale = fields;
  stale.now_seconds -= 6 * 60;
  EXPECT_EQ(Callback(stale).status, 401);
  auto future = fields;
  future.now_seconds += 6 * 60;
  EXPECT_EQ(Callback(future).status, 401);
  // One flipped byte of a correctly signed body.
  auto good = gateway::SignProviderCallback(v1::STANDARD_WEBHOOKS, kSecret, fields).value();
  std::map<std::string, std::string> headers(good.headers.begin(), good.headers.end());
  std::string altered = good.body;
  altered[altered.find("100000")] = '9';
  EXPECT_EQ(client_->Send("POST", "/v1/providers/momo/events", altered, headers).status, 401);
  headers.erase("webhook-signature");
  EXPECT_EQ(client_->Send("POST", "/v1/providers/momo/events", good.body, headers).status, 401);
  // No provider of that id.
  EXPECT_EQ(Callback(fields, "nobody").status, 404);
  EXPECT_EQ(Accounts(), before);
  EXPECT_EQ(Exceptions("").exceptions_size(), 0);
  EXPECT_EQ(Wallet(buyer_).balance(), 0);
  // The genuine one still applies: nothing above was recorded as its delivery.
  EXPECT_EQ(Callback(fields).status, 204);
  EXPECT_EQ(Wallet(buyer_).balance(), 100'000);
}

TEST_F(RailsHttpTest, RotatedSecretsAreBothValidUntilTheOldOneIsDropped) {
  ASSERT_EQ(Send("PATCH", "/v1/providers/momo", kOperatorToken,
                 std::string(R"({"secrets":[")") + kSecret + R"(",")" + kNewSecret + R"("]})")
                .status,
            200);
  std::string first = TopUp(buyer_, 10'000), second = TopUp(buyer_, 20'000);
  EXPECT_EQ(Callback(Fields("topup.succeeded", first, 10'000, "T1", "m1")).status, 204);
  EXPECT_EQ(Callback(Fields("topup.succeeded", second, 20'000, "T2", "m2"), "momo",
                     v1::STANDARD_WEBHOOKS, kNewSecret)
                .status,
            204);
  ASSERT_EQ(Send("PATCH", "/v1/providers/momo", kOperatorToken,
                 std::string(R"({"secrets":[")") + kNewSecret + R"("]})")
                .status,
            200);
  std::string third = TopUp(buyer_, 30'000);
  EXPECT_EQ(Callback(Fields("topup.succeeded", third, 30'000, "T3", "m3")).status, 401);
  EXPECT_EQ(Wallet(buyer_).balance(), 30'000);
}

TEST_F(RailsHttpTest, TwentyConcurrentDeliveriesApplyOnce) {
  std::string top_up = TopUp(buyer_, 100'000);
  auto fields = Fields("topup.succeeded", top_up, 100'000, "MOMO-1");
  std::vector<std::thread> threads;
  std::vector<int> statuses(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      HttpClient client("127.0.0.1", server_->port());
      statuses[i] = Callback(fields, "momo", v1::STANDARD_WEBHOOKS, kSecret, &client).status;
    });
  }
  for (auto& thread : threads) thread.join();
  for (int status : statuses) EXPECT_EQ(status, 204);
  EXPECT_EQ(Wallet(buyer_).balance(), 100'000);
  EXPECT_EQ(ProviderDebits(), 100'000);
  EXPECT_EQ(Exceptions("").exceptions_size(), 0);
}

TEST_F(RailsHttpTest, UnknownReferenceIsQueuedAndCreditedOnce) {
  ASSERT_EQ(Callback(Fields("topup.succeeded", "tu_nobody", 70'000, "MOMO-9")).status, 204);
  auto open = Exceptions();
  ASSERT_EQ(open.exceptions_size(), 1);
  const v1::ProviderException& exception = open.exceptions(0);
  EXPECT_EQ(exception.reason(), "UNKNOWN_REFERENCE");
  EXPECT_EQ(exception.amount(), 70'000);
  EXPECT_EQ(exception.provider(), "momo");
  EXPECT_EQ(exception.provider_txn_id(), "MOMO-9");
  std::string resolve = "/v1/exceptions/" + exception.id() + "/resolve";
  std::string body = R"({"action":"CREDIT_BUYER","buyer_id":")" + buyer_.id +
                     R"(","note":"khách gọi điện, đã đối chiếu"})";
  EXPECT_EQ(Send("POST", resolve, buyer_.token, body).status, 403);
  ClientResponse resolved = Send("POST", resolve, kOperatorToken, body);
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(ParseJson<v1::ProviderException>(resolved).status(), v1::RESOLVED);
  ClientResponse again = Send("POST", resolve, kOperatorToken, body);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Send("POST", resolve, kOperatorToken, R"({"action":"DISMISS"})").status, 409);
  EXPECT_EQ(Wallet(buyer_).balance(), 70'000);
  EXPECT_EQ(Exceptions().exceptions_size(), 0);
  EXPECT_EQ(Exceptions("RESOLVED").exceptions_size(), 1);
  // The stored event keeps exactly what arrived.
  auto event = ParseJson<v1::ProviderEvent>(
      Send("GET", "/v1/events/" + exception.event_id(), kOperatorToken));
  EXPECT_NE(event.raw_body().find("tu_nobody"), std::string::npos);
  EXPECT_EQ(event.outcome(), v1::EXCEPTION);
}

TEST_F(RailsHttpTest, OrderPaidThroughTheProviderShipsAndConfirmsAsBefore) {
  std::string order = OrderId(buyer_, listing_, 2);  // 80,000
  ClientResponse started = Act(buyer_, order, "pay", R"({"provider":"momo"})");
  ASSERT_EQ(started.status, 202) << started.body;
  auto waiting = ParseJson<v1::Order>(started);
  EXPECT_EQ(waiting.status(), v1::PENDING_PAYMENT);
  EXPECT_EQ(waiting.payment().status(), v1::PENDING);
  EXPECT_EQ(waiting.payment().amount(), 80'000);
  AdvanceAndTick(std::chrono::hours(1));  // past pay_by: the provider holds it
  EXPECT_EQ(GetOrder(order).status(), v1::PENDING_PAYMENT);
  ASSERT_EQ(Callback(Fields("payment.succeeded", waiting.payment().id(), 80'000, "P1")).status,
            204);
  EXPECT_EQ(GetOrder(order).status(), v1::PAID);
  EXPECT_EQ(Balance(merchant_).escrow(), 80'000);
  ASSERT_EQ(Act(merchant_, order, "ship").status, 200);
  ASSERT_EQ(Act(buyer_, order, "confirm").status, 200);
  EXPECT_EQ(Balance(merchant_).available(), 80'000 - 800);
  EXPECT_EQ(ProviderDebits(), 80'000);
  EXPECT_EQ(Wallet(buyer_).balance(), 0);
}

TEST_F(RailsHttpTest, PayoutFailsBackThenSucceeds) {
  Earn(5);  // 200,000 - 2,000
  EXPECT_EQ(Balance(merchant_).available(), 198'000);
  ClientResponse first = Payout(50'000);
  ASSERT_EQ(first.status, 201) << first.body;
  auto payout = ParseJson<v1::Payout>(first);
  EXPECT_EQ(payout.status(), v1::PENDING);
  EXPECT_EQ(Balance(merchant_).available(), 148'000);
  auto pending =
      ParseJson<v1::ListPayoutsResponse>(Send("GET", "/v1/payouts?status=PENDING", kOperatorToken));
  ASSERT_EQ(pending.payouts_size(), 1);
  EXPECT_EQ(Send("GET", "/v1/payouts", buyer_.token).status, 403);
  ASSERT_EQ(Callback(Fields("payout.failed", payout.id(), 50'000, "W1")).status, 204);
  EXPECT_EQ(Balance(merchant_).available(), 198'000);
  auto second = ParseJson<v1::Payout>(Payout(50'000));
  ASSERT_EQ(Callback(Fields("payout.succeeded", second.id(), 50'000, "W2", "msg_2")).status, 204);
  EXPECT_EQ(Balance(merchant_).available(), 148'000);
  auto mine =
      ParseJson<v1::ListPayoutsResponse>(Send("GET", "/v1/merchant/payouts", merchant_.token));
  ASSERT_EQ(mine.payouts_size(), 2);
  EXPECT_EQ(mine.payouts(0).status(), v1::SUCCEEDED);
  EXPECT_EQ(mine.payouts(1).status(), v1::FAILED);
  Principal other = NewMerchant("Chú Năm");
  EXPECT_EQ(Send("GET", "/v1/merchant/payouts/" + second.id(), other.token).status, 404);
  EXPECT_EQ(Payout(1'000'000).status, 422);
  EXPECT_EQ(Send("GET", "/v1/payouts?status=PENDING", kOperatorToken).body.find("po_"),
            std::string::npos);
}

TEST_F(RailsHttpTest, TopUpsAndExceptionsCheckWhoIsCalling) {
  std::string top_up = TopUp(buyer_, 10'000);
  Principal other = NewBuyer("Chị Sáu");
  EXPECT_EQ(Send("GET", "/v1/wallet/topups/" + top_up, other.token).status, 404);
  EXPECT_EQ(Send("POST", "/v1/wallet/topups", merchant_.token,
                 R"({"provider":"momo","amount":"1"})", "k1")
                .status,
            403);
  EXPECT_EQ(
      Send("POST", "/v1/wallet/topups", buyer_.token, R"({"provider":"momo","amount":"1"})").status,
      400);  // no Idempotency-Key
  EXPECT_EQ(Send("GET", "/v1/exceptions", buyer_.token).status, 403);
  EXPECT_EQ(Send("GET", "/v1/exceptions", "").status, 401);
  EXPECT_EQ(Send("GET", "/v1/exceptions?status=BOGUS", kOperatorToken).status, 400);
}

// Each scheme's own callback, through the same route, and its own answer.
TEST_F(RailsHttpTest, EverySchemeTopsUpThroughItsOwnCallback) {
  AddProvider("momo-ipn", "MOMO", "F8BBA842ECF85:K951B6PE1waDMi640xX08PD3vg6EkVlz");
  AddProvider("vnpay", "VNPAY", "VNPAYSANDBOXHASHSECRET0123456789");
  AddProvider("zalopay", "ZALOPAY", "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz");
  std::string momo = TopUp(buyer_, 10'000, "momo-ipn");
  std::string vnpay = TopUp(buyer_, 20'000, "vnpay");
  std::string zalopay = TopUp(buyer_, 30'000, "zalopay");
  ClientResponse m = Callback(Fields("topup.succeeded", momo, 10'000, "2811"), "momo-ipn", v1::MOMO,
                              "F8BBA842ECF85:K951B6PE1waDMi640xX08PD3vg6EkVlz");
  EXPECT_EQ(m.status, 204) << m.body;
  ClientResponse v = Callback(Fields("topup.succeeded", vnpay, 20'000, "1401"), "vnpay", v1::VNPAY,
                              "VNPAYSANDBOXHASHSECRET0123456789");
  EXPECT_EQ(v.status, 200);
  EXPECT_NE(v.body.find(R"("RspCode":"00")"), std::string::npos) << v.body;
  ClientResponse vv = Callback(Fields("topup.succeeded", vnpay, 20'000, "1401"), "vnpay", v1::VNPAY,
                               "VNPAYSANDBOXHASHSECRET0123456789");
  EXPECT_NE(vv.body.find(R"("RspCode":"02")"), std::string::npos) << vv.body;
  ClientResponse z = Callback(Fields("topup.succeeded", zalopay, 30'000, "190613000002"), "zalopay",
                              v1::ZALOPAY, "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz");
  EXPECT_EQ(z.status, 200);
  EXPECT_NE(z.body.find(R"("return_code":1)"), std::string::npos) << z.body;
  // A forged VNPay IPN.
  std::string other = TopUp(buyer_, 5'000, "vnpay");
  EXPECT_EQ(Callback(Fields("topup.succeeded", other, 5'000, "1402"), "vnpay", v1::VNPAY,
                     "SOMEONEELSESHASHSECRET0123456789")
                .status,
            401);
  EXPECT_EQ(Wallet(buyer_).balance(), 60'000);
}

// One scheme's secrets, old and new, for the tampering test.
struct SchemeCase {
  const char* name;
  v1::ProviderScheme scheme;
  const char* secret;
  const char* rotated;
  const char* wrong;
  const char* txn;  // MoMo, VNPay and ZaloPay transaction ids are digits
};

class SchemeHttpTest : public RailsHttpTest, public ::testing::WithParamInterface<SchemeCase> {
 protected:
  // Sends a signed callback after `tamper` has changed it.
  template <typename Tamper>
  ClientResponse SendTampered(const gateway::CallbackFields& fields, const std::string& secret,
                              Tamper tamper) {
    auto signed_callback = gateway::SignProviderCallback(GetParam().scheme, secret, fields);
    EXPECT_TRUE(signed_callback.ok()) << signed_callback.status().ToString();
    if (!signed_callback.ok()) return {};
    gateway::SignedCallback callback = signed_callback.value();
    tamper(callback);
    std::map<std::string, std::string> headers(callback.headers.begin(), callback.headers.end());
    if (!callback.content_type.empty()) headers["Content-Type"] = callback.content_type;
    return client_->Send(callback.method,
                         std::string("/v1/providers/") + GetParam().name + "/events" +
                             callback.path_and_query_suffix,
                         callback.body, headers);
  }

  // The ledger and the exceptions queue, to compare before and after a refused delivery.
  std::string State() { return Accounts() + Send("GET", "/v1/exceptions", kOperatorToken).body; }
};

// Replaces the first `from` in the callback's body or query with `to`.
void ReplaceInCallback(gateway::SignedCallback& callback, const std::string& from,
                       const std::string& to) {
  for (std::string* text : {&callback.body, &callback.path_and_query_suffix}) {
    std::size_t at = text->find(from);
    if (at != std::string::npos) {
      text->replace(at, from.size(), to);
      return;
    }
  }
  ADD_FAILURE() << "nothing to replace: " << from;
}

// Removes the signature, wherever the scheme carries it (its field renamed to one that means
// nothing to the scheme).
void DropSignature(gateway::SignedCallback& callback) {
  std::erase_if(callback.headers, [](const auto& h) { return h.first == "webhook-signature"; });
  const std::pair<const char*, const char*> renames[] = {{"\"signature\"", "\"signaturx\""},
                                                         {"\"mac\"", "\"max\""},
                                                         {"vnp_SecureHash=", "xnp_SecureHash="}};
  for (const auto& [field, renamed] : renames) {
    for (std::string* text : {&callback.body, &callback.path_and_query_suffix}) {
      std::size_t at = text->find(field);
      if (at != std::string::npos) text->replace(at, std::string(field).size(), renamed);
    }
  }
}

TEST_P(SchemeHttpTest, ForgedAlteredAndUnsignedCallbacksLeaveTheLedgerAsItWas) {
  const SchemeCase& c = GetParam();
  AddProvider(c.name, std::string(v1::ProviderScheme_Name(c.scheme)), c.secret);
  std::string top_up = TopUp(buyer_, 25'000, c.name);
  auto fields = Fields("topup.succeeded", top_up, 25'000, c.txn, "msg_scheme");
  auto unchanged = [](gateway::SignedCallback&) {};
  std::string before = State();
  EXPECT_EQ(SendTampered(fields, c.wrong, unchanged).status, 401);
  EXPECT_EQ(State(), before);
  ClientResponse altered = SendTampered(fields, c.secret, [](gateway::SignedCallback& callback) {
    ReplaceInCallback(callback, "25000", "25001");
  });
  EXPECT_EQ(altered.status, 401) << altered.body;
  EXPECT_EQ(State(), before);
  EXPECT_EQ(SendTampered(fields, c.secret, DropSignature).status, 401);
  EXPECT_EQ(State(), before);
  if (c.scheme == v1::STANDARD_WEBHOOKS) {
    auto stale = fields;
    stale.now_seconds -= 6 * 60;
    EXPECT_EQ(SendTampered(stale, c.secret, unchanged).status, 401);
    auto future = fields;
    future.now_seconds += 6 * 60;
    EXPECT_EQ(SendTampered(future, c.secret, unchanged).status, 401);
    EXPECT_EQ(State(), before);
  }
  // Rotation: the old and the new secret are both valid; the second delivery is a duplicate.
  ASSERT_EQ(Send("PATCH", std::string("/v1/providers/") + c.name, kOperatorToken,
                 std::string(R"({"secrets":[")") + c.secret + R"(",")" + c.rotated + R"("]})")
                .status,
            200);
  ClientResponse good = SendTampered(fields, c.rotated, unchanged);
  EXPECT_GE(good.status, 200) << good.body;
  EXPECT_LT(good.status, 300) << good.body;
  EXPECT_EQ(Wallet(buyer_).balance(), 25'000);
  ClientResponse again = SendTampered(fields, c.secret, unchanged);
  EXPECT_LT(again.status, 300) << again.body;
  EXPECT_EQ(Wallet(buyer_).balance(), 25'000);
  EXPECT_EQ(ProviderDebits(c.name), 25'000);
  EXPECT_EQ(Exceptions("").exceptions_size(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    EveryScheme, SchemeHttpTest,
    ::testing::Values(
        SchemeCase{"sw", v1::STANDARD_WEBHOOKS, kSecret, kNewSecret, kWrongSecret, "TXN-1"},
        SchemeCase{"momo-ipn", v1::MOMO, "F8BBA842ECF85:K951B6PE1waDMi640xX08PD3vg6EkVlz",
                   "F8BBA842ECF85:NEWSECRETKEYFORMOMOROTATION00001",
                   "F8BBA842ECF85:SOMEONEELSESSECRETKEY00000000001", "2811"},
        SchemeCase{"vnpay", v1::VNPAY, "VNPAYSANDBOXHASHSECRET0123456789",
                   "VNPAYROTATEDHASHSECRET0123456789", "SOMEONEELSESHASHSECRET0123456789", "1401"},
        SchemeCase{"zalopay", v1::ZALOPAY, "kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz",
                   "ROTATEDKEY2FORZALOPAY00000000001", "SOMEONEELSESKEY2000000000000001",
                   "190613000002"}),
    [](const ::testing::TestParamInfo<SchemeCase>& info) {
      std::string name = info.param.name;
      std::erase(name, '-');
      return name;
    });

}  // namespace rails_test
}  // namespace market4
