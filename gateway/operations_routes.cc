// Routes of the operators' day: named operators (created and disabled by the admin token),
// held corrections and their four-eyes decisions, the daily close (maker and checker) with
// its report in JSON or CSV, and the ledger's verification.
#include "common/business_day.h"
#include "gateway/csv.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

void CreateOperator(Call& call, engine::Engine& engine) {
  engine::CreateOperator command;
  command.caller = call.caller;
  CreatePrincipal<v1::CreateOperatorResponse>(call, engine, std::move(command), "op_", "",
                                              &v1::CreateOperatorResponse::mutable_operator_);
}

void ListOperators(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListOperators(std::size_t(limit), QueryText(call, "page_token")));
}

void DisableOperator(Call& call, engine::Engine& engine) {
  v1::DisableOperatorRequest request;
  if (!DecodeBody(call, &request)) return;
  SubmitAndAnswer(call, engine, engine::DisableOperator{call.caller, call.path[2]}, 200);
}

void ListApprovals(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  v1::ApprovalStatus status = v1::APPROVAL_STATUS_UNSPECIFIED;
  std::string text = QueryText(call, "status");
  if (!text.empty() && !v1::ApprovalStatus_Parse(text, &status)) {
    return ReplyError(
        call, Status(Code::kInvalidArgument, "unknown status").WithDetail("field", "status"));
  }
  ReplyResult(
      call, engine.Read().ListApprovals(status, std::size_t(limit), QueryText(call, "page_token")));
}

void GetApproval(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().GetApproval(call.path[2]));
}

void DecideApproval(Call& call, engine::Engine& engine, bool approve) {
  v1::DecideApprovalRequest request;
  if (!DecodeBody(call, &request)) return;
  SubmitAndAnswer(call, engine, engine::DecideApproval{call.caller, call.path[2], approve}, 200);
}

void Approve(Call& call, engine::Engine& engine) { DecideApproval(call, engine, true); }
void Reject(Call& call, engine::Engine& engine) { DecideApproval(call, engine, false); }

// The {date} segment as a day number; answers 400 and returns nullopt if it is no date.
std::optional<std::int64_t> PathDate(Call& call) {
  auto day = ParseDate(call.path[2]);
  if (!day) {
    ReplyError(
        call,
        Status(Code::kInvalidArgument, "the date must be YYYY-MM-DD").WithDetail("field", "date"));
  }
  return day;
}

void CloseDay(Call& call, engine::Engine& engine) {
  v1::CloseDayRequest request;
  auto day = PathDate(call);
  if (!day || !DecodeBody(call, &request)) return;
  engine.Submit<engine::CloseDay>(
      engine::CloseDay{call.caller, *day},
      [respond = call.respond, format = call.format](engine::Answer<v1::DayClose> a) {
        if (!a.ok()) return respond(ErrorResponse(a.status, format));
        // A repeated close returns the stored one: 200, not a new 201.
        HttpResponse response = MessageResponse(a.replayed ? 200 : 201, a.value, format);
        if (a.replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
        respond(std::move(response));
      });
}

void ApproveDay(Call& call, engine::Engine& engine) {
  v1::ApproveDayRequest request;
  auto day = PathDate(call);
  if (!day || !DecodeBody(call, &request)) return;
  SubmitAndAnswer(call, engine, engine::ApproveDay{call.caller, *day}, 200);
}

std::string ReportCsv(const v1::DayReport& report) {
  CsvWriter csv;
  csv.Text("account_id").Text("opening").Text("debits").Text("credits").Text("closing").End();
  for (const auto& a : report.accounts()) {
    csv.Text(a.account_id()).Number(a.opening()).Number(a.debits()).Number(a.credits());
    csv.Number(a.closing()).End();
  }
  return csv.body();
}

void GetDayReport(Call& call, engine::Engine& engine) {
  auto day = PathDate(call);
  if (!day) return;
  auto report = engine.Read().GetDayReport(*day, engine.utc_offset_minutes(), engine.NowNanos());
  if (!report.ok() || !WantsCsv(call.request, QueryText(call, "format"))) {
    return ReplyResult(call, report);
  }
  Reply(call, CsvResponse(ReportCsv(report.value()), "market4-day-" + call.path[2] + ".csv"));
}

void ListDays(Call& call, engine::Engine& engine) {
  std::int64_t limit = 0;
  if (!QueryNumber(call, "limit", &limit)) return;
  ReplyResult(call, engine.Read().ListDays(std::size_t(limit), QueryText(call, "page_token")));
}

void VerifyLedger(Call& call, engine::Engine& engine) {
  ReplyResult(call, engine.Read().VerifyLedger());
}

}  // namespace

const std::vector<Route>& OperationsRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "operators"}, kBearer, kAdmin, CreateOperator},
      {"GET", {"v1", "operators"}, kBearer, kOperator, ListOperators},
      {"POST", {"v1", "operators", "*", "disable"}, kBearer, kAdmin, DisableOperator},
      {"GET", {"v1", "approvals"}, kBearer, kOperator, ListApprovals},
      {"GET", {"v1", "approvals", "*"}, kBearer, kOperator, GetApproval},
      {"POST", {"v1", "approvals", "*", "approve"}, kBearer, kOperator, Approve},
      {"POST", {"v1", "approvals", "*", "reject"}, kBearer, kOperator, Reject},
      {"GET", {"v1", "days"}, kBearer, kOperator, ListDays},
      {"POST", {"v1", "days", "*", "close"}, kBearer, kOperator, CloseDay},
      {"POST", {"v1", "days", "*", "approve"}, kBearer, kOperator, ApproveDay},
      {"GET",
       {"v1", "days", "*", "report"},
       kBearer,
       kOperator,
       GetDayReport,
       Charge::kRequest,
       Work::kSlow},
      {"GET",
       {"v1", "ledger", "verify"},
       kBearer,
       kOperator,
       VerifyLedger,
       Charge::kRequest,
       Work::kSlow},
  };
  return routes;
}

}  // namespace market4::gateway
