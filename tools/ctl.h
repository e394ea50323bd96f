// market4ctl: the operators' command line. RunCtl reads argv (CLI11), talks to market4d over
// HTTP (tools/ctl_http.h) or opens a data directory itself (verify, restore), and writes what
// a person or a script should see. It never exits and never touches std::cout: main passes
// the streams, the token from the environment and whether stderr is a terminal, so tests
// call it in-process. One call at a time per environment.
#pragma once

#include <ostream>
#include <string>

namespace market4::tools {

// Exit statuses, documented by --help and in README.md.
inline constexpr int kCtlOk = 0;
inline constexpr int kCtlFailed = 1;       // the server answered an error, or an offline
                                           // command failed (cannot open, refused restore)
inline constexpr int kCtlUsage = 2;        // a bad command line
inline constexpr int kCtlUnreachable = 3;  // no answer from the server
inline constexpr int kCtlTampered = 4;     // verify found the ledger tampered or inconsistent

inline constexpr char kCtlDefaultUrl[] = "http://127.0.0.1:8080";
inline constexpr char kCtlTokenEnv[] = "MARKET4_TOKEN";

struct CtlEnvironment {
  std::ostream* out = nullptr;  // results
  std::ostream* err = nullptr;  // errors and progress
  std::string token;            // $MARKET4_TOKEN, "" when unset
  bool terminal = false;        // stderr is a terminal: draw progress
};

int RunCtl(int argc, const char* const* argv, const CtlEnvironment& environment);

}  // namespace market4::tools
