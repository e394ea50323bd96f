// Routes of settlement reconciliation (operators). A provider's settlement file for one
// business day arrives as CSV, the one body allowed more than kMaxBodyBytes (its limit is
// chosen before the body is read: framing.h, BodyLimitFor); it is read here
// (engine/settlement_csv.h) and compared with the ledger by the engine, which stores the
// report. Reports are read back as JSON or protobuf, or their differences as CSV.
#include <google/protobuf/util/time_util.h>

#include "common/business_day.h"
#include "common/crypto.h"
#include "gateway/csv.h"
#include "gateway/routes.h"

namespace market4::gateway {
namespace {

constexpr char kCsvMediaType[] = "text/csv";

// Whether the media type of `content_type` is text/csv, whatever its parameters.
bool IsCsv(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return AsciiEqualsIgnoreCase(media, kCsvMediaType);
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256Digest digest = Sha256(bytes);
  return HexEncode({reinterpret_cast<const char*>(digest.data()), digest.size()});
}

// The command for the call, or nullopt once the call is answered with why not.
std::optional<engine::ReconcileSettlement> CommandOf(Call& call, engine::Engine& engine) {
  if (!IsCsv(call.request.Header("Content-Type"))) {
    Reply(call, ErrorResponse(415, "UNSUPPORTED_MEDIA_TYPE",
                              "a settlement file is sent as Content-Type: text/csv", call.format));
    return std::nullopt;
  }
  engine::ReconcileSettlement command;
  command.caller = call.caller;
  command.provider_id = call.path[2];
  command.date = call.path[4];
  if (!ParseDate(command.date)) {
    ReplyError(call, Status(Code::kInvalidArgument, "the date must be a day written YYYY-MM-DD")
                         .WithDetail("field", "date"));
    return std::nullopt;
  }
  if (!ReadIdempotencyKey(call, false, &command.idempotency_key)) return std::nullopt;
  if (auto provider = engine.Read().GetProvider(command.provider_id); !provider.ok()) {
    ReplyError(call, provider.status());
    return std::nullopt;
  }
  auto file = engine::ParseSettlementCsv(call.request.body);
  if (!file.ok()) {
    Reply(call, ErrorResponse(413, "PAYLOAD_TOO_LARGE", file.status().message(), call.format));
    return std::nullopt;
  }
  command.file = std::move(file).value();
  command.file_sha256 = Sha256Hex(call.request.body);
  return command;
}

void Reconcile(Call& call, engine::Engine& engine) {
  auto command = CommandOf(call, engine);
  if (!command) return;
  command->id = NewId(call, "rc_");
  if (command->id.empty()) return;
  SubmitAndAnswer(call, engine, std::move(*command), 201);
}

void AddDifferences(CsvWriter& csv, const char* kind,
                    const google::protobuf::RepeatedPtrField<v1::ReconciliationDifference>& list,
                    bool file_side, bool ledger_side) {
  for (const v1::ReconciliationDifference& difference : list) {
    csv.Text(kind).Text(difference.provider_txn_id());
    if (difference.line() > 0) {
      csv.Number(difference.line());
    } else {
      csv.Text("");
    }
    csv.Text(difference.type());
    if (file_side) {
      csv.Number(difference.file_amount());
    } else {
      csv.Text("");
    }
    if (ledger_side) {
      csv.Number(difference.ledger_amount());
    } else {
      csv.Text("");
    }
    std::string note = difference.note();
    if (difference.first_line() > 0) {
      note = "first on line " + std::to_string(difference.first_line()) +
             (note.empty() ? "" : "; " + note);
    }
    csv.Text(note).End();
  }
}

// One row per difference: kind,provider_txn_id,line,type,file_amount,ledger_amount,note.
std::string DifferencesCsv(const v1::Reconciliation& report) {
  CsvWriter csv;
  csv.Text("kind").Text("provider_txn_id").Text("line").Text("type");
  csv.Text("file_amount").Text("ledger_amount").Text("note").End();
  AddDifferences(csv, "missing_in_file", report.missing_in_file(), false, true);
  AddDifferences(csv, "missing_in_ledger", report.missing_in_ledger(), true, false);
  AddDifferences(csv, "amount_mismatch", report.amount_mismatches(), true, true);
  AddDifferences(csv, "duplicate", report.duplicates(), true, false);
  for (const v1::MalformedLine& malformed : report.malformed()) {
    csv.Text("malformed").Text("").Number(malformed.line()).Text("").Text("").Text("");
    csv.Text(malformed.error()).End();
  }
  return csv.body();
}

void GetReconciliation(Call& call, engine::Engine& engine) {
  auto report = engine.Read().GetReconciliation(call.path[2]);
  if (!report.ok()) return ReplyError(call, report.status());
  if (!WantsCsv(call.request, QueryText(call, "format"))) {
    return Reply(call, MessageResponse(200, report.value(), call.format));
  }
  Reply(call, CsvResponse(DifferencesCsv(report.value()), report->id() + ".csv"));
}

// The ledger's side of a day as a settlement file (fee 0: the ledger records gross amounts),
// or as JSON.
void ListSettlementEntries(Call& call, engine::Engine& engine) {
  auto day = ParseDate(call.path[4]);
  if (!day) {
    return ReplyError(
        call,
        Status(Code::kInvalidArgument, "the date must be YYYY-MM-DD").WithDetail("field", "date"));
  }
  auto list = engine.Read().ListSettlementEntries(call.path[2], *day, engine.utc_offset_minutes());
  if (!list.ok() || !WantsCsv(call.request, QueryText(call, "format"))) {
    return ReplyResult(call, list);
  }
  CsvWriter csv;
  csv.Text("provider_txn_id").Text("type").Text("amount").Text("fee").Text("time").End();
  for (const v1::SettlementEntry& entry : list.value().entries()) {
    csv.Text(entry.provider_txn_id()).Text(entry.type()).Number(entry.amount()).Number(0);
    csv.Text(google::protobuf::util::TimeUtil::ToString(entry.applied_at())).End();
  }
  Reply(call, CsvResponse(csv.body(), call.path[2] + "-" + call.path[4] + "-ledger.csv"));
}

}  // namespace

const std::vector<Route>& ReconciliationRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "providers", "*", "settlements", "*"}, kBearer, kOperator, Reconcile},
      {"GET",
       {"v1", "providers", "*", "settlements", "*"},
       kBearer,
       kOperator,
       ListSettlementEntries},
      {"GET", {"v1", "reconciliations", "*"}, kBearer, kOperator, GetReconciliation},
  };
  return routes;
}

}  // namespace market4::gateway
