// Fuzzes the settlement CSV reader (engine/settlement_csv.h) with whole files. Asserts: the
// file is refused only for having more than kMaxSettlementRows data lines; otherwise every
// line (the header is line 1, blank lines at the end aside) is either one row or one malformed
// line, each list in line order, and every error is non-empty valid UTF-8 (it is shown in
// JSON reports). An accepted row says exactly what its line says, read here with a splitter
// of its own: the provider_txn_id (1..kMaxProviderTxnIdBytes bytes, no control character) and
// the type as written, one of the settlement types; amount and fee the written whole numbers
// in 0..kMaxSettlementAmountDong; time_ns the very instant the time field names.
//
// Input: the file.
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.h"
#include "engine/settlement_csv.h"
#include "engine/text.h"
#include "fuzz/fuzz_input.h"

namespace market4::fuzz {
namespace {

using engine::SettlementFile;
using engine::SettlementRow;

// The file's lines without line ends (and without a first byte-order mark), trailing blank
// lines dropped.
std::vector<std::string_view> Lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// RFC 4180 fields of one line; nullopt if the line is not a sequence of such fields.
std::optional<std::vector<std::string>> Fields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  bool closed = false;  // the current field's closing quote was read
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = false;
        closed = true;
      }
    } else if (c == ',') {
      fields.emplace_back();
      closed = false;
    } else if (c == '"' && fields.back().empty() && !closed) {
      quoted = true;
    } else if (c == '"' || closed) {
      return std::nullopt;
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  return fields;
}

// The whole number `text` writes, if it is digits only and at most `max`.
std::optional<std::int64_t> WholeNumber(std::string_view text, std::int64_t max) {
  if (text.empty()) return std::nullopt;
  __int128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > max) return std::nullopt;
  }
  return static_cast<std::int64_t>(value);
}

void CheckRow(const SettlementRow& row, std::string_view line) {
  std::string where = "line " + std::to_string(row.line) + ": " + std::string(line);
  auto fields = Fields(line);
  Require(fields && fields->size() == 5, "an accepted line is five RFC 4180 fields", where);
  const std::vector<std::string>& f = *fields;
  Require(row.provider_txn_id == f[0] && !f[0].empty() && f[0].size() <= kMaxProviderTxnIdBytes,
          "provider_txn_id is the first field, 1..kMaxProviderTxnIdBytes bytes", where);
  for (char c : f[0]) {
    Require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "no control character", where);
  }
  Require(row.type == f[1] && engine::IsSettlementType(f[1]), "type is a settlement type", where);
  Require(WholeNumber(f[2], kMaxSettlementAmountDong) == row.amount,
          "amount is the written whole number, 0..kMaxSettlementAmountDong", where);
  Require(WholeNumber(f[3], kMaxSettlementAmountDong) == row.fee,
          "fee is the written whole number, 0..kMaxSettlementAmountDong", where);
  google::protobuf::Timestamp time;
  Require(google::protobuf::util::TimeUtil::FromString(f[4], &time), "time is RFC 3339", where);
  __int128 nanos = static_cast<__int128>(time.seconds()) * 1'000'000'000 + time.nanos();
  Require(nanos == row.time_ns, "time_ns is the instant the time field names", where);
}

void CheckFile(std::string_view text, const SettlementFile& file) {
  std::vector<std::string_view> lines = Lines(text);
  std::vector<int> seen(lines.size() + 1, 0);  // by line number
  std::uint32_t last = 0;
  for (const SettlementRow& row : file.rows) {
    Require(row.line > last && row.line >= 2 && row.line <= lines.size(),
            "rows are data lines, in line order");
    last = row.line;
    ++seen[row.line];
    CheckRow(row, lines[row.line - 1]);
  }
  last = 0;
  for (const engine::SettlementProblem& problem : file.malformed) {
    Require(problem.line > last && problem.line >= 1 &&
                problem.line <= std::max<std::size_t>(lines.size(), 1),
            "malformed lines are lines of the file, in line order");
    last = problem.line;
    if (problem.line < seen.size()) ++seen[problem.line];
    Require(!problem.error.empty() && engine::IsValidUtf8(problem.error),
            "an error is non-empty valid UTF-8", problem.error);
  }
  for (std::size_t line = 2; line < seen.size(); ++line) {
    Require(seen[line] == 1, "every data line is a row or a malformed line, once",
            std::to_string(line));
  }
}

}  // namespace
}  // namespace market4::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace market4::fuzz;  // NOLINT: the target's own helpers
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = market4::engine::ParseSettlementCsv(text);
  if (!file.ok()) {
    Require(file.status().code() == market4::Code::kInvalidArgument &&
                file.status().details().count("max_rows") == 1 &&
                Lines(text).size() - 1 > market4::kMaxSettlementRows,
            "a file is refused only for too many lines", file.status().ToString());
    return 0;
  }
  CheckFile(text, file.value());
  return 0;
}
