// market4d's options on CLI11. Every number is read as a signed 64-bit value and range-checked
// before it is converted into the option structs, so "-5" for a count is refused instead of
// wrapping, and every range shown by --help is the one enforced.
#include "tools/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "tools/cli_checks.h"

namespace market4::tools {
namespace {

constexpr char kProgram[] = "market4d";
constexpr char kDescription[] = "market4d: the market4 ledger and marketplace server";
constexpr char kFooter[] =
    R"(Each option may also come from the environment variable MARKET4_<OPTION> (upper
case, dashes as underscores: MARKET4_COMMISSION_BPS=300) or from a line of the
--config file (commission-bps = 300). A flag beats the environment, which beats
the file, which beats the default.

The operator token is MARKET4_ADMIN_TOKEN if set, else DIR/admin.token (created
on first start, mode 0600). Send it as "Authorization: Bearer <token>".)";
constexpr int kExitUsage = 2;
constexpr std::size_t kHelpNameWidth = 28;
// A description longer than this puts its range and default on a second line.
constexpr std::size_t kHelpDescriptionWidth = 52;
constexpr std::int64_t kMaxPort = 65'535;
constexpr std::size_t kMaxPortDigits = 5;

struct LogLevelName {
  const char* name;
  spdlog::level::level_enum level;
};
constexpr LogLevelName kLogLevels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
    {"off", spdlog::level::off}};

// The options as typed, before conversion into DaemonOptions.
struct Flags {
  std::string data_dir;
  std::string listen;
  std::int64_t threads = 0;
  std::int64_t max_connections = 0;
  std::int64_t max_connections_per_address = 0;
  std::int64_t read_timeout_ms = 0;
  std::int64_t idle_timeout_ms = 0;
  std::int64_t max_batch = 0;
  std::int64_t commission_bps = 0;
  std::int64_t pay_timeout_minutes = 0;
  std::int64_t auto_confirm_days = 0;
  std::int64_t max_unpaid_orders = 0;
  std::int64_t max_unpaid_value = 0;
  std::int64_t max_unpaid_share = 0;
  std::int64_t requests_per_address = 0;
  std::int64_t requests_per_token = 0;
  std::int64_t registrations_per_address_hour = 0;
  std::int64_t auth_failures_per_address_minute = 0;
  std::int64_t callbacks_per_address = 0;
  std::string utc_offset;
  std::string log_level;
  std::string console_dir;
};

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

bool IsHostCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == ':' || c == '%';
}

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// HOST:PORT, HOST a name or an address (IPv6 may be bracketed). Only the shape is checked
// here; the server resolves the host when it starts.
std::optional<HostPort> SplitListen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  std::string port = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || !std::all_of(host.begin(), host.end(), IsHostCharacter)) return std::nullopt;
  if (port.empty() || port.size() > kMaxPortDigits) return std::nullopt;
  if (!std::all_of(port.begin(), port.end(), IsDigit)) return std::nullopt;
  std::int64_t number = std::stoll(port);
  if (number > kMaxPort) return std::nullopt;
  return HostPort{host, static_cast<std::uint16_t>(number)};
}

std::string JoinListen(const std::string& host, std::uint16_t port) {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

const char* LogLevelText(spdlog::level::level_enum level) {
  for (const auto& entry : kLogLevels) {
    if (entry.level == level) return entry.name;
  }
  return "info";
}

spdlog::level::level_enum LogLevelOf(const std::string& name) {
  for (const auto& entry : kLogLevels) {
    if (name == entry.name) return entry.level;
  }
  return spdlog::level::info;  // unreachable: --log-level accepts only the names above
}

// "commission-bps" -> "MARKET4_COMMISSION_BPS".
std::string EnvironmentName(std::string_view flag) {
  std::string name = kEnvironmentPrefix;
  for (char c : flag) {
    name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

std::string FromEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? "" : value;
}

CLI::Validator ListenShape() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (SplitListen(text)) return "";
        return "expected HOST:PORT with a port 0.." + std::to_string(kMaxPort) + ", got '" + text +
               "'";
      },
      "");
}

CLI::Validator Directory() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty()) return "expected a directory, got an empty value";
        if (text.rfind("--", 0) == 0) return "expected a directory, got '" + text + "'";
        return "";
      },
      "");
}

// "what, range (default value)"; the range and default go on a line of their own when they
// do not fit after the last line of `what`.
std::string Describe(const std::string& what, const std::string& range,
                     const std::string& default_value) {
  std::string tail = (range.empty() ? "" : range + " ") + "(default " + default_value + ")";
  auto last_line = what.rfind('\n');
  std::size_t used = last_line == std::string::npos ? what.size() : what.size() - last_line - 1;
  bool fits = used + 2 + tail.size() <= kHelpDescriptionWidth;
  return what + (fits ? ", " : "\n") + tail;
}

CLI::Option* AddText(CLI::App& app, const std::string& flag, const char* value_name,
                     std::string* value, const std::string& what) {
  return app.add_option("--" + flag, *value, Describe(what, "", *value))
      ->option_text(value_name)
      ->envname(EnvironmentName(flag));
}

CLI::Option* AddNumber(CLI::App& app, const std::string& flag, std::int64_t* value,
                       std::int64_t min, std::int64_t max, const std::string& what) {
  std::string range = std::to_string(min) + ".." + std::to_string(max);
  return app.add_option("--" + flag, *value, Describe(what, range, std::to_string(*value)))
      ->option_text("N")
      ->envname(EnvironmentName(flag))
      ->check(WholeNumber(min, max));
}

void AddServerOptions(CLI::App& app, Flags* flags) {
  AddText(app, "data-dir", "DIR", &flags->data_dir, "where the RocksDB ledger and admin.token live")
      ->check(Directory());
  AddText(app, "listen", "HOST:PORT", &flags->listen,
          "address to serve HTTP on; port 0 picks a free one")
      ->check(ListenShape());
  AddNumber(app, "threads", &flags->threads, 1, kMaxThreads, "HTTP I/O threads");
  AddNumber(app, "max-connections", &flags->max_connections, 1, kMaxConnections,
            "open connections before new ones get 503");
  AddNumber(app, "max-connections-per-address", &flags->max_connections_per_address, 1,
            kMaxConnections, "connections from one client address (IPv6: a /64)");
  AddNumber(app, "read-timeout-ms", &flags->read_timeout_ms, 1, kMaxTimeoutMs,
            "time to receive a whole request");
  AddNumber(app, "idle-timeout-ms", &flags->idle_timeout_ms, 1, kMaxTimeoutMs,
            "keep-alive idle time before closing");
  AddNumber(app, "max-batch", &flags->max_batch, 1, kMaxBatchCommands,
            "most commands per durable batch");
}

// Abuse limits (gateway/limits.h); 0 turns one off.
void AddLimitOptions(CLI::App& app, Flags* flags) {
  AddNumber(app, "requests-per-address", &flags->requests_per_address, 0, kMaxLimitRate,
            "requests per second from one client address\n(IPv6: a /64), bursts of twice that");
  AddNumber(app, "requests-per-token", &flags->requests_per_token, 0, kMaxLimitRate,
            "requests per second from one merchant or buyer\ntoken, bursts of twice that");
  AddNumber(app, "registrations-per-address-hour", &flags->registrations_per_address_hour, 0,
            kMaxLimitRate, "buyer registrations per hour from one address");
  AddNumber(app, "auth-failures-per-address-minute", &flags->auth_failures_per_address_minute, 0,
            kMaxLimitRate,
            "invalid tokens per minute from one address before\nits Bearer requests get 429");
  AddNumber(app, "callbacks-per-address", &flags->callbacks_per_address, 0, kMaxLimitRate,
            "signed callbacks per second from one provider,\nbursts of twice that");
}

void AddMarketOptions(CLI::App& app, Flags* flags) {
  AddNumber(app, "commission-bps", &flags->commission_bps, 0, kMaxCommissionBps,
            "platform commission on completed orders, in basis\npoints (100 = 1%)");
  AddNumber(app, "pay-timeout-minutes", &flags->pay_timeout_minutes, 1, kMaxPayTimeoutMinutes,
            "unpaid orders release their stock after N minutes");
  AddNumber(app, "auto-confirm-days", &flags->auto_confirm_days, 1, kMaxAutoConfirmDays,
            "shipped orders complete by themselves after N days");
  AddNumber(app, "max-unpaid-orders", &flags->max_unpaid_orders, 0, kMaxUnpaidOrdersLimit,
            "orders one buyer may hold unpaid; 0: no limit");
  AddNumber(app, "max-unpaid-value", &flags->max_unpaid_value, 0, kMaxPriceDong,
            "dong one buyer's unpaid orders may add up to;\n0: no limit");
  AddNumber(app, "max-unpaid-share", &flags->max_unpaid_share, 0, 100,
            "percent of a listing's units one buyer may hold\nunpaid (at least one) unless "
            "their wallet\ncovers them; 0: no limit");
  AddText(
      app, "utc-offset", "+HH:MM", &flags->utc_offset,
      "business days and the daily close follow this\noffset from UTC (Asia/Ho_Chi_Minh: +07:00)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return ParseUtcOffset(text) ? "" : "must be +HH:MM or -HH:MM, at most 23:59";
          },
          "", "UtcOffset"));
  std::vector<std::string> names;
  for (const auto& entry : kLogLevels) names.emplace_back(entry.name);
  std::string list;  // "trace, debug, ... or off"
  for (std::size_t i = 0; i < names.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  AddText(app, "log-level", "LEVEL", &flags->log_level, list)
      ->check(CLI::IsMember(names).description(""));
  app.add_option("--console-dir", flags->console_dir,
                 "serve the web console from DIR, read at each\nrequest, instead of the built-in "
                 "copy\n(development)")
      ->option_text("DIR")
      ->envname(EnvironmentName("console-dir"))
      ->check(CLI::ExistingDirectory.description(""));
}

// CLI11 2.1.2 reads the config file before the environment and keeps whichever sets an
// option first, so the file would beat the environment. Dropping the file's keys whose
// environment variable is set restores flag > environment > file.
class EnvironmentFirstConfig : public CLI::ConfigTOML {
 public:
  explicit EnvironmentFirstConfig(const CLI::App* app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::vector<CLI::ConfigItem> items = CLI::ConfigTOML::from_config(input);
    std::erase_if(items, [this](const CLI::ConfigItem& item) { return SetInEnvironment(item); });
    return items;
  }

 private:
  bool SetInEnvironment(const CLI::ConfigItem& item) const {
    if (!item.parents.empty()) return false;
    const CLI::Option* option = app_->get_option_no_throw("--" + item.name);
    return option != nullptr && !option->get_envname().empty() &&
           !FromEnvironment(option->get_envname()).empty();
  }

  const CLI::App* app_;
};

// --config FILE, or MARKET4_CONFIG. CLI11 reads the config file before the environment, so
// MARKET4_CONFIG is the option's default here; naming a file that way makes it required.
void AddConfigOption(CLI::App& app) {
  std::string from_environment = FromEnvironment(EnvironmentName("config"));
  app.set_config("--config", from_environment,
                 "read options from an INI or TOML file whose keys are\n"
                 "the option names (default none)",
                 !from_environment.empty())
      ->option_text("FILE");
  app.config_formatter(std::make_shared<EnvironmentFirstConfig>(&app));
  app.allow_config_extras(CLI::config_extras_mode::error);
}

Flags FlagsFrom(const DaemonOptions& options) {
  using std::chrono::duration_cast;
  Flags flags;
  flags.data_dir = options.data_dir;
  flags.listen = JoinListen(options.server.host, options.server.port);
  flags.threads = options.server.threads;
  flags.max_connections = static_cast<std::int64_t>(options.server.max_connections);
  flags.max_connections_per_address =
      static_cast<std::int64_t>(options.server.max_connections_per_address);
  flags.read_timeout_ms = options.server.read_timeout.count();
  flags.idle_timeout_ms = options.server.idle_timeout.count();
  flags.max_batch = static_cast<std::int64_t>(options.max_batch);
  flags.commission_bps = options.market.commission_bps;
  flags.pay_timeout_minutes =
      duration_cast<std::chrono::minutes>(options.market.pay_timeout).count();
  flags.auto_confirm_days =
      duration_cast<std::chrono::days>(options.market.auto_confirm_after).count();
  flags.max_unpaid_orders = options.market.max_unpaid_orders;
  flags.max_unpaid_value = options.market.max_unpaid_value;
  flags.max_unpaid_share = options.market.max_unpaid_share;
  flags.requests_per_address = options.limits.requests_per_address;
  flags.requests_per_token = options.limits.requests_per_token;
  flags.registrations_per_address_hour = options.limits.registrations_per_address_hour;
  flags.auth_failures_per_address_minute = options.limits.auth_failures_per_address_minute;
  flags.callbacks_per_address = options.limits.callbacks_per_address;
  flags.utc_offset = FormatUtcOffset(options.utc_offset_minutes);
  flags.log_level = LogLevelText(options.log_level);
  flags.console_dir = options.console_dir;
  return flags;
}

// Flags have passed their checks, so every conversion here is in range.
void ApplyFlags(const Flags& flags, DaemonOptions* options) {
  HostPort listen = SplitListen(flags.listen).value();
  options->data_dir = flags.data_dir;
  options->server.host = listen.host;
  options->server.port = listen.port;
  options->server.threads = static_cast<int>(flags.threads);
  options->server.max_connections = static_cast<std::size_t>(flags.max_connections);
  options->server.max_connections_per_address =
      static_cast<std::size_t>(flags.max_connections_per_address);
  options->server.read_timeout = std::chrono::milliseconds(flags.read_timeout_ms);
  options->server.idle_timeout = std::chrono::milliseconds(flags.idle_timeout_ms);
  options->max_batch = static_cast<std::size_t>(flags.max_batch);
  options->market.commission_bps = flags.commission_bps;
  options->market.pay_timeout = std::chrono::minutes(flags.pay_timeout_minutes);
  options->market.auto_confirm_after = std::chrono::days(flags.auto_confirm_days);
  options->market.max_unpaid_orders = flags.max_unpaid_orders;
  options->market.max_unpaid_value = flags.max_unpaid_value;
  options->market.max_unpaid_share = flags.max_unpaid_share;
  options->limits.requests_per_address = flags.requests_per_address;
  options->limits.requests_per_token = flags.requests_per_token;
  options->limits.registrations_per_address_hour = flags.registrations_per_address_hour;
  options->limits.auth_failures_per_address_minute = flags.auth_failures_per_address_minute;
  options->limits.callbacks_per_address = flags.callbacks_per_address;
  options->utc_offset_minutes = ParseUtcOffset(flags.utc_offset).value();
  options->log_level = LogLevelOf(flags.log_level);
  options->console_dir = flags.console_dir;
}

ParseOutcome UsageError(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  ParseOutcome outcome;
  outcome.exit_code = kExitUsage;
  outcome.err = std::string(kProgram) + ": " + message + "\nRun '" + kProgram +
                " --help' to see every option.\n";
  return outcome;
}

// CLI11 says "INI was not able to parse KEY" for a key that is no option.
std::string ConfigMessage(std::string what) {
  const std::string unknown = "INI was not able to parse ";
  if (what.rfind(unknown, 0) == 0) what = "unknown option '" + what.substr(unknown.size()) + "'";
  return "--config: " + what;
}

}  // namespace

ParseOutcome ParseDaemonOptions(int argc, const char* const* argv, DaemonOptions* options) {
  Flags flags = FlagsFrom(*options);
  CLI::App app(kDescription, kProgram);
  // --help answers as soon as it is read, even after a bad value.
  app.set_help_flag();
  app.add_flag_callback(
         "-h,--help", [] { throw CLI::CallForHelp(); }, "print this help and exit")
      ->trigger_on_parse()
      ->configurable(false);
  app.footer(kFooter);
  app.get_formatter()->column_width(kHelpNameWidth);
  // The last of a repeated flag wins, so scripts/run.sh's defaults can be overridden.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  AddServerOptions(app, &flags);
  AddMarketOptions(app, &flags);
  AddLimitOptions(app, &flags);
  AddConfigOption(app);

  std::vector<std::string> arguments;
  for (int i = argc - 1; i >= 1; --i) arguments.emplace_back(argv[i]);  // CLI11 wants them reversed
  try {
    app.parse(std::move(arguments));
  } catch (const CLI::CallForHelp&) {
    ParseOutcome outcome;
    outcome.exit_code = 0;
    outcome.out = app.help();
    return outcome;
  } catch (const CLI::FileError& e) {
    return UsageError(std::string("--config: ") + e.what());
  } catch (const CLI::ConfigError& e) {
    return UsageError(ConfigMessage(e.what()));
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }
  ApplyFlags(flags, options);
  return ParseOutcome{};
}

}  // namespace market4::tools
