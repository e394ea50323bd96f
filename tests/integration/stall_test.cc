// The market stall over real HTTP: an order's VietQR (its payload read back by the tests' own
// EMVCo parser, its SVG decoded by a QR reader), bank credits matched by memo, and stall
// payment requests paid once under concurrent scans, with exact balances.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "gateway/provider_schemes.h"
#include "market4/v1/rails.pb.h"
#include "market4/v1/stall.pb.h"
#include "tests/common/tlv.h"
#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace stall_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a shell command printed, and whether it succeeded.
std::string RunShell(const std::string& command, bool* ok) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  *ok = ::pclose(pipe) == 0;
  return out;
}

class StallHttpTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    ClientResponse bank = Send(
        "POST", "/v1/providers", kOperatorToken,
        std::string(R"({"id":"vcb","name":"Vietcombank","scheme":"BANK_TRANSFER","secrets":[")") +
            kSecret +
            R"("],"bank_bin":"970436","account_number":"0011001234567","account_name":"HTX CHO VI THANH"})");
    ASSERT_EQ(bank.status, 201) << bank.body;
    merchant_ = NewMerchant();
    buyer_ = NewBuyer("Nguyễn Văn A");
    listing_ = NewListing(merchant_, 62'000, 10, "Cá rô");
  }

  ClientResponse BankCredit(const std::string& memo, std::int64_t amount, const std::string& txn) {
    gateway::CallbackFields fields;
    fields.type = "bank.credit";
    fields.memo = memo;
    fields.amount = amount;
    fields.provider_txn_id = txn;
    fields.delivery_id = "msg_" + txn;
    fields.now_seconds = Now();
    auto callback = gateway::SignProviderCallback(v1::BANK_TRANSFER, kSecret, fields);
    EXPECT_TRUE(callback.ok()) << callback.status().ToString();
    std::map<std::string, std::string> headers(callback->headers.begin(), callback->headers.end());
    return client_->Send("POST", "/v1/providers/vcb/events", callback->body, headers);
  }

  v1::PaymentRequest NewRequest(std::int64_t amount) {
    ClientResponse r = Send("POST", "/v1/payment-requests", merchant_.token,
                            R"({"amount":")" + std::to_string(amount) +
                                R"(","note":"2 bó rau muống","expires_in_seconds":300})");
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson<v1::PaymentRequest>(r);
  }

  Principal merchant_, buyer_;
  std::string listing_;
};

TEST_F(StallHttpTest, OrderVietQrIsAValidNapasPayloadAndAReadableQrCode) {
  std::string order = OrderId(buyer_, listing_, 1);
  ClientResponse r = Send("GET", "/v1/orders/" + order + "/vietqr?provider=vcb", buyer_.token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto qr = ParseJson<v1::VietQr>(r);
  EXPECT_EQ(qr.amount(), 62'000);
  EXPECT_EQ(qr.provider(), "vcb");
  const std::string& payload = qr.payload();
  tlv::ExpectWellFormed(payload);
  EXPECT_EQ(tlv::At(payload, {"00"}), "01");
  EXPECT_EQ(tlv::At(payload, {"01"}), "12");
  EXPECT_EQ(tlv::At(payload, {"38", "00"}), "A000000727");
  EXPECT_EQ(tlv::At(payload, {"38", "01", "00"}), "970436");
  EXPECT_EQ(tlv::At(payload, {"38", "01", "01"}), "0011001234567");
  EXPECT_EQ(tlv::At(payload, {"38", "02"}), "QRIBFTTA");
  EXPECT_EQ(tlv::At(payload, {"53"}), "704");
  EXPECT_EQ(tlv::At(payload, {"54"}), "62000");
  EXPECT_EQ(tlv::At(payload, {"58"}), "VN");
  EXPECT_EQ(tlv::At(payload, {"62", "08"}), qr.payment_code());
  // The SVG is a QR code a reader decodes to the same payload.
  ClientResponse svg =
      Send("GET", "/v1/orders/" + order + "/vietqr.svg?provider=vcb", buyer_.token);
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.Header("content-type"), "image/svg+xml");
  std::string svg_path = dir_.Sub("order.svg"), png_path = dir_.Sub("order.png");
  std::ofstream(svg_path) << svg.body;
  bool ok = false;
  RunShell("rsvg-convert --background-color=white -o '" + png_path + "' '" + svg_path + "'", &ok);
  ASSERT_TRUE(ok) << "rsvg-convert (librsvg2-bin) must be installed: scripts/install-deps.sh";
  std::string decoded = RunShell("zbarimg --raw -q '" + png_path + "'", &ok);
  ASSERT_TRUE(ok) << "zbarimg (zbar-tools) could not read the QR code";
  EXPECT_EQ(decoded, payload + "\n");
  // Only the order's buyer; only while it waits for payment; only through a bank.
  EXPECT_EQ(Send("GET", "/v1/orders/" + order + "/vietqr?provider=vcb", NewBuyer().token).status,
            404);
  EXPECT_EQ(Send("GET", "/v1/orders/" + order + "/vietqr", buyer_.token).status, 400);
  EXPECT_EQ(Send("GET", "/v1/orders/" + order + "/vietqr?provider=nope", buyer_.token).status, 404);
  ASSERT_EQ(Act(buyer_, order, "cancel").status, 200);
  EXPECT_EQ(Send("GET", "/v1/orders/" + order + "/vietqr?provider=vcb", buyer_.token).status, 409);
}

TEST_F(StallHttpTest, BankCreditWithTheCodeSplitInLowerCasePaysTheOrder) {
  std::string order = OrderId(buyer_, listing_, 1);
  std::string code =
      ParseJson<v1::Order>(Send("GET", "/v1/orders/" + order, buyer_.token)).payment_code();
  std::string lower;
  for (char c : code) lower.push_back(static_cast<char>(std::tolower(c)));
  std::string memo = "NGUYEN VAN A CHUYEN KHOAN " + lower.substr(0, 2) + " " + lower.substr(2, 4) +
                     " " + lower.substr(6);
  // 61,000 for the same code waits in the exceptions queue; the order stays unpaid.
  EXPECT_EQ(BankCredit(memo, 61'000, "FT24001").status, 204);
  EXPECT_EQ(GetOrder(order).status(), v1::PENDING_PAYMENT);
  auto open = ParseJson<v1::ListExceptionsResponse>(
      Send("GET", "/v1/exceptions?status=OPEN", kOperatorToken));
  ASSERT_EQ(open.exceptions_size(), 1);
  EXPECT_EQ(open.exceptions(0).reason(), "AMOUNT_MISMATCH");
  EXPECT_EQ(open.exceptions(0).amount(), 61'000);
  EXPECT_EQ(BankCredit(memo, 62'000, "FT24002").status, 204);
  EXPECT_EQ(BankCredit(memo, 62'000, "FT24002").status, 204);  // the same bank_txn_id: once
  v1::Order paid = GetOrder(order);
  EXPECT_EQ(paid.status(), v1::PAID);
  EXPECT_EQ(Balance(merchant_).escrow(), 62'000);
  ASSERT_EQ(Act(merchant_, order, "ship").status, 200);
  ASSERT_EQ(Act(buyer_, order, "confirm").status, 200);
  EXPECT_EQ(Balance(merchant_).available(), 62'000 - 620);
}

TEST_F(StallHttpTest, StallRequestIsPaidOnceUnderTwentyConcurrentScans) {
  Deposit(buyer_, 1'000'000);
  v1::PaymentRequest request = NewRequest(25'000);
  tlv::ExpectWellFormed(request.qr_payload());
  EXPECT_EQ(tlv::At(request.qr_payload(), {"27", "01"}), request.code());
  EXPECT_EQ(tlv::At(request.qr_payload(), {"54"}), "25000");
  auto looked_up = ParseJson<v1::PaymentRequest>(
      Send("GET", "/v1/payment-requests/" + request.code(), buyer_.token));
  EXPECT_EQ(looked_up.merchant_name(), "Cô Ba");
  EXPECT_EQ(looked_up.amount(), 25'000);
  EXPECT_EQ(looked_up.status(), "OPEN");
  std::vector<std::thread> scans;
  std::vector<int> statuses(20);
  for (int i = 0; i < 20; ++i) {
    scans.emplace_back([&, i] {
      HttpClient client("127.0.0.1", server_->port());
      statuses[i] = client
                        .Send("POST", "/v1/payment-requests/" + request.code() + "/pay", "{}",
                              {{"Authorization", "Bearer " + buyer_.token},
                               {"Idempotency-Key", "scan-" + std::to_string(i)}})
                        .status;
    });
  }
  for (auto& scan : scans) scan.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), 19);
  EXPECT_EQ(Wallet(buyer_).balance(), 975'000);
  EXPECT_EQ(Balance(merchant_).available(), 24'750);
  ClientResponse again = Send("POST", "/v1/payment-requests/" + request.code() + "/pay",
                              buyer_.token, "{}", "scan-late");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(ErrorCode(again), "ALREADY_PAID");
}

TEST_F(StallHttpTest, ExpiredRequestIs410AndTheStaticQrTakesTypedAmounts) {
  Deposit(buyer_, 100'000);
  v1::PaymentRequest request = NewRequest(25'000);
  AdvanceAndTick(std::chrono::minutes(6));
  ClientResponse late =
      Send("POST", "/v1/payment-requests/" + request.code() + "/pay", buyer_.token, "{}", "late-1");
  EXPECT_EQ(late.status, 410);
  EXPECT_EQ(ErrorCode(late), "EXPIRED");
  auto stall = ParseJson<v1::PaymentRequest>(Send("GET", "/v1/merchant/qr", merchant_.token));
  EXPECT_TRUE(stall.reusable());
  tlv::ExpectWellFormed(stall.qr_payload());
  EXPECT_EQ(tlv::At(stall.qr_payload(), {"54"}), "<absent>");  // the buyer types it
  std::string pay = "/v1/payment-requests/" + stall.code() + "/pay";
  EXPECT_EQ(Send("POST", pay, buyer_.token, R"({"amount":"12000"})", "s-1").status, 201);
  ClientResponse second = Send("POST", pay, buyer_.token, R"({"amount":"30000"})", "s-2");
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(Wallet(buyer_).balance(), 58'000);
  std::string payment = ParseJson<v1::StallPayment>(second).id();
  EXPECT_EQ(Send("POST", "/v1/stall-payments/" + payment + "/refund", merchant_.token,
                 R"({"amount":"10000"})", "r-1")
                .status,
            200);
  EXPECT_EQ(Send("POST", "/v1/stall-payments/" + payment + "/refund", merchant_.token,
                 R"({"amount":"20001"})", "r-2")
                .status,
            422);
  EXPECT_EQ(Wallet(buyer_).balance(), 68'000);
  EXPECT_EQ(Send("GET", "/v1/payment-requests/" + stall.code() + "/qr.svg", "").status, 200);
  EXPECT_EQ(Send("POST", "/v1/payment-requests", buyer_.token, R"({"amount":"1"})").status, 403);
}

// A payment request created under an Idempotency-Key: the retry gets the same request (same
// code, same QR) instead of a second open one; the key with another body is a conflict.
TEST_F(StallHttpTest, ARetriedPaymentRequestUnderAKeyOpensOneQr) {
  Deposit(buyer_, 100'000);
  const std::string body = R"({"amount":"25000","note":"rau"})";
  ClientResponse first = Send("POST", "/v1/payment-requests", merchant_.token, body, "pr-1");
  ASSERT_EQ(first.status, 201) << first.body;
  ClientResponse retry = Send("POST", "/v1/payment-requests", merchant_.token, body, "pr-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  EXPECT_EQ(retry.body, first.body);
  ClientResponse other = Send("POST", "/v1/payment-requests", merchant_.token,
                              R"({"amount":"30000","note":"rau"})", "pr-1");
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(ErrorCode(other), "IDEMPOTENCY_CONFLICT");
  // Without a key, each call opens a request of its own.
  EXPECT_NE(NewRequest(25'000).code(), NewRequest(25'000).code());
  // Paying the request moves the money once.
  std::string code = ParseJson<v1::PaymentRequest>(first).code();
  ASSERT_EQ(
      Send("POST", "/v1/payment-requests/" + code + "/pay", buyer_.token, "{}", "pay-1").status,
      201);
  EXPECT_EQ(
      Send("POST", "/v1/payment-requests/" + code + "/pay", buyer_.token, "{}", "pay-2").status,
      409);
}

}  // namespace stall_test
}  // namespace market4
