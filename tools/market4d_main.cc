// market4d: reads options, opens the engine on the data directory, serves HTTP until
// SIGINT or SIGTERM, then shuts down in order: stop accepting, end the event streams, finish
// in-flight requests, drain the engine, close RocksDB; the event hub goes last.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "engine/engine.h"
#include "gateway/auth.h"
#include "gateway/descriptors.h"
#include "gateway/event_hub.h"
#include "gateway/metrics.h"
#include "gateway/router.h"
#include "gateway/server.h"
#include "tools/allocator.h"
#include "tools/buffered_log.h"
#include "tools/data_dir.h"
#include "tools/options.h"

namespace {

using market4::tools::DaemonOptions;

// How long a line at info (the access log) may wait in memory before it reaches stdout.
constexpr std::chrono::milliseconds kLogFlushPeriod{100};

// Log lines (the access log among them) are collected in memory and written to stdout in
// large writes (tools/buffered_log.h); a line at warn or above is written at once, with
// whatever came before it. Unnamed, as the default logger was, so the line format is the
// same (without the terminal colours).
void UseBufferedLog() {
  auto logger =
      std::make_shared<spdlog::logger>("", std::make_shared<market4::tools::BufferedSink>(1));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

int Serve(const DaemonOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data directory {}: {}", options.data_dir, ec.message());
    return 1;
  }
  // The ledger and the operator token are nobody else's business: owner only (0700).
  std::filesystem::permissions(options.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) {
    spdlog::error("cannot make data directory {} private: {}", options.data_dir, ec.message());
    return 1;
  }
  std::string token_path;
  auto auth = market4::gateway::AdminAuth::Load(options.data_dir, &token_path);
  if (!auth.ok()) {
    spdlog::error("operator token: {}", auth.status().ToString());
    return 1;
  }
  // Sockets and RocksDB share the open-file limit: split it before either opens anything.
  auto descriptors = market4::gateway::PlanDescriptors(market4::gateway::RaiseOpenFileLimit());
  if (!descriptors.ok()) {
    spdlog::error("{}", descriptors.status().ToString());
    return 1;
  }
  // The merchants' live events. Before the engine, which hands it every durable batch's
  // events; destroyed after it and after the server.
  market4::gateway::EventHub events;
  market4::engine::EngineOptions engine_options;
  engine_options.store.path = market4::tools::LedgerPath(options.data_dir);
  engine_options.store.max_open_files = static_cast<int>(descriptors->storage);
  engine_options.max_batch_commands = options.max_batch;
  engine_options.market = options.market;
  engine_options.utc_offset_minutes = options.utc_offset_minutes;
  engine_options.on_merchant_events = [&events](const auto& batch) { events.Publish(batch); };
  auto engine = market4::engine::Engine::Open(std::move(engine_options));
  if (!engine.ok()) {
    spdlog::error("cannot open the ledger: {}", engine.status().ToString());
    return 1;
  }
  market4::gateway::Metrics metrics;
  market4::gateway::Router router(engine.value().get(), &auth.value(), &events, options.limits);
  router.UseMetrics(&metrics);
  if (!options.console_dir.empty()) router.UseConsoleDir(options.console_dir);
  market4::gateway::Server server(options.server, [&router](const auto& request, auto respond) {
    router.Handle(request, std::move(respond));
  });
  metrics.CountConnectionsWith([&server] { return server.open_connections(); });
  if (auto s = server.Start(); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  spdlog::info("market4d listening on {}:{} data-dir={} threads={} operator-token={} malloc={}",
               options.server.host, server.port(), options.data_dir, options.server.threads,
               token_path.empty() ? std::string("$MARKET4_ADMIN_TOKEN") : token_path,
               market4::tools::AllocatorName());
  spdlog::info(
      "market rules: commission {} bps, unpaid orders expire after {} s, shipped orders "
      "complete after {} s, business days at UTC{}; at most {} connections ({} per address)",
      options.market.commission_bps, options.market.pay_timeout.count(),
      options.market.auto_confirm_after.count(),
      market4::FormatUtcOffset(options.utc_offset_minutes), server.max_connections(),
      options.server.max_connections_per_address);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {}: shutting down", received);
  server.Stop();
  router.Stop();
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

  DaemonOptions options;
  market4::tools::ParseOutcome parsed = market4::tools::ParseDaemonOptions(argc, argv, &options);
  std::fputs(parsed.out.c_str(), stdout);
  std::fputs(parsed.err.c_str(), stderr);
  if (parsed.exit_code != market4::tools::kParseContinue) return parsed.exit_code;
  UseBufferedLog();
  spdlog::set_level(options.log_level);
  int status;
  {
    market4::tools::LogFlusher flusher(kLogFlushPeriod);
    status = Serve(options);
  }
  spdlog::shutdown();
  return status;
}
