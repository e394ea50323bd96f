// market4d's options without a process: each flag lands in its field with its unit, every
// bad value is refused with exit status 2 and a message naming the flag, and the environment
// and a --config file fill in what the command line leaves out (flag > environment > file).
#include "tools/options.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace market4::tools {
namespace options_test {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::vector<std::string> kFlags = {"--data-dir",
                                         "--listen",
                                         "--threads",
                                         "--max-connections",
                                         "--max-connections-per-address",
                                         "--read-timeout-ms",
                                         "--idle-timeout-ms",
                                         "--max-batch",
                                         "--commission-bps",
                                         "--pay-timeout-minutes",
                                         "--auto-confirm-days",
                                         "--log-level",
                                         "--config",
                                         "--help"};

// The environment variable of every option; cleared around each test so that the machine's
// environment cannot leak in, and restored afterwards.
const std::vector<std::string> kEnvironment = {
    "MARKET4_DATA_DIR",          "MARKET4_LISTEN",          "MARKET4_THREADS",
    "MARKET4_MAX_CONNECTIONS",   "MARKET4_READ_TIMEOUT_MS", "MARKET4_IDLE_TIMEOUT_MS",
    "MARKET4_MAX_BATCH",         "MARKET4_COMMISSION_BPS",  "MARKET4_PAY_TIMEOUT_MINUTES",
    "MARKET4_AUTO_CONFIRM_DAYS", "MARKET4_LOG_LEVEL",       "MARKET4_CONFIG",
    "MARKET4_ADMIN_TOKEN"};

class OptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& name : kEnvironment) {
      if (const char* value = std::getenv(name.c_str())) saved_[name] = value;
      ::unsetenv(name.c_str());
    }
  }
  void TearDown() override {
    for (const auto& name : kEnvironment) {
      auto it = saved_.find(name);
      if (it == saved_.end()) {
        ::unsetenv(name.c_str());
      } else {
        ::setenv(name.c_str(), it->second.c_str(), 1);
      }
    }
  }

  static void SetEnv(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }

  // Parses market4d `arguments` into options_.
  ParseOutcome Parse(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "market4d");
    std::vector<const char*> argv;
    for (const auto& a : arguments) argv.push_back(a.c_str());
    return ParseDaemonOptions(static_cast<int>(argv.size()), argv.data(), &options_);
  }

  // Parses, expecting success.
  const DaemonOptions& Parsed(std::vector<std::string> arguments) {
    ParseOutcome outcome = Parse(std::move(arguments));
    EXPECT_EQ(outcome.exit_code, kParseContinue) << outcome.err;
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(outcome.err, "");
    return options_;
  }

  // Parses, expecting a usage error that names `flag`; the options must not change.
  void Refused(std::vector<std::string> arguments, const std::string& flag) {
    std::string shown;
    for (const auto& a : arguments) shown += a + " ";
    SCOPED_TRACE(shown);
    std::string before = Describe(options_);
    ParseOutcome outcome = Parse(std::move(arguments));
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.out, "");
    EXPECT_NE(outcome.err.find(flag), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("market4d --help"), std::string::npos) << outcome.err;
    EXPECT_EQ(Count(outcome.err, '\n'), 2) << "one line and the hint: " << outcome.err;
    EXPECT_EQ(Describe(options_), before) << "options changed on failure";
  }

  std::string WriteConfig(const std::string& text) {
    std::string path = dir_.Sub("market4d.toml");
    std::ofstream(path) << text;
    return path;
  }

  static int Count(const std::string& text, char c) {
    return static_cast<int>(std::count(text.begin(), text.end(), c));
  }

  // Every field, for whole-state comparisons.
  static std::string Describe(const DaemonOptions& o) {
    std::ostringstream out;
    out << o.data_dir << " " << o.server.host << ":" << o.server.port << " threads "
        << o.server.threads << " conns " << o.server.max_connections << " read "
        << o.server.read_timeout.count() << "ms idle " << o.server.idle_timeout.count()
        << "ms batch " << o.max_batch << " bps " << o.market.commission_bps << " pay "
        << o.market.pay_timeout.count() << "s confirm " << o.market.auto_confirm_after.count()
        << "s log " << static_cast<int>(o.log_level);
    return out.str();
  }

  testing::TempDir dir_;
  DaemonOptions options_;
  std::map<std::string, std::string> saved_;
};

TEST_F(OptionsTest, NoArgumentsKeepsEveryDefault) {
  EXPECT_EQ(Describe(Parsed({})),
            "./data 127.0.0.1:8080 threads 2 conns 1024 read 10000ms idle 60000ms batch 1000 "
            "bps 100 pay 1800s confirm 604800s log 2");
}

TEST_F(OptionsTest, DataDir) {
  EXPECT_EQ(Parsed({"--data-dir", "/srv/market4"}).data_dir, "/srv/market4");
}

TEST_F(OptionsTest, ListenTakesAddressesNamesAndPortZero) {
  EXPECT_EQ(Parsed({"--listen", "0.0.0.0:9000"}).server.host, "0.0.0.0");
  EXPECT_EQ(options_.server.port, 9000);
  EXPECT_EQ(Parsed({"--listen", "localhost:0"}).server.host, "localhost");
  EXPECT_EQ(options_.server.port, 0);
  EXPECT_EQ(Parsed({"--listen", "[::1]:65535"}).server.host, "::1");
  EXPECT_EQ(options_.server.port, 65535);
}

TEST_F(OptionsTest, Threads) { EXPECT_EQ(Parsed({"--threads", "64"}).server.threads, 64); }

TEST_F(OptionsTest, MaxConnections) {
  EXPECT_EQ(Parsed({"--max-connections", "1"}).server.max_connections, 1u);
}

TEST_F(OptionsTest, MaxConnectionsPerAddress) {
  EXPECT_EQ(Parsed({"--max-connections-per-address", "7"}).server.max_connections_per_address, 7u);
  Refused({"--max-connections-per-address", "0"}, "--max-connections-per-address");
}

TEST_F(OptionsTest, ReadTimeoutIsMilliseconds) {
  EXPECT_EQ(Parsed({"--read-timeout-ms", "2500"}).server.read_timeout, milliseconds(2500));
}

TEST_F(OptionsTest, IdleTimeoutIsMilliseconds) {
  EXPECT_EQ(Parsed({"--idle-timeout-ms", "1"}).server.idle_timeout, milliseconds(1));
}

TEST_F(OptionsTest, MaxBatch) { EXPECT_EQ(Parsed({"--max-batch", "100000"}).max_batch, 100'000u); }

TEST_F(OptionsTest, CommissionBps) {
  EXPECT_EQ(Parsed({"--commission-bps", "200"}).market.commission_bps, 200);
  EXPECT_EQ(Parsed({"--commission-bps=0"}).market.commission_bps, 0);
  EXPECT_EQ(Parsed({"--commission-bps", "10000"}).market.commission_bps, 10'000);
}

TEST_F(OptionsTest, PayTimeoutMinutesBecomeSeconds) {
  EXPECT_EQ(Parsed({"--pay-timeout-minutes", "2"}).market.pay_timeout, seconds(120));
  EXPECT_EQ(Parsed({"--pay-timeout-minutes", "10080"}).market.pay_timeout, seconds(604'800));
}

TEST_F(OptionsTest, AutoConfirmDaysBecomeSeconds) {
  EXPECT_EQ(Parsed({"--auto-confirm-days", "3"}).market.auto_confirm_after, seconds(259'200));
}

TEST_F(OptionsTest, EveryLogLevel) {
  const std::map<std::string, spdlog::level::level_enum> levels = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off}};
  for (const auto& [name, level] : levels) {
    EXPECT_EQ(Parsed({"--log-level", name}).log_level, level) << name;
  }
}

TEST_F(OptionsTest, RepeatedFlagLastWins) {
  // scripts/run.sh passes --data-dir and --listen before the user's own arguments.
  EXPECT_EQ(Parsed({"--threads", "3", "--threads", "5"}).server.threads, 5);
}

TEST_F(OptionsTest, HelpListsEveryFlagWithItsDefault) {
  for (const char* help : {"--help", "-h"}) {
    ParseOutcome outcome = Parse({help});
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_EQ(outcome.err, "");
    for (const auto& flag : kFlags) {
      std::string shown = flag == "--help" ? "  -h,--help " : "  " + flag + " ";
      EXPECT_NE(outcome.out.find(shown), std::string::npos) << flag;
    }
    for (const char* shown :
         {"(default ./data)", "(default 127.0.0.1:8080)", "(default 2)", "(default 1024)",
          "(default 10000)", "(default 60000)", "(default 1000)", "(default 100)", "(default 30)",
          "(default 7)", "(default info)", "0..10000", "1..64", "1..100000"}) {
      EXPECT_NE(outcome.out.find(shown), std::string::npos) << shown;
    }
    std::istringstream lines(outcome.out);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_LE(line.size(), 80u) << line;
    }
  }
}

TEST_F(OptionsTest, HelpWinsOverBadValues) {
  EXPECT_EQ(Parse({"--threads", "0", "--help"}).exit_code, 0);
  EXPECT_EQ(Parse({"--bogus", "-h"}).exit_code, 0);
  EXPECT_EQ(Describe(options_), Describe(DaemonOptions{}));
}

TEST_F(OptionsTest, NegativeNumbersAreValuesAndRefused) {
  // "-5" must reach --commission-bps as its value, not be taken for a flag.
  Refused({"--commission-bps", "-5"}, "--commission-bps");
  Refused({"--commission-bps=-5"}, "--commission-bps");
  Refused({"--pay-timeout-minutes", "-1"}, "--pay-timeout-minutes");
  Refused({"--max-connections", "-1"}, "--max-connections");
  Refused({"--max-batch", "-1"}, "--max-batch");
}

TEST_F(OptionsTest, BadValuesNameTheirFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--commission-bps", "10001"}, "--commission-bps"},
      {{"--commission-bps", "abc"}, "--commission-bps"},
      {{"--commission-bps", "1.5"}, "--commission-bps"},
      {{"--commission-bps", ""}, "--commission-bps"},
      {{"--pay-timeout-minutes", "0"}, "--pay-timeout-minutes"},
      {{"--pay-timeout-minutes", "10081"}, "--pay-timeout-minutes"},
      {{"--auto-confirm-days", "0"}, "--auto-confirm-days"},
      {{"--auto-confirm-days", "91"}, "--auto-confirm-days"},
      {{"--threads", "0"}, "--threads"},
      {{"--threads", "65"}, "--threads"},
      {{"--threads", "0x10"}, "--threads"},
      {{"--threads", " 3"}, "--threads"},
      {{"--threads", "99999999999999999999"}, "--threads"},
      {{"--max-connections", "0"}, "--max-connections"},
      {{"--max-connections", "1000001"}, "--max-connections"},
      {{"--read-timeout-ms", "0"}, "--read-timeout-ms"},
      {{"--read-timeout-ms", "3600001"}, "--read-timeout-ms"},
      {{"--idle-timeout-ms", "0"}, "--idle-timeout-ms"},
      {{"--max-batch", "0"}, "--max-batch"},
      {{"--max-batch", "100001"}, "--max-batch"},
      {{"--listen", "8080"}, "--listen"},
      {{"--listen", ":8080"}, "--listen"},
      {{"--listen", "host:"}, "--listen"},
      {{"--listen", "host:65536"}, "--listen"},
      {{"--listen", "host:-1"}, "--listen"},
      {{"--listen", "ho st:80"}, "--listen"},
      {{"--data-dir", ""}, "--data-dir"},
      {{"--log-level", "bogus"}, "--log-level"},
      {{"--log-level", "WARN"}, "--log-level"},
      {{"--log-level", "warning"}, "--log-level"},
  };
  for (const auto& [arguments, flag] : cases) Refused(arguments, flag);
}

TEST_F(OptionsTest, LogLevelBogusIsRefused) {
  // It used to turn logging off without a word.
  Refused({"--log-level", "bogus"}, "--log-level");
}

TEST_F(OptionsTest, MissingValueNamesTheFlag) {
  Refused({"--threads"}, "--threads");
  Refused({"--threads", "--max-batch", "5"}, "--threads");
  Refused({"--data-dir", "--threads", "4"}, "--data-dir");
}

TEST_F(OptionsTest, UnknownFlagAndStrayArgumentAreRefused) {
  Refused({"--commission-bps", "200", "--bogus"}, "--bogus");
  Refused({"--data-dir", "d", "stray"}, "stray");
  Refused({"-x"}, "-x");
}

TEST_F(OptionsTest, EnvironmentIsUsedWhenTheFlagIsAbsent) {
  SetEnv("MARKET4_COMMISSION_BPS", "300");
  EXPECT_EQ(Parsed({}).market.commission_bps, 300);
  // The commission the market computes from it, floor(total * bps / 10,000), on 40,000 dong.
  EXPECT_EQ(40'000 * options_.market.commission_bps / 10'000, 1'200);
}

TEST_F(OptionsTest, FlagBeatsEnvironment) {
  SetEnv("MARKET4_COMMISSION_BPS", "300");
  EXPECT_EQ(Parsed({"--commission-bps", "250"}).market.commission_bps, 250);
}

TEST_F(OptionsTest, EveryOptionHasItsEnvironmentVariable) {
  SetEnv("MARKET4_DATA_DIR", "/env/data");
  SetEnv("MARKET4_LISTEN", "localhost:7000");
  SetEnv("MARKET4_THREADS", "3");
  SetEnv("MARKET4_MAX_CONNECTIONS", "10");
  SetEnv("MARKET4_READ_TIMEOUT_MS", "11");
  SetEnv("MARKET4_IDLE_TIMEOUT_MS", "12");
  SetEnv("MARKET4_MAX_BATCH", "13");
  SetEnv("MARKET4_COMMISSION_BPS", "14");
  SetEnv("MARKET4_PAY_TIMEOUT_MINUTES", "15");
  SetEnv("MARKET4_AUTO_CONFIRM_DAYS", "16");
  SetEnv("MARKET4_LOG_LEVEL", "error");
  EXPECT_EQ(Describe(Parsed({})),
            "/env/data localhost:7000 threads 3 conns 10 read 11ms idle 12ms batch 13 bps 14 "
            "pay 900s confirm 1382400s log 4");
}

TEST_F(OptionsTest, BadEnvironmentValueNamesTheFlag) {
  SetEnv("MARKET4_COMMISSION_BPS", "-5");
  Refused({}, "--commission-bps");
}

TEST_F(OptionsTest, EmptyEnvironmentVariableIsIgnored) {
  SetEnv("MARKET4_THREADS", "");
  EXPECT_EQ(Parsed({}).server.threads, 2);
}

TEST_F(OptionsTest, AdminTokenIsNotAnOption) {
  // MARKET4_ADMIN_TOKEN is read by the operator-token code, never as an option value.
  SetEnv("MARKET4_ADMIN_TOKEN", "--threads=7 not-an-option");
  EXPECT_EQ(Describe(Parsed({})), Describe(DaemonOptions{}));
  // Nor can a config file carry it.
  Refused({"--config", WriteConfig("admin-token = secret\n")}, "admin-token");
}

TEST_F(OptionsTest, ConfigFileIsRead) {
  std::string path = WriteConfig(
      "# market4d\n"
      "data-dir = \"/from/file\"\n"
      "listen = \"127.0.0.1:0\"\n"
      "commission-bps = 250\n"
      "pay-timeout-minutes = 1\n"
      "auto-confirm-days = 1\n"
      "log-level = \"warn\"\n");
  const DaemonOptions& o = Parsed({"--config", path});
  EXPECT_EQ(o.data_dir, "/from/file");
  EXPECT_EQ(o.server.port, 0);
  EXPECT_EQ(o.market.commission_bps, 250);
  EXPECT_EQ(o.market.pay_timeout, seconds(60));
  EXPECT_EQ(o.market.auto_confirm_after, seconds(86'400));
  EXPECT_EQ(o.log_level, spdlog::level::warn);
  EXPECT_EQ(o.server.threads, 2);  // not in the file: the default
}

TEST_F(OptionsTest, IniConfigFileIsRead) {
  std::string path = WriteConfig("; market4d\n[default]\nthreads=4\nmax-batch=50\n");
  EXPECT_EQ(Parsed({"--config", path}).server.threads, 4);
  EXPECT_EQ(options_.max_batch, 50u);
}

TEST_F(OptionsTest, FlagBeatsConfigFile) {
  std::string path = WriteConfig("commission-bps = 250\nthreads = 4\n");
  EXPECT_EQ(Parsed({"--commission-bps", "300", "--config", path}).market.commission_bps, 300);
  EXPECT_EQ(options_.server.threads, 4);
}

TEST_F(OptionsTest, EnvironmentBeatsConfigFile) {
  std::string path = WriteConfig("commission-bps = 250\nthreads = 4\n");
  SetEnv("MARKET4_COMMISSION_BPS", "300");
  EXPECT_EQ(Parsed({"--config", path}).market.commission_bps, 300);
  EXPECT_EQ(options_.server.threads, 4);
}

TEST_F(OptionsTest, ConfigFileFromEnvironment) {
  SetEnv("MARKET4_CONFIG", WriteConfig("max-batch = 77\n"));
  EXPECT_EQ(Parsed({}).max_batch, 77u);
  SetEnv("MARKET4_CONFIG", dir_.Sub("missing.toml"));
  Refused({}, "--config");
}

TEST_F(OptionsTest, ConfigFileErrorsAreRefused) {
  Refused({"--config", dir_.Sub("missing.toml")}, "--config");
  Refused({"--config", WriteConfig("comission-bps = 250\n")}, "comission-bps");
  Refused({"--config", WriteConfig("commission-bps = -5\n")}, "--commission-bps");
  Refused({"--config", WriteConfig("config = \"other.toml\"\n")}, "config");
}

}  // namespace options_test
}  // namespace market4::tools
