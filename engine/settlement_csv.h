// Settlement files: the CSV a payment provider sends for one business day, one line per
// money-moving transaction, read into rows the engine can match against its ledger. A pure
// parser with no HTTP and no state, so that the gateway, the engine's tests and a fuzzer can
// all call it; any thread.
//
// The format (RFC 4180, read strictly): UTF-8, an optional byte-order mark, the header
// `provider_txn_id,type,amount,fee,time`, then one record per line, each line ending in LF or
// CRLF. Fields may be quoted ("a ""b""" is a "b"); a quoted field may not span lines, so that
// one stray quote spoils one line and every line number stays exact. Blank lines at the end
// are ignored. A line that cannot be read is reported with its number (the header is line 1)
// and a precise error, and takes part in nothing else: a bad line never stops the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace market4::engine {

// The header every settlement file starts with.
inline constexpr char kSettlementHeader[] = "provider_txn_id,type,amount,fee,time";

// A well-formed line.
struct SettlementRow {
  std::uint32_t line = 0;
  std::string provider_txn_id;
  std::string type;          // topup.succeeded, payment.succeeded, payout.succeeded, bank.credit
  std::int64_t amount = 0;   // gross, whole dong, 0..kMaxSettlementAmountDong
  std::int64_t fee = 0;      // whole dong, 0..kMaxSettlementAmountDong
  std::int64_t time_ns = 0;  // when the provider says it happened, ns since the epoch (UTC)
};

// A line that could not be read, and why.
struct SettlementProblem {
  std::uint32_t line = 0;
  std::string error;
};

// What a file holds: its well-formed lines and its malformed ones, each in line order.
struct SettlementFile {
  std::vector<SettlementRow> rows;
  std::vector<SettlementProblem> malformed;
};

// Whether `type` names a money-moving provider transaction a settlement file may list.
bool IsSettlementType(std::string_view type);

// Reads a whole file. Fails (kInvalidArgument with detail "max_rows") only when it holds more
// than kMaxSettlementRows data lines; every other problem is a malformed line.
[[nodiscard]] Result<SettlementFile> ParseSettlementCsv(std::string_view text);

}  // namespace market4::engine
