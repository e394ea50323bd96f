// market4ctl's command line on CLI11: global options, one subcommand per operator task, and
// the exit statuses. Each subcommand's callback picks the action; RunCtl runs it after the
// whole line parsed, so a bad line never sends anything.
#include "tools/ctl.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "tools/ctl_commands.h"

namespace market4::tools {
namespace {

constexpr char kFooter[] =
    R"(Environment: MARKET4_TOKEN is the Bearer token (an operator's, or the admin
token); --token-file FILE reads it from a file instead.

Output: an aligned table; --json prints the server's JSON as it came. Uploads,
backups, restores and verification show progress when stderr is a terminal.

Exit status:
  0  ok
  1  the server answered an error (its code and message are printed), or an
     offline command failed (cannot open the data directory, restore refused)
  2  bad usage
  3  cannot reach the server
  4  verify found the ledger tampered with or inconsistent)";

using Action = std::function<int()>;

// The values of every subcommand's options, alive until the action has run.
struct Values {
  std::string name, phone, location;
  std::string date;
  bool csv = false;
  std::string provider, file;
  std::string merchant, from, to;
  std::string status, id, action, buyer, note;
  std::string dir, data_dir;
};

int Get(const CtlContext& context, const std::string& target, Show show = Show::kTable,
        const std::string& accept = "application/json") {
  Exchange exchange;
  exchange.request = {"GET", target, "", accept, "", ""};
  exchange.show = show;
  return RunExchange(context, std::move(exchange));
}

int Post(const CtlContext& context, const std::string& target, std::string body) {
  Exchange exchange;
  exchange.request = {"POST", target, "", "application/json", "application/json", std::move(body)};
  return RunExchange(context, std::move(exchange));
}

// Sets the action when the subcommand was given.
void On(CLI::App* command, Action* slot, Action action) {
  command->callback([slot, action = std::move(action)] { *slot = action; });
}

void AddMerchants(CLI::App& app, const CtlContext& c, Values& v, Action* slot) {
  auto* merchants =
      app.add_subcommand("merchants", "create and list merchants")->require_subcommand(1);
  auto* create = merchants->add_subcommand("create", "onboard a merchant (prints its token once)");
  create->add_option("--name", v.name, "merchant's name")->required();
  create->add_option("--phone", v.phone, "phone number")->required();
  create->add_option("--location", v.location, "market and stall")->required();
  On(create, slot, [&c, &v] {
    return Post(c, "/v1/merchants",
                JsonFields({{"name", v.name}, {"phone", v.phone}, {"location", v.location}}));
  });
  On(merchants->add_subcommand("list", "list merchants"), slot,
     [&c] { return Get(c, "/v1/merchants"); });
}

void AddOperators(CLI::App& app, const CtlContext& c, Values& v, Action* slot) {
  auto* operators =
      app.add_subcommand("operators", "create and list operators")->require_subcommand(1);
  auto* create =
      operators->add_subcommand("create", "add a named operator (prints its token once)");
  create->add_option("--name", v.name, "operator's name")->required();
  On(create, slot, [&c, &v] { return Post(c, "/v1/operators", JsonFields({{"name", v.name}})); });
  On(operators->add_subcommand("list", "list operators"), slot,
     [&c] { return Get(c, "/v1/operators"); });
}

void AddDays(CLI::App& app, const CtlContext& c, Values& v, Action* slot) {
  auto* days =
      app.add_subcommand("days", "close, approve and report business days")->require_subcommand(1);
  auto* close = days->add_subcommand("close", "close a business day (maker)");
  close->add_option("DATE", v.date, "YYYY-MM-DD")->required();
  On(close, slot, [&c, &v] { return Post(c, "/v1/days/" + Encode(v.date) + "/close", "{}"); });
  auto* approve = days->add_subcommand("approve", "approve a closed day (checker)");
  approve->add_option("DATE", v.date, "YYYY-MM-DD")->required();
  On(approve, slot, [&c, &v] { return Post(c, "/v1/days/" + Encode(v.date) + "/approve", "{}"); });
  auto* report = days->add_subcommand("report", "a day's report (a preview while it is open)");
  report->add_option("DATE", v.date, "YYYY-MM-DD")->required();
  report->add_flag("--csv", v.csv, "print the report as CSV");
  On(report, slot, [&c, &v] {
    std::string target = "/v1/days/" + Encode(v.date) + "/report";
    return v.csv ? Get(c, target, Show::kRaw, "text/csv") : Get(c, target);
  });
}

void AddMoney(CLI::App& app, const CtlContext& c, Values& v, Action* slot) {
  auto* reconcile = app.add_subcommand("reconcile", "upload a provider's settlement file (CSV)");
  reconcile->add_option("--provider", v.provider, "provider id")->required();
  reconcile->add_option("--date", v.date, "settlement date, YYYY-MM-DD")->required();
  reconcile->add_option("FILE", v.file, "the settlement CSV")->required()->check(CLI::ExistingFile);
  On(reconcile, slot, [&c, &v] { return Reconcile(c, v.provider, v.date, v.file); });
  auto* statement = app.add_subcommand("statement", "a merchant's statement over a period");
  statement->add_option("--merchant", v.merchant, "merchant id")->required();
  statement->add_option("--from", v.from, "first day, YYYY-MM-DD")->required();
  statement->add_option("--to", v.to, "last day, YYYY-MM-DD")->required();
  statement->add_flag("--csv", v.csv, "print the statement as CSV");
  On(statement, slot, [&c, &v] {
    std::string target = "/v1/merchants/" + Encode(v.merchant) +
                         "/statement?from=" + Encode(v.from) + "&to=" + Encode(v.to);
    return v.csv ? Get(c, target, Show::kRaw, "text/csv") : Get(c, target);
  });
}

void AddExceptions(CLI::App& app, const CtlContext& c, Values& v, Action* slot) {
  auto* exceptions = app.add_subcommand("exceptions", "provider events waiting for a person")
                         ->require_subcommand(1);
  auto* list = exceptions->add_subcommand("list", "list exceptions");
  list->add_option("--status", v.status, "only these, e.g. OPEN");
  On(list, slot, [&c, &v] {
    return Get(c, "/v1/exceptions" + (v.status.empty() ? "" : "?status=" + Encode(v.status)));
  });
  auto* resolve = exceptions->add_subcommand("resolve", "resolve an exception");
  resolve->add_option("ID", v.id, "exception id")->required();
  resolve->add_option("--action", v.action, "CREDIT_BUYER or DISMISS")
      ->required()
      ->check(CLI::IsMember({"CREDIT_BUYER", "DISMISS"}));
  resolve->add_option("--buyer", v.buyer, "buyer to credit (CREDIT_BUYER)");
  resolve->add_option("--note", v.note, "why, for the record");
  On(resolve, slot, [&c, &v] {
    return Post(c, "/v1/exceptions/" + Encode(v.id) + "/resolve",
                JsonFields({{"action", v.action}, {"buyer_id", v.buyer}, {"note", v.note}}));
  });
}

void AddData(CLI::App& app, const CtlContext& c, Values& v, Action* slot) {
  auto* verify =
      app.add_subcommand("verify", "offline: check a stopped ledger's chain and balances");
  verify->add_option("--data-dir", v.data_dir, "market4d's data directory")->required();
  On(verify, slot, [&c, &v] { return Verify(c, v.data_dir); });
  auto* backup = app.add_subcommand("backup", "back the running server's ledger up");
  backup
      ->add_option("--to", v.dir,
                   "backup directory on the server's machine (new, empty, or holding earlier "
                   "backups); relative to here")
      ->required();
  On(backup, slot, [&c, &v] { return Backup(c, v.dir); });
  auto* restore = app.add_subcommand("restore", "offline: restore the newest backup");
  restore->add_option("--from", v.dir, "backup directory")->required();
  restore->add_option("--data-dir", v.data_dir, "new data directory (its ledger must not exist)")
      ->required();
  On(restore, slot, [&c, &v] { return Restore(c, v.dir, v.data_dir); });
}

}  // namespace

int RunCtl(int argc, const char* const* argv, const CtlEnvironment& environment) {
  CtlContext context;
  context.environment = environment;
  Values values;
  Action action;
  CLI::App app("market4ctl: the market4 operators' command line", "market4ctl");
  app.footer(kFooter);
  app.fallthrough();  // global options may also follow the subcommand
  app.require_subcommand(1);
  app.add_option("--url", context.url,
                 std::string("market4d's address (default ") + kCtlDefaultUrl + ")")
      ->option_text("URL");
  app.add_option("--token-file", context.token_file, "read the token from FILE")
      ->option_text("FILE");
  app.add_flag("--json", context.json, "print the server's JSON instead of a table");
  AddMerchants(app, context, values, &action);
  AddOperators(app, context, values, &action);
  AddDays(app, context, values, &action);
  AddMoney(app, context, values, &action);
  AddExceptions(app, context, values, &action);
  AddData(app, context, values, &action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error, *environment.out, *environment.err);
    return code == static_cast<int>(CLI::ExitCodes::Success) ? kCtlOk : kCtlUsage;
  }
  return action ? action() : kCtlUsage;
}

}  // namespace market4::tools
