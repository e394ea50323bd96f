#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <future>

#include "engine/ledger.h"
#include "engine/market.h"

namespace market4::engine {

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  auto store = storage::Store::Open(options.store);
  if (!store.ok()) return store.status();
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = std::move(options);
  engine->clock_ = engine->options_.clock ? engine->options_.clock : &engine->system_clock_;
  engine->store_ = std::move(store).value();
  engine->ledger_ = std::make_unique<Ledger>(engine->store_.get());
  if (Status s = engine->ledger_->Load(); !s.ok()) return s;
  engine->market_ = std::make_unique<Market>(engine->store_.get(), engine->ledger_.get(),
                                             engine->options_.market);
  storage::Batch batch;
  engine->last_batch_ns_ = engine->clock_->NowNanos();
  if (Status s = engine->market_->Load(engine->last_batch_ns_, &batch); !s.ok()) return s;
  if (!batch.Empty()) {
    if (Status s = engine->store_->Commit(batch); !s.ok()) return s;
  }
  engine->ledger_->OnCommitted();
  engine->writer_ = std::thread([e = engine.get()] { e->Run(); });
  return engine;
}

Engine::~Engine() {
  Stop();
  market_.reset();
  ledger_.reset();
  store_.reset();
}

void Engine::Submit(Command command, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && !failed_ && queue_.size() < options_.max_queued_commands) {
      queue_.push_back(Item{std::move(command), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Outcome{Status(Code::kUnavailable, "the engine is not accepting commands; retry later")});
}

Outcome Engine::Execute(Command command) {
  std::promise<Outcome> promise;
  auto future = promise.get_future();
  Submit(std::move(command),
         [&promise](Outcome outcome) { promise.set_value(std::move(outcome)); });
  return future.get();
}

void Engine::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
}

void Engine::Run() {
  storage::Batch batch;
  std::deque<Item> items;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.tick_interval, [&] { return !queue_.empty() || stopping_; });
      if (failed_ || (queue_.empty() && stopping_)) break;
      std::size_t take = std::min(queue_.size(), options_.max_batch_commands);
      for (std::size_t i = 0; i < take; ++i) {
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ApplyBatch(items, batch);
    items.clear();
  }
}

// Applies `items` (possibly none: then only expiries run), commits, and only then answers.
void Engine::ApplyBatch(std::deque<Item>& items, storage::Batch& batch) {
  // Batch time never goes backwards, so ledger timestamps follow the sequence.
  std::int64_t now = std::max(clock_->NowNanos(), last_batch_ns_);
  last_batch_ns_ = now;
  batch.Clear();
  ledger_->ExpireDue(now, &batch);
  market_->Tick(now, &batch);
  std::vector<Outcome> outcomes;
  outcomes.reserve(items.size());
  for (auto& item : items) {
    outcomes.push_back(Market::Handles(item.command) ? market_->Apply(item.command, now, &batch)
                                                     : ledger_->Apply(item.command, now, &batch));
  }
  if (!batch.Empty()) {
    if (Status s = store_->Commit(batch); !s.ok()) return FailStop(s, items);
  }
  ledger_->OnCommitted();
  market_->OnCommitted();
  if (options_.check_invariants_every_batch) {
    if (Status s = ledger_->CheckInvariants(); !s.ok()) return FailStop(s, items);
  }
  for (std::size_t i = 0; i < items.size(); ++i) items[i].done(std::move(outcomes[i]));
}

// The in-memory state may now differ from what is on disk: never apply another command.
// The process stops (by default) before anyone hears back, so no client can take the
// failure of this batch for anything but a lost connection.
void Engine::FailStop(const Status& status, std::deque<Item>& in_batch) {
  std::deque<Item> abandoned;
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
    abandoned.swap(queue_);
  }
  spdlog::critical("engine stopped: {}", status.ToString());
  if (options_.on_fatal) {
    options_.on_fatal(status);
  } else {
    spdlog::shutdown();
    std::_Exit(70);
  }
  for (auto* items : {&in_batch, &abandoned}) {
    for (auto& item : *items) {
      item.done(Outcome{Status(Code::kUnavailable, "the engine stopped after a storage failure")});
    }
  }
}

}  // namespace market4::engine
