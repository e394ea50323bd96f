// Private to market4ctl: what each subcommand does once the command line is read. The HTTP
// subcommands (ctl_commands.cc) build one request each and show the answer; verify and
// restore (ctl_offline.cc) open a data directory themselves. Each returns the exit status.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/ctl.h"
#include "tools/ctl_http.h"

namespace market4::tools {

// The options every subcommand shares.
struct CtlContext {
  CtlEnvironment environment;
  std::string url = kCtlDefaultUrl;
  std::string token_file;
  bool json = false;
  std::ostream& out() const { return *environment.out; }
  std::ostream& err() const { return *environment.err; }
};

// How an answer is shown: as a table (or --json), or as it came (CSV).
enum class Show { kTable, kRaw };

// Sends `request` with the caller's token and shows the answer. `spin` draws a spinner while
// waiting (a backup); `upload` a progress bar while the body goes out.
struct Exchange {
  CtlRequest request;
  Show show = Show::kTable;
  std::string spin;
  bool upload = false;
};
int RunExchange(const CtlContext& context, Exchange exchange);

// A JSON object of string fields, escaped ({"name":"Cô Ba"}); empty values are left out.
std::string JsonFields(const std::vector<std::pair<std::string, std::string>>& fields);
// `text` percent-encoded for a query value or a path segment.
std::string Encode(const std::string& text);

int Reconcile(const CtlContext& context, const std::string& provider, const std::string& date,
              const std::string& file);
int Backup(const CtlContext& context, const std::string& dir);
int Verify(const CtlContext& context, const std::string& data_dir);
int Restore(const CtlContext& context, const std::string& from, const std::string& data_dir);

// Writes "market4ctl: message" on stderr and returns `status`.
int Fail(const CtlContext& context, int status, const std::string& message);

}  // namespace market4::tools
