// Settlement reconciliation over real HTTP: a settlement CSV uploaded by an operator, the
// stored report read back as JSON and as CSV, the larger body limit of this route alone, and
// who may upload what.
#include "common/limits.h"
#include "engine/command.h"
#include "market4/v1/reconciliation.pb.h"
#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace reconciliation_test {

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kHeader[] = "provider_txn_id,type,amount,fee,time\r\n";
constexpr char kUpload[] = "/v1/providers/momo/settlements/2026-01-01";

std::string Line(const std::string& txn, std::int64_t amount) {
  return txn + ",topup.succeeded," + std::to_string(amount) + ",0,2026-01-01T09:00:00+07:00\r\n";
}

class ReconciliationHttpTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    ClientResponse r =
        Send("POST", "/v1/providers", kOperatorToken,
             R"({"id":"momo","name":"MoMo","scheme":"STANDARD_WEBHOOKS","secrets":[")" +
                 std::string(kSecret) + R"("]})");
    ASSERT_EQ(r.status, 201) << r.body;
    buyer_ = NewBuyer();
    merchant_ = NewMerchant();
    // Two top-ups settled by momo today (the clock starts at 07:00 local on 2026-01-01).
    TopUp("T1", 100'000);
    TopUp("T2", 50'000);
  }

  void TopUp(const std::string& txn, std::int64_t amount) {
    ClientResponse r =
        Send("POST", "/v1/wallet/topups", buyer_.token,
             R"({"provider":"momo","amount":")" + std::to_string(amount) + R"("})", "topup-" + txn);
    ASSERT_EQ(r.status, 201) << r.body;
    engine::ReceiveProviderEvent event;
    event.event.set_id("ev_" + txn);
    event.exception_id = "ex_" + txn;
    event.event.set_provider("momo");
    event.event.set_delivery_id("msg_" + txn);
    event.event.set_type("topup.succeeded");
    event.event.set_reference(ParseJson<v1::TopUp>(r).id());
    event.event.set_amount(amount);
    event.event.set_provider_txn_id(txn);
    ASSERT_EQ(engine_->Execute(event).value.outcome(), v1::APPLIED);
  }

  ClientResponse Upload(const std::string& body, const std::string& token = kOperatorToken,
                        const std::string& target = kUpload,
                        const std::string& content_type = "text/csv; charset=utf-8",
                        const std::string& key = "") {
    std::map<std::string, std::string> headers{{"Content-Type", content_type}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return client_->Send("POST", target, body, headers);
  }

  ClientResponse Get(const std::string& target, const std::string& accept = "") {
    std::map<std::string, std::string> headers{
        {"Authorization", std::string("Bearer ") + kOperatorToken}};
    if (!accept.empty()) headers["Accept"] = accept;
    return client_->Send("GET", target, "", headers);
  }

  Principal buyer_, merchant_;
};

TEST_F(ReconciliationHttpTest, UploadReadBackAsJsonAndAsCsv) {
  std::string file = std::string("\xEF\xBB\xBF") + kHeader + Line("T1", 100'000) +
                     Line("T9", 7'000) + Line("T1", 100'000) + "T8,topup.succeeded,-1,0,x\r\n";
  ClientResponse r = Upload(file);
  ASSERT_EQ(r.status, 201) << r.body;
  auto report = ParseJson<v1::Reconciliation>(r);
  EXPECT_EQ(report.id().rfind("rc_", 0), 0u);
  EXPECT_EQ(report.provider(), "momo");
  EXPECT_EQ(report.date(), "2026-01-01");
  EXPECT_EQ(report.matched().count(), 1u);
  EXPECT_EQ(report.matched().amount(), 100'000);
  ASSERT_EQ(report.missing_in_file_size(), 1);
  EXPECT_EQ(report.missing_in_file(0).provider_txn_id(), "T2");
  ASSERT_EQ(report.missing_in_ledger_size(), 1);
  EXPECT_EQ(report.missing_in_ledger(0).line(), 3u);
  ASSERT_EQ(report.duplicates_size(), 1);
  EXPECT_EQ(report.duplicates(0).line(), 4u);
  ASSERT_EQ(report.malformed_size(), 1);
  EXPECT_EQ(report.malformed(0).line(), 5u);
  EXPECT_EQ(report.file_total(), 207'000);
  EXPECT_EQ(report.ledger_total(), 150'000);
  EXPECT_NE(r.body.find(R"("missing_in_file":[)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("file_total":"207000")"), std::string::npos) << r.body;

  ClientResponse got = Get("/v1/reconciliations/" + report.id());
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(ParseJson<v1::Reconciliation>(got).SerializeAsString(), report.SerializeAsString());

  const std::string csv =
      "kind,provider_txn_id,line,type,file_amount,ledger_amount,note\r\n"
      "missing_in_file,T2,,topup.succeeded,,50000,\r\n"
      "missing_in_ledger,T9,3,topup.succeeded,7000,,\r\n"
      "duplicate,T1,4,topup.succeeded,100000,,first on line 2\r\n"
      "malformed,,5,,,,\"amount must not be negative: \"\"-1\"\"\"\r\n";
  ClientResponse as_csv = Get("/v1/reconciliations/" + report.id(), "text/csv");
  ASSERT_EQ(as_csv.status, 200) << as_csv.body;
  EXPECT_EQ(as_csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(as_csv.body, csv);
  EXPECT_EQ(Get("/v1/reconciliations/" + report.id() + "?format=csv").body, csv);
  EXPECT_EQ(Get("/v1/reconciliations/rc_missing").status, 404);
}

TEST_F(ReconciliationHttpTest, LargeBodiesOnThisRouteOnly) {
  std::string file = kHeader + Line("T1", 100'000) + Line("T2", 50'000);
  for (int i = 0; file.size() <= 4 * kMaxBodyBytes; ++i) {
    file += Line("X" + std::to_string(i), 1);
  }
  ClientResponse r = Upload(file);
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 300);
  auto report = ParseJson<v1::Reconciliation>(r);
  EXPECT_EQ(report.matched().count(), 2u);
  EXPECT_GT(report.missing_in_ledger_size(), 1000);
  // The same body anywhere else is too large.
  HttpClient other("127.0.0.1", server_->port());
  ClientResponse elsewhere = other.Send(
      "POST", "/v1/merchants", file,
      {{"Authorization", std::string("Bearer ") + kOperatorToken}, {"Content-Type", "text/csv"}});
  EXPECT_EQ(elsewhere.status, 413) << elsewhere.body;
  // This route's own limit is announced before any byte of the body is read.
  HttpClient raw("127.0.0.1", server_->port());
  ClientResponse too_large = raw.SendRaw(
      std::string("POST ") + kUpload + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n" +
      "Authorization: Bearer " + kOperatorToken +
      "\r\nContent-Length: " + std::to_string(kMaxSettlementBodyBytes + 1) + "\r\n\r\n");
  EXPECT_EQ(too_large.status, 413) << too_large.body;
  EXPECT_NE(too_large.body.find(std::to_string(kMaxSettlementBodyBytes)), std::string::npos);
}

TEST_F(ReconciliationHttpTest, TooManyRowsIsRefusedWhole) {
  std::string file = kHeader;
  std::string line = "X,bank.credit,1,0,2026-01-01T09:00:00Z\n";
  for (std::size_t i = 0; i <= kMaxSettlementRows; ++i) file += line;
  ASSERT_LT(file.size(), kMaxSettlementBodyBytes);
  ClientResponse r = Upload(file);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(ErrorCode(r), "PAYLOAD_TOO_LARGE");
}

TEST_F(ReconciliationHttpTest, WhoMayUploadWhatAndHow) {
  std::string file = kHeader + Line("T1", 100'000);
  EXPECT_EQ(Upload(file, merchant_.token).status, 403);
  EXPECT_EQ(Upload(file, buyer_.token).status, 403);
  EXPECT_EQ(Upload(file, "").status, 401);
  ClientResponse json = Upload(file, kOperatorToken, kUpload, "application/json");
  EXPECT_EQ(json.status, 415) << json.body;
  EXPECT_EQ(ErrorCode(json), "UNSUPPORTED_MEDIA_TYPE");
  ClientResponse unknown =
      Upload(file, kOperatorToken, "/v1/providers/zalopay/settlements/2026-01-01");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  for (std::string date : {"2026-13-01", "2026-1-01", "yesterday"}) {
    ClientResponse bad = Upload(file, kOperatorToken, "/v1/providers/momo/settlements/" + date);
    EXPECT_EQ(bad.status, 400) << date << " " << bad.body;
  }
  // Reports are the operators'.
  ClientResponse made = Upload(file);
  ASSERT_EQ(made.status, 201);
  std::string id = ParseJson<v1::Reconciliation>(made).id();
  EXPECT_EQ(Send("GET", "/v1/reconciliations/" + id, merchant_.token).status, 403);
  EXPECT_EQ(Send("GET", "/v1/reconciliations/" + id, "").status, 401);
}

TEST_F(ReconciliationHttpTest, AnIdempotencyKeyReplaysTheSameFilesReport) {
  std::string file = kHeader + Line("T1", 100'000);
  ClientResponse first = Upload(file, kOperatorToken, kUpload, "text/csv", "settle-1");
  ASSERT_EQ(first.status, 201) << first.body;
  ClientResponse again = Upload(file, kOperatorToken, kUpload, "text/csv", "settle-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(again.body, first.body);
  ClientResponse other =
      Upload(file + Line("T2", 50'000), kOperatorToken, kUpload, "text/csv", "settle-1");
  EXPECT_EQ(other.status, 422) << other.body;
  ClientResponse fresh = Upload(file);
  EXPECT_NE(ParseJson<v1::Reconciliation>(fresh).id(), ParseJson<v1::Reconciliation>(first).id());
}

}  // namespace reconciliation_test
}  // namespace market4
