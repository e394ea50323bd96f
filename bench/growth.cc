// market4-growth: how the engine behaves as the ledger grows. Fills a data directory with
// accounts and durable transfers (many in flight, as a busy gateway would submit them),
// measuring throughput per slice of the fill, then closes the engine; a second process (as a
// real restart is) times opening the full ledger and reports its resident memory.
//
//   market4-growth --dir /var/tmp/m4-growth --accounts 1000000 --transfers 10000000
//   market4-growth --accounts 2 --transfers 0 --buyers 1000000    # RSS per million buyers
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "engine/engine.h"

namespace market4::engine {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

long RssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

std::unique_ptr<Engine> OpenEngine(const std::string& dir) {
  EngineOptions options;
  options.store.path = dir;
  auto engine = Engine::Open(std::move(options));
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(engine).value();
}

std::string AccountId(std::uint64_t i) { return "g" + std::to_string(i); }

// Submits `count` commands made by `make(i)`, keeping `window` in flight; true if all succeeded.
template <typename Make>
bool Submit(Engine& engine, std::uint64_t first, std::uint64_t count, std::size_t window,
            Make make) {
  std::atomic<std::uint64_t> failed{0};
  for (std::uint64_t at = first; at < first + count; at += window) {
    std::uint64_t n = std::min<std::uint64_t>(window, first + count - at);
    std::atomic<std::uint64_t> left{n};
    std::promise<void> done;
    for (std::uint64_t i = at; i < at + n; ++i) {
      auto command = make(i);
      engine.Submit<decltype(command)>(std::move(command), [&](auto answer) {
        if (!answer.ok()) failed.fetch_add(1);
        if (--left == 0) done.set_value();
      });
    }
    done.get_future().wait();
  }
  return failed.load() == 0;
}

// Listings per merchant when filling listings: a large stall's catalogue.
constexpr std::uint64_t kListingsPerMerchant = 1'000;

// A phone number of 10 digits, different for each i.
std::string Phone(std::uint64_t i) {
  std::string digits = std::to_string(i % 100'000'000);
  return "09" + std::string(8 - digits.size(), '0') + digits;
}

// Registers `buyers` buyers, and `listings` listings among merchants of kListingsPerMerchant
// each, as a district holds them, so that the restart reports what they cost in memory.
bool FillMarket(Engine& engine, std::uint64_t buyers, std::uint64_t listings) {
  Clock::time_point start = Clock::now();
  bool ok = Submit(engine, 0, buyers, 1000, [](std::uint64_t i) {
    CreateBuyer command;
    command.id = "b_" + std::to_string(i);
    command.token_hash = "buyer-token-" + std::to_string(i);
    command.request.set_name("Người mua " + std::to_string(i));
    command.request.set_phone(Phone(i));
    return command;
  });
  const std::uint64_t merchants = (listings + kListingsPerMerchant - 1) / kListingsPerMerchant;
  ok = ok && Submit(engine, 0, merchants, 1000, [](std::uint64_t i) {
         CreateMerchant command;
         command.id = "m_" + std::to_string(i);
         command.token_hash = "merchant-token-" + std::to_string(i);
         command.caller = {Role::kOperator, kAdminOperatorId};
         command.request.set_name("Sạp " + std::to_string(i));
         command.request.set_phone(Phone(i));
         command.request.set_location("Chợ Vị Thanh");
         return command;
       });
  ok = ok && Submit(engine, 0, listings, 1000, [](std::uint64_t i) {
         CreateListing command;
         command.merchant_id = "m_" + std::to_string(i / kListingsPerMerchant);
         command.id = "l_" + std::to_string(i);
         command.request.set_title("Cá lóc đồng Sóc Trăng " + std::to_string(i));
         command.request.set_description("Hàng tươi mỗi sáng");
         command.request.set_category("cho");
         command.request.set_unit("kg");
         command.request.set_price(1'000 + static_cast<std::int64_t>(i % 97) * 1'000);
         command.request.set_stock(100);
         return command;
       });
  if (buyers + listings > 0) {
    std::printf("market: %llu buyers, %llu merchants, %llu listings in %.1f s\n",
                static_cast<unsigned long long>(buyers), static_cast<unsigned long long>(merchants),
                static_cast<unsigned long long>(listings), Seconds(start));
  }
  return ok;
}

int Run(const std::string& dir, std::uint64_t accounts, std::uint64_t transfers,
        std::uint64_t slices, std::uint64_t buyers, std::uint64_t listings) {
  std::filesystem::remove_all(dir);
  auto engine = OpenEngine(dir);
  if (!FillMarket(*engine, buyers, listings)) {
    std::fprintf(stderr, "some buyers, merchants or listings failed\n");
    return 1;
  }
  Clock::time_point start = Clock::now();
  bool ok = Submit(*engine, 0, accounts, 1000, [](std::uint64_t i) {
    CreateAccount command;
    command.request.set_id(AccountId(i));
    return command;
  });
  std::printf("accounts: %llu in %.1f s\n", static_cast<unsigned long long>(accounts),
              Seconds(start));
  const std::uint64_t slice = transfers / slices;
  for (std::uint64_t s = 0; ok && slice > 0 && s < slices; ++s) {
    Clock::time_point t = Clock::now();
    ok = Submit(*engine, s * slice, slice, 1000, [accounts](std::uint64_t i) {
      CreateTransfers command;
      auto* transfer = command.request.add_transfers();
      transfer->set_id("t" + std::to_string(i));
      std::uint64_t debit = (i * 7919) % accounts;
      transfer->set_debit_account_id(AccountId(debit));
      transfer->set_credit_account_id(AccountId((debit + 1 + i % 97) % accounts));
      transfer->set_amount(1);
      transfer->set_code(1);
      return command;
    });
    std::printf("transfers %llu..%llu: %.0f /s\n", static_cast<unsigned long long>(s * slice),
                static_cast<unsigned long long>((s + 1) * slice),
                static_cast<double>(slice) / Seconds(t));
    std::fflush(stdout);
  }
  if (!ok) {
    std::fprintf(stderr, "some commands failed\n");
    return 1;
  }
  std::printf("filled: RSS %ld MiB\n", RssMiB());
  Clock::time_point close = Clock::now();
  engine.reset();
  std::printf("closed in %.2f s\n", Seconds(close));
  return 0;
}

}  // namespace
}  // namespace market4::engine

int main(int argc, char** argv) {
  CLI::App app{"market4-growth: fill a ledger, measure throughput as it grows, time a restart"};
  std::string dir = "/var/tmp/market4-growth";
  std::uint64_t accounts = 1'000'000;
  std::uint64_t transfers = 10'000'000;
  std::uint64_t slices = 10;
  std::uint64_t buyers = 0;
  std::uint64_t listings = 0;
  bool restart_only = false;
  app.add_option("--dir", dir, "data directory (emptied first)");
  app.add_option("--accounts", accounts, "accounts to open")->check(CLI::Range(2, 100'000'000));
  app.add_option("--transfers", transfers, "transfers to commit");
  app.add_option("--slices", slices, "report throughput this many times")
      ->check(CLI::Range(1, 1000));
  app.add_option("--buyers", buyers, "buyers to register first (each has a wallet account)");
  app.add_option("--listings", listings, "listings to create first, 1,000 per merchant");
  app.add_flag("--restart-only", restart_only, "only time opening an existing --dir");
  CLI11_PARSE(app, argc, argv);
  if (restart_only) {
    auto start = std::chrono::steady_clock::now();
    auto engine = market4::engine::OpenEngine(dir);
    std::printf("restart: ready in %.2f s; RSS %ld MiB\n", market4::engine::Seconds(start),
                market4::engine::RssMiB());
    return 0;
  }
  if (int status = market4::engine::Run(dir, accounts, transfers, slices, buyers, listings);
      status != 0) {
    return status;
  }
  std::string again = std::string(argv[0]) + " --restart-only --dir '" + dir + "'";
  return std::system(again.c_str()) == 0 ? 0 : 1;
}
