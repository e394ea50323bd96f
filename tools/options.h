// DaemonOptions: every setting of market4d, and ParseDaemonOptions, which fills them from the
// command line, MARKET4_<OPTION> environment variables and an optional --config file. It lives
// outside main so that tests can reach it: it never prints and never exits, it only returns
// what main should print and the status to exit with. Any thread; it reads the environment.
#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/business_day.h"
#include "common/limits.h"
#include "engine/engine.h"
#include "gateway/limits.h"
#include "gateway/server.h"

namespace market4::tools {

// Ranges the daemon accepts; --help states them and a value outside is refused.
inline constexpr int kMaxThreads = 64;
inline constexpr std::int64_t kMaxConnections = 1'000'000;
inline constexpr std::int64_t kMaxTimeoutMs = 3'600'000;  // one hour
inline constexpr std::int64_t kMaxBatchCommands = 100'000;
inline constexpr std::int64_t kMaxCommissionBps = kBasisPointsPerWhole;  // 100 %
inline constexpr std::int64_t kMaxPayTimeoutMinutes = kMaxPayTimeout.count() / 60;
inline constexpr std::int64_t kMaxAutoConfirmDays = kMaxAutoConfirm.count() / (24 * 3600);

// Prefix of the environment variable of each option: --commission-bps is read from
// MARKET4_COMMISSION_BPS. MARKET4_ADMIN_TOKEN is the operator token, not an option.
inline constexpr char kEnvironmentPrefix[] = "MARKET4_";

struct DaemonOptions {
  // Where the RocksDB ledger (DIR/ledger) and admin.token live. Default: ./data.
  std::string data_dir = "./data";
  // HTTP listener: host, port, I/O threads, connection cap and timeouts.
  // Default: gateway::ServerOptions{} (127.0.0.1:8080, 2 threads).
  gateway::ServerOptions server;
  // Most commands applied in one durable batch. Default: kDefaultMaxBatchCommands.
  std::size_t max_batch = kDefaultMaxBatchCommands;
  // Commission, payment timeout, auto-confirm delay and unpaid-order limits. Default:
  // engine::MarketOptions{} (100 bps, 30 minutes, 7 days, 5 orders, 5,000,000 dong).
  engine::MarketOptions market;
  // Abuse limits. Default: gateway::LimitOptions{}.
  gateway::LimitOptions limits;
  // The market's offset from UTC, for business days and the daily close. Default: +07:00.
  int utc_offset_minutes = kDefaultUtcOffsetMinutes;
  // Least severe log message printed. Default: info.
  spdlog::level::level_enum log_level = spdlog::level::info;
  // Serve the web console from this directory, read at each request, instead of the copy
  // built into the binary (development). Default: "" (the built-in copy).
  std::string console_dir = {};
};

// What main should do after parsing.
inline constexpr int kParseContinue = -1;
struct ParseOutcome {
  // kParseContinue: serve with the parsed options; otherwise exit with this status
  // (0 after --help, 2 after a bad command line, environment variable or config file).
  int exit_code = kParseContinue;
  // For stdout: the help text.
  std::string out;
  // For stderr: one line naming the offending option, then a hint to run --help.
  std::string err;
};

// Reads argv (argv[0] is the program), the environment and the --config file, in that order
// of precedence, over the defaults already in *options. *options changes only when the
// outcome is kParseContinue.
ParseOutcome ParseDaemonOptions(int argc, const char* const* argv, DaemonOptions* options);

}  // namespace market4::tools
