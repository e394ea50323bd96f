// Engine throughput on a real RocksDB with fsync: how group commit scales with the number of
// concurrent submitters. Each iteration is one transfer answered only after it is durable.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <semaphore>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace market4::engine {
namespace {

struct Fixture {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::atomic<std::uint64_t> next_id{0};
  int accounts;

  // Transfers go from "source" to "sink", unless `accounts` is set: then between two
  // different accounts of that many, picked pseudo-randomly from the transfer's number, as
  // the PostgreSQL ledger and the HTTP scenario pick theirs.
  explicit Fixture(bool sync, int accounts = 0) : accounts(accounts) {
    dir = (std::filesystem::temp_directory_path() / ("market4-bench-" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(dir);
    EngineOptions options;
    options.store.path = dir;
    options.store.sync = sync;
    // One buyer keeps hundreds of orders in flight here: no unpaid-order limits.
    options.market.max_unpaid_orders = 0;
    options.market.max_unpaid_value = 0;
    options.market.max_unpaid_share = 0;
    engine = std::move(Engine::Open(std::move(options))).value();
    std::vector<std::string> ids = {"source", "sink"};
    for (int i = 0; i < accounts; ++i) ids.push_back(AccountId(i));
    for (const std::string& id : ids) {
      CreateAccount command;
      command.request.set_id(id);
      (void)engine->Execute(command);
    }
  }
  static std::string AccountId(std::uint64_t i) { return "a" + std::to_string(i); }
  ~Fixture() {
    engine.reset();
    std::filesystem::remove_all(dir);
  }

  CreateTransfers Next() {
    CreateTransfers command;
    auto* t = command.request.add_transfers();
    std::uint64_t n = next_id++;
    t->set_id("b" + std::to_string(n));
    if (accounts == 0) {
      t->set_debit_account_id("source");
      t->set_credit_account_id("sink");
    } else {
      const auto count = static_cast<std::uint64_t>(accounts);
      std::uint64_t mixed = n * 0x9E3779B97F4A7C15ull;  // Fibonacci hashing
      std::uint64_t debit = (mixed >> 20) % count;
      std::uint64_t credit = (debit + 1 + (mixed >> 40) % (count - 1)) % count;
      t->set_debit_account_id(AccountId(debit));
      t->set_credit_account_id(AccountId(credit));
    }
    t->set_amount(1000);
    t->set_code(1);
    return command;
  }
};

std::unique_ptr<Fixture> fixture;

// Commands per committed batch (one fsync each) while the benchmark ran.
void ReportPerFsync(benchmark::State& state, Engine::Counters before, Engine::Counters after) {
  std::uint64_t batches = after.batches - before.batches;
  if (batches == 0) return;
  state.counters["per_fsync"] =
      static_cast<double>(after.commands - before.commands) / static_cast<double>(batches);
}

// CPU time of the whole process (every thread: the submitter, the writer, RocksDB's flushes
// and compactions), in microseconds.
double ProcessCpuMicros() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec); };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

// N threads, each waiting for its transfer to be durable before sending the next.
void BM_DurableTransfer(benchmark::State& state) {
  if (state.thread_index() == 0) fixture = std::make_unique<Fixture>(true);
  Engine::Counters before;
  if (state.thread_index() == 0) before = fixture->engine->counters();
  for (auto _ : state) {
    auto answer = fixture->engine->Execute(fixture->Next());
    if (!answer.ok()) state.SkipWithError(answer.status.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    ReportPerFsync(state, before, fixture->engine->counters());
    fixture.reset();
  }
}
BENCHMARK(BM_DurableTransfer)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();

// One submitter keeping `window` transfers in flight: each answer lets the next transfer in,
// as many independent clients would. An iteration is `window` more submitted; the last
// window's answers are awaited after the timed loop (under 1 % of a 2 s run).
void BM_DurableTransferInFlight(benchmark::State& state) {
  Fixture f(true, static_cast<int>(state.range(1)));
  const auto window = static_cast<std::ptrdiff_t>(state.range(0));
  std::counting_semaphore<> room(window);
  Engine::Counters before = f.engine->counters();
  double cpu_before = ProcessCpuMicros();
  for (auto _ : state) {
    for (std::ptrdiff_t i = 0; i < window; ++i) {
      room.acquire();
      f.engine->Submit<CreateTransfers>(
          f.Next(), [&room](Answer<v1::CreateTransfersResponse>) { room.release(); });
    }
  }
  for (std::ptrdiff_t i = 0; i < window; ++i) room.acquire();
  state.SetItemsProcessed(state.iterations() * window);
  ReportPerFsync(state, before, f.engine->counters());
  // The machine's work per transfer: steadier than throughput on a shared machine, and what
  // bounds throughput once both cores are busy.
  state.counters["cpu_us"] =
      (ProcessCpuMicros() - cpu_before) / static_cast<double>(state.iterations() * window);
}
// Arguments: transfers in flight, accounts (0: all from "source" to "sink").
BENCHMARK(BM_DurableTransferInFlight)
    ->Args({1000, 0})
    ->Args({1000, 1000})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// One submitter sending `window` transfers at once and waiting for all of them before the
// next burst: the pipeline drains between bursts.
void BM_DurableTransferWindow(benchmark::State& state) {
  Fixture f(true);
  const auto window = static_cast<std::size_t>(state.range(0));
  Engine::Counters before = f.engine->counters();
  for (auto _ : state) {
    std::atomic<std::size_t> left{window};
    std::promise<void> done;
    for (std::size_t i = 0; i < window; ++i) {
      f.engine->Submit<CreateTransfers>(f.Next(), [&](Answer<v1::CreateTransfersResponse>) {
        if (--left == 0) done.set_value();
      });
    }
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(window));
  ReportPerFsync(state, before, f.engine->counters());
}
BENCHMARK(BM_DurableTransferWindow)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

// Submits `commands` at once and waits for every answer; returns how many succeeded.
std::size_t RunWindow(Engine& engine, std::vector<Command> commands) {
  std::atomic<std::size_t> left{commands.size()}, ok{0};
  std::promise<void> done;
  for (auto& command : commands) {
    engine.SubmitAny(std::move(command), [&](AnyAnswer answer) {
      if (StatusOf(answer).ok()) ++ok;
      if (--left == 0) done.set_value();
    });
  }
  done.get_future().wait();
  return ok;
}

// A whole order life, durable at every step: place, pay, ship, confirm (escrow released to
// the merchant and the fee). `window` orders move through each step together.
void BM_OrderLifecycleWindow(benchmark::State& state) {
  Fixture f(true);
  const auto window = static_cast<std::size_t>(state.range(0));
  CreateMerchant merchant{"m_bench", "hash-m", {}};
  merchant.request.set_name("Cô Ba");
  merchant.request.set_phone("0901234567");
  merchant.request.set_location("Chợ");
  CreateBuyer buyer{"b_bench", "hash-b", {}};
  buyer.request.set_name("Anh Tư");
  buyer.request.set_phone("0912345678");
  CreateListing listing{"m_bench", "l_bench", {}};
  listing.request.set_title("Rau muống");
  listing.request.set_unit("bó");
  listing.request.set_price(10'000);
  listing.request.set_stock(kMaxStock);
  MakeDeposit deposit{Caller{Role::kOperator, ""}, "b_bench", "desk", {}};
  deposit.request.set_amount(1'000'000'000'000);
  bool setup = f.engine->Execute(merchant).ok() && f.engine->Execute(buyer).ok() &&
               f.engine->Execute(listing).ok() && f.engine->Execute(deposit).ok();
  if (!setup) state.SkipWithError("setup failed");
  std::uint64_t next = 0;
  for (auto _ : state) {
    std::vector<std::string> ids;
    std::vector<Command> place;
    for (std::size_t i = 0; i < window; ++i) {
      ids.push_back("o_" + std::to_string(next++));
      PlaceOrder order{"b_bench", ids.back(), "k" + ids.back(), {}};
      auto* item = order.request.add_items();
      item->set_listing_id("l_bench");
      item->set_quantity(1);
      place.push_back(order);
    }
    std::size_t completed = RunWindow(*f.engine, std::move(place));
    for (auto [action, role, who] : {std::tuple{OrderAction::kPay, Role::kBuyer, "b_bench"},
                                     std::tuple{OrderAction::kShip, Role::kMerchant, "m_bench"},
                                     std::tuple{OrderAction::kConfirm, Role::kBuyer, "b_bench"}}) {
      std::vector<Command> step;
      for (const auto& id : ids)
        step.push_back(ActOnOrder{Caller{role, who}, id, action, "", "", ""});
      completed = std::min(completed, RunWindow(*f.engine, std::move(step)));
    }
    if (completed != window) state.SkipWithError("an order step failed");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(window));
}
BENCHMARK(BM_OrderLifecycleWindow)->Arg(500)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace market4::engine

BENCHMARK_MAIN();
