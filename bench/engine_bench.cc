// Engine throughput on a real RocksDB with fsync: how group commit scales with the number of
// concurrent submitters. Each iteration is one transfer answered only after it is durable.
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "engine/engine.h"

namespace market4::engine {
namespace {

struct Fixture {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::atomic<std::uint64_t> next_id{0};

  explicit Fixture(bool sync) {
    dir = (std::filesystem::temp_directory_path() / ("market4-bench-" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(dir);
    EngineOptions options;
    options.store.path = dir;
    options.store.sync = sync;
    engine = std::move(Engine::Open(std::move(options))).value();
    for (const char* id : {"source", "sink"}) {
      v1::CreateAccountRequest request;
      request.set_id(id);
      (void)engine->Execute(request);
    }
  }
  ~Fixture() {
    engine.reset();
    std::filesystem::remove_all(dir);
  }

  v1::CreateTransfersRequest Next() {
    v1::CreateTransfersRequest request;
    auto* t = request.add_transfers();
    t->set_id("b" + std::to_string(next_id++));
    t->set_debit_account_id("source");
    t->set_credit_account_id("sink");
    t->set_amount(1000);
    t->set_code(1);
    return request;
  }
};

std::unique_ptr<Fixture> fixture;

// N threads, each waiting for its transfer to be durable before sending the next.
void BM_DurableTransfer(benchmark::State& state) {
  if (state.thread_index() == 0) fixture = std::make_unique<Fixture>(true);
  for (auto _ : state) {
    Outcome outcome = fixture->engine->Execute(fixture->Next());
    if (!outcome.status.ok()) state.SkipWithError(outcome.status.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) fixture.reset();
}
BENCHMARK(BM_DurableTransfer)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();

// One submitter keeping `window` transfers in flight: the engine's ceiling.
void BM_DurableTransferWindow(benchmark::State& state) {
  Fixture f(true);
  const auto window = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::atomic<std::size_t> left{window};
    std::promise<void> done;
    for (std::size_t i = 0; i < window; ++i) {
      f.engine->Submit(f.Next(), [&](Outcome) {
        if (--left == 0) done.set_value();
      });
    }
    done.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(window));
}
BENCHMARK(BM_DurableTransferWindow)->Arg(1000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace market4::engine

BENCHMARK_MAIN();
