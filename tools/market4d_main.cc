// market4d: reads options, opens the engine on the data directory, serves HTTP until
// SIGINT or SIGTERM, then shuts down in order: stop accepting, finish in-flight requests,
// drain the engine, close RocksDB.
#include <getopt.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "engine/engine.h"
#include "gateway/auth.h"
#include "gateway/router.h"
#include "gateway/server.h"

namespace {

constexpr char kUsage[] = R"(market4d: the market4 ledger and marketplace server

Usage: market4d [options]

  --data-dir DIR          where the RocksDB ledger and admin.token live (default ./data)
  --listen HOST:PORT      address to serve HTTP on (default 127.0.0.1:8080; port 0 = any)
  --threads N             HTTP I/O threads (default 2)
  --max-connections N     open connections before new ones get 503 (default 1024)
  --read-timeout-ms N     time to receive a whole request (default 10000)
  --idle-timeout-ms N     keep-alive idle time before closing (default 60000)
  --max-batch N           most commands per durable batch (default 1000)
  --commission-bps N      platform commission on completed orders, basis points (default 100 = 1%)
  --pay-timeout-minutes N unpaid orders expire and release stock after N minutes (default 30)
  --auto-confirm-days N   shipped orders complete by themselves after N days (default 7)
  --log-level LEVEL       trace, debug, info, warn, error (default info)
  --help                  this text

The operator token is MARKET4_ADMIN_TOKEN if set, else DIR/admin.token (created on first
start, mode 0600). Send it as "Authorization: Bearer <token>".
)";

struct Options {
  std::string data_dir = "./data";
  market4::gateway::ServerOptions server;
  std::size_t max_batch = market4::kDefaultMaxBatchCommands;
  market4::engine::MarketOptions market;
  std::string log_level = "info";
};

bool ParseListen(const std::string& text, market4::gateway::ServerOptions* server) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    int port = std::stoi(text.substr(colon + 1));
    if (port < 0 || port > 65535) return false;
    server->host = text.substr(0, colon);
    server->port = static_cast<std::uint16_t>(port);
    return true;
  } catch (...) {
    return false;
  }
}

// Returns 0 to continue, or an exit status.
int ParseOptions(int argc, char** argv, Options* options) {
  static const option kLong[] = {{"data-dir", required_argument, nullptr, 'd'},
                                 {"listen", required_argument, nullptr, 'l'},
                                 {"threads", required_argument, nullptr, 't'},
                                 {"max-connections", required_argument, nullptr, 'c'},
                                 {"read-timeout-ms", required_argument, nullptr, 'r'},
                                 {"idle-timeout-ms", required_argument, nullptr, 'i'},
                                 {"max-batch", required_argument, nullptr, 'b'},
                                 {"log-level", required_argument, nullptr, 'v'},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  int c = 0;
  try {
    while ((c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1) {
      switch (c) {
        case 'd':
          options->data_dir = optarg;
          break;
        case 'l':
          if (!ParseListen(optarg, &options->server)) throw std::invalid_argument("--listen");
          break;
        case 't':
          options->server.threads = std::stoi(optarg);
          break;
        case 'c':
          options->server.max_connections = std::stoul(optarg);
          break;
        case 'r':
          options->server.read_timeout = std::chrono::milliseconds(std::stol(optarg));
          break;
        case 'i':
          options->server.idle_timeout = std::chrono::milliseconds(std::stol(optarg));
          break;
        case 'b':
          options->max_batch = std::stoul(optarg);
          break;
        case 'v':
          options->log_level = optarg;
          break;
        case 'h':
          std::fputs(kUsage, stdout);
          return -1;
        default:
          std::fputs(kUsage, stderr);
          return 2;
      }
    }
  } catch (const std::exception&) {
    std::fprintf(stderr, "market4d: bad value for option\n\n%s", kUsage);
    return 2;
  }
  const auto& market = options->market;
  if (optind != argc || options->server.threads < 1 || options->max_batch < 1 ||
      market.commission_bps < 0 || market.commission_bps > 10'000 ||
      market.pay_timeout.count() <= 0 || market.auto_confirm_after.count() <= 0) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return 0;
}

int Serve(const Options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data directory {}: {}", options.data_dir, ec.message());
    return 1;
  }
  std::string token_path;
  auto auth = market4::gateway::AdminAuth::Load(options.data_dir, &token_path);
  if (!auth.ok()) {
    spdlog::error("operator token: {}", auth.status().ToString());
    return 1;
  }
  market4::engine::EngineOptions engine_options;
  engine_options.store.path = options.data_dir + "/ledger";
  engine_options.max_batch_commands = options.max_batch;
  engine_options.market = options.market;
  auto engine = market4::engine::Engine::Open(std::move(engine_options));
  if (!engine.ok()) {
    spdlog::error("cannot open the ledger: {}", engine.status().ToString());
    return 1;
  }
  market4::gateway::Router router(engine.value().get(), &auth.value());
  market4::gateway::Server server(options.server, [&router](const auto& request, auto respond) {
    router.Handle(request, std::move(respond));
  });
  if (auto s = server.Start(); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  spdlog::info("market4d listening on {}:{} data-dir={} threads={} operator-token={}",
               options.server.host, server.port(), options.data_dir, options.server.threads,
               token_path.empty() ? std::string("$MARKET4_ADMIN_TOKEN") : token_path);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {}: shutting down", received);
  server.Stop();
  engine.value()->Stop();
  engine.value().reset();
  spdlog::info("market4d stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only sigwait in Serve sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Options options;
  if (int status = ParseOptions(argc, argv, &options); status != 0) return status < 0 ? 0 : status;
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  return Serve(options);
}
