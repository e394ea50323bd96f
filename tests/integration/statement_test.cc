// Statements over real HTTP: a merchant's, the operator's view of any merchant's, and a buyer's
// wallet statement as JSON and as CSV (paged, with the opening and closing rows), who may read
// whose, and the 400s for bad dates and parameters.
#include "market4/v1/statements.pb.h"
#include "tests/gateway/gateway_fixture.h"

namespace market4 {
namespace statement_test {

class StatementHttpTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    merchant_ = NewMerchant();
    buyer_ = NewBuyer("Nguyễn Văn A");
    Deposit(buyer_, 100'000);
    std::string listing = NewListing(merchant_, 40'000, 10, "Cá rô");
    order_ = OrderId(buyer_, listing, 1);
    EXPECT_EQ(Act(buyer_, order_, "pay").status, 200);
    EXPECT_EQ(Act(merchant_, order_, "ship").status, 200);
    EXPECT_EQ(Act(buyer_, order_, "confirm").status, 200);
    EXPECT_EQ(Act(merchant_, order_, "refund", R"({"amount":"5000"})").status, 200);
    code_ = GetOrder(order_).payment_code();
  }

  ClientResponse Get(const std::string& target, const std::string& token,
                     const std::string& accept = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!accept.empty()) headers["Accept"] = accept;
    return client_->Send("GET", target, "", headers);
  }

  std::string DetailField(const ClientResponse& r) {
    auto error = ParseJson<v1::Error>(r);
    auto it = error.details().find("field");
    return it == error.details().end() ? "" : it->second;
  }

  Principal merchant_, buyer_;
  std::string order_, code_;
};

TEST_F(StatementHttpTest, JsonStatementsForMerchantOperatorAndBuyer) {
  // The manual clock stands at 07:00 on 2026-01-01, local time: today by default.
  ClientResponse mine = Get("/v1/merchant/statement", merchant_.token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_NE(mine.body.find(R"("opening":"0")"), std::string::npos) << mine.body;
  EXPECT_NE(mine.body.find(R"("closing":"34600")"), std::string::npos) << mine.body;
  auto statement = ParseJson<v1::Statement>(mine);
  EXPECT_EQ(statement.from(), "2026-01-01");
  EXPECT_EQ(statement.to(), "2026-01-01");
  EXPECT_EQ(statement.account_id(), merchant_.id + ".available");
  ASSERT_EQ(statement.lines_size(), 2);
  EXPECT_EQ(statement.lines(0).description(), "Đơn hàng #" + code_ + " – Nguyễn Văn A");
  EXPECT_EQ(statement.lines(0).amount(), 39'600);
  EXPECT_EQ(statement.lines(0).balance(), 39'600);
  EXPECT_EQ(statement.lines(0).order_id(), order_);
  EXPECT_EQ(statement.lines(0).local_time(), "2026-01-01T07:00:00+07:00");
  EXPECT_EQ(statement.lines(1).description(), "Hoàn tiền đơn #" + code_);
  EXPECT_EQ(statement.lines(1).amount(), -5'000);
  EXPECT_EQ(statement.lines(1).balance(), 34'600);
  // The operator reads the same statement by the merchant's id.
  ClientResponse operators =
      Get("/v1/merchants/" + merchant_.id + "/statement?from=2026-01-01&to=2026-01-01&format=json",
          kOperatorToken);
  ASSERT_EQ(operators.status, 200) << operators.body;
  EXPECT_EQ(operators.body, mine.body);
  // The buyer's wallet: the deposit, the order's payment (posted on confirmation), the refund.
  ClientResponse wallet = Get("/v1/wallet/statement?from=2025-12-31", buyer_.token);
  ASSERT_EQ(wallet.status, 200) << wallet.body;
  auto wallet_statement = ParseJson<v1::Statement>(wallet);
  ASSERT_EQ(wallet_statement.lines_size(), 3);
  EXPECT_EQ(wallet_statement.lines(0).description(), "Nạp tiền mặt tại quầy");
  EXPECT_EQ(wallet_statement.lines(1).description(), "Thanh toán đơn #" + code_ + " – Cô Ba");
  EXPECT_EQ(wallet_statement.lines(1).amount(), -40'000);
  EXPECT_EQ(wallet_statement.lines(2).amount(), 5'000);
  EXPECT_EQ(wallet_statement.closing(), Wallet(buyer_).balance());
  // Another merchant sees its own, empty statement.
  auto other = ParseJson<v1::Statement>(Get("/v1/merchant/statement", NewMerchant().token));
  EXPECT_EQ(other.lines_size(), 0);
  EXPECT_EQ(other.closing(), 0);
}

TEST_F(StatementHttpTest, CsvHasOpeningLinesAndClosingInLocalTime) {
  const std::string expected =
      "time,description,amount,balance\r\n"
      "2026-01-01T00:00:00+07:00,Số dư đầu kỳ,,0\r\n"
      "2026-01-01T07:00:00+07:00,Đơn hàng #" +
      code_ +
      " – Nguyễn Văn A,39600,39600\r\n"
      "2026-01-01T07:00:00+07:00,Hoàn tiền đơn #" +
      code_ +
      ",-5000,34600\r\n"
      "2026-01-01T23:59:59+07:00,Số dư cuối kỳ,,34600\r\n";
  ClientResponse by_accept =
      Get("/v1/merchant/statement?from=2026-01-01", merchant_.token, "text/csv");
  ASSERT_EQ(by_accept.status, 200) << by_accept.body;
  EXPECT_EQ(by_accept.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(by_accept.Header("content-disposition"),
            "attachment; filename=\"statement-2026-01-01_2026-01-01.csv\"");
  EXPECT_EQ(by_accept.body, expected);
  ClientResponse by_query = Get("/v1/merchant/statement?format=csv", merchant_.token);
  EXPECT_EQ(by_query.body, expected);
  // One line a page: the opening row on the first page, the closing row on the last.
  ClientResponse first = Get("/v1/merchant/statement?format=csv&limit=1", merchant_.token);
  ASSERT_EQ(first.status, 200) << first.body;
  std::string token = first.Header("next-page-token");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(first.body.find("Số dư cuối kỳ"), std::string::npos);
  ClientResponse second =
      Get("/v1/merchant/statement?format=csv&limit=1&page_token=" + token, merchant_.token);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.Header("next-page-token"), "");
  EXPECT_EQ(second.body.find("Số dư đầu kỳ"), std::string::npos);
  const std::string header = "time,description,amount,balance\r\n";
  EXPECT_EQ(first.body + second.body.substr(header.size()), expected);
}

TEST_F(StatementHttpTest, EachCallerReadsOnlyWhatIsTheirs) {
  Principal other = NewMerchant("Chị Năm");
  const std::string operator_route = "/v1/merchants/" + merchant_.id + "/statement";
  EXPECT_EQ(Get("/v1/merchant/statement", "").status, 401);
  EXPECT_EQ(Get("/v1/merchant/statement", "not-a-token").status, 401);
  EXPECT_EQ(Get("/v1/merchant/statement", buyer_.token).status, 403);
  EXPECT_EQ(Get("/v1/merchant/statement", kOperatorToken).status, 403);
  EXPECT_EQ(Get("/v1/wallet/statement", merchant_.token).status, 403);
  EXPECT_EQ(Get("/v1/wallet/statement", kOperatorToken).status, 403);
  // Only the operator reads a merchant's statement by id: not the buyer, not another merchant,
  // not even the merchant itself (it has its own route).
  EXPECT_EQ(Get(operator_route, buyer_.token).status, 403);
  EXPECT_EQ(Get(operator_route, other.token).status, 403);
  EXPECT_EQ(Get(operator_route, merchant_.token).status, 403);
  ClientResponse missing = Get("/v1/merchants/m_nope/statement", kOperatorToken);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "NOT_FOUND");
  // A buyer id is not a merchant.
  EXPECT_EQ(Get("/v1/merchants/" + buyer_.id + "/statement", kOperatorToken).status, 404);
  EXPECT_EQ(Get("/v1/merchant/statement", merchant_.token).status, 200);
  EXPECT_EQ(Get(operator_route, kOperatorToken).status, 200);
}

TEST_F(StatementHttpTest, BadDatesAndParametersAre400) {
  struct Bad {
    std::string query;
    std::string field;
  };
  for (const Bad& bad :
       {Bad{"from=2026-13-01", "from"}, Bad{"from=2026-02-29", "from"}, Bad{"to=yesterday", "to"},
        Bad{"from=2026-1-1", "from"}, Bad{"from=2026-01-02&to=2026-01-01", "from"},
        Bad{"from=2025-01-01&to=2026-01-02", "to"}, Bad{"format=xml", "format"},
        Bad{"limit=abc", "limit"}, Bad{"limit=1001", "limit"},
        Bad{"page_token=g0000", "page_token"}}) {
    ClientResponse r = Get("/v1/merchant/statement?" + bad.query, merchant_.token);
    EXPECT_EQ(r.status, 400) << bad.query << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), "INVALID_ARGUMENT") << bad.query;
    EXPECT_EQ(DetailField(r), bad.field) << bad.query;
  }
  // Errors stay JSON when CSV was asked for.
  ClientResponse csv = Get("/v1/wallet/statement?from=2026-02-30&format=csv", buyer_.token);
  EXPECT_EQ(csv.status, 400);
  EXPECT_EQ(ErrorCode(csv), "INVALID_ARGUMENT");
  // The longest period allowed is 366 days.
  EXPECT_EQ(Get("/v1/wallet/statement?from=2025-01-01&to=2026-01-01", buyer_.token).status, 200);
}

}  // namespace statement_test
}  // namespace market4
