// market4-sim: plays a payment provider against a running market4d. `market4-sim event ...`
// signs one callback in the provider's scheme (gateway/provider_schemes.h) and sends it to
// {url}/v1/providers/{provider}/events, once or --times times (the same delivery each time).
// This part reads the command line and builds the request without touching the network, so
// tests can check it; sim_main.cc sends it over Beast. It never prints and never exits; it
// returns what main should print. Single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gateway/provider_schemes.h"

namespace market4::tools {

inline constexpr int kSimContinue = -1;  // parsed: send
inline constexpr int kSimAll2xx = 0;     // every answer was 2xx
inline constexpr int kSimNot2xx = 1;     // an answer was not 2xx, or none came
inline constexpr int kSimUsage = 2;      // a bad command line
inline constexpr int kMaxSimTimes = 1000;

struct SimOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string provider;  // the provider's id in market4
  v1::ProviderScheme scheme = v1::PROVIDER_SCHEME_UNSPECIFIED;
  std::string secret;
  gateway::CallbackFields fields;  // now_seconds: when the request is built
  int times = 1;
};

struct SimParse {
  int exit_code = kSimContinue;  // kSimContinue, or exit with this (0 after --help)
  std::string out;               // for stdout: the help text
  std::string err;               // for stderr: one line
  SimOptions options;
};

// Reads argv (argv[0] is the program). A missing --provider-txn-id is random digits, a missing
// --webhook-id "msg_" and random hex.
SimParse ParseSimCommand(int argc, const char* const* argv);

// "standard", "momo", "vnpay", "zalopay"; PROVIDER_SCHEME_UNSPECIFIED for anything else.
v1::ProviderScheme SimScheme(std::string_view name);

// One HTTP/1.1 request, ready to send.
struct SimRequest {
  std::string host;
  std::string port;  // service: "8080"
  std::string method;
  std::string target;                                        // origin-form: path and query
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included, if any
  std::string body;
};

// The signed callback for `options`, addressed to {url}/v1/providers/{provider}/events.
// INVALID_ARGUMENT for a url that is not http://host[:port][/path], a provider id that is not
// 1-32 of [a-z0-9_-], or fields the scheme cannot sign.
Result<SimRequest> BuildSimRequest(const SimOptions& options);

}  // namespace market4::tools
