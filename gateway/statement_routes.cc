// Statement routes: a merchant's own statement, any merchant's for the operator, and a buyer's
// wallet statement, as protobuf (JSON or binary) or as CSV (`Accept: text/csv` or
// `?format=csv`). The engine decides the period, the lines and their balances; this file reads
// the query and writes the answer.
#include "gateway/csv.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

// The descriptions of the CSV's opening and closing rows.
constexpr char kOpeningText[] = "Số dư đầu kỳ";
constexpr char kClosingText[] = "Số dư cuối kỳ";

// A statement as CSV: header `time,description,amount,balance`, times in the market's local
// time. The first page starts with the opening balance and the last ends with the closing
// balance (at local 00:00:00 of `from` and 23:59:59 of `to`), each with an empty amount.
HttpResponse StatementCsv(const v1::Statement& statement, bool first_page) {
  CsvWriter csv;
  csv.Text("time").Text("description").Text("amount").Text("balance").End();
  if (first_page) {
    csv.Text(statement.from() + "T00:00:00" + statement.utc_offset()).Text(kOpeningText).Text("");
    csv.Number(statement.opening()).End();
  }
  for (const auto& line : statement.lines()) {
    csv.Text(line.local_time()).Text(line.description()).Number(line.amount());
    csv.Number(line.balance()).End();
  }
  if (statement.next_page_token().empty()) {
    csv.Text(statement.to() + "T23:59:59" + statement.utc_offset()).Text(kClosingText).Text("");
    csv.Number(statement.closing()).End();
  }
  HttpResponse response =
      CsvResponse(csv.body(), "statement-" + statement.from() + "_" + statement.to() + ".csv");
  // CSV has no room for it in the body: the next page's token travels in a header.
  if (!statement.next_page_token().empty()) {
    response.headers.emplace_back("Next-Page-Token", statement.next_page_token());
  }
  return response;
}

// The period and page size the query asks for; answers 400 and returns false if they are not
// valid.
bool ReadPeriod(Call& call, const engine::Engine& engine, engine::StatementPeriod* period,
                std::int64_t* limit) {
  std::string format = QueryText(call, "format");
  if (!format.empty() && format != "json" && format != "csv") {
    ReplyError(
        call,
        Status(Code::kInvalidArgument, "format must be json or csv").WithDetail("field", "format"));
    return false;
  }
  if (!QueryNumber(call, "limit", limit)) return false;
  auto read = engine::StatementPeriodOf(QueryText(call, "from"), QueryText(call, "to"),
                                        engine.NowNanos(), engine.utc_offset_minutes());
  if (!read.ok()) {
    ReplyError(call, read.status());
    return false;
  }
  *period = read.value();
  return true;
}

using StatementRead = Result<v1::Statement> (engine::Query::*)(const std::string&,
                                                               const engine::StatementPeriod&,
                                                               std::size_t,
                                                               const std::string&) const;

// Answers with the statement `read` gives for `owner` (a merchant or buyer id).
void AnswerStatement(Call& call, engine::Engine& engine, StatementRead read,
                     const std::string& owner) {
  engine::StatementPeriod period;
  std::int64_t limit = 0;
  if (!ReadPeriod(call, engine, &period, &limit)) return;
  const std::string page_token = QueryText(call, "page_token");
  auto statement = (engine.Read().*read)(owner, period, std::size_t(limit), page_token);
  if (!statement.ok() || !WantsCsv(call.request, QueryText(call, "format"))) {
    return ReplyResult(call, statement);
  }
  Reply(call, StatementCsv(statement.value(), page_token.empty()));
}

void MerchantStatement(Call& call, engine::Engine& engine) {
  AnswerStatement(call, engine, &engine::Query::GetMerchantStatement, call.caller.id);
}

void AnyMerchantStatement(Call& call, engine::Engine& engine) {
  AnswerStatement(call, engine, &engine::Query::GetMerchantStatement, call.path[2]);
}

void WalletStatement(Call& call, engine::Engine& engine) {
  AnswerStatement(call, engine, &engine::Query::GetWalletStatement, call.caller.id);
}

}  // namespace

const std::vector<Route>& StatementRoutes() {
  static const std::vector<Route> routes = {
      {"GET",
       {"v1", "merchant", "statement"},
       kBearer,
       kMerchant,
       MerchantStatement,
       Charge::kRequest,
       Work::kSlow},
      {"GET",
       {"v1", "merchants", "*", "statement"},
       kBearer,
       kOperator,
       AnyMerchantStatement,
       Charge::kRequest,
       Work::kSlow},
      {"GET",
       {"v1", "wallet", "statement"},
       kBearer,
       kBuyer,
       WalletStatement,
       Charge::kRequest,
       Work::kSlow},
  };
  return routes;
}

}  // namespace market4::gateway
