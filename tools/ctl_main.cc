// market4ctl: wires the process (streams, $MARKET4_TOKEN, whether stderr is a terminal) to
// RunCtl (tools/ctl.h), which does everything else.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "tools/ctl.h"

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // a server that hangs up is an error value, not a signal
  market4::tools::CtlEnvironment environment;
  environment.out = &std::cout;
  environment.err = &std::cerr;
  const char* token = std::getenv(market4::tools::kCtlTokenEnv);
  environment.token = token ? token : "";
  environment.terminal = ::isatty(STDERR_FILENO) == 1;
  return market4::tools::RunCtl(argc, argv, environment);
}
