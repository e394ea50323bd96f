// The engine's committer: the second half of the write pipeline. The writer applies a batch
// and seals it (the store stages its writes, so the writer's next batch reads them); the
// committer writes it to RocksDB with fsync, publishes what readers see of it, and answers
// its commands, while the writer applies the next batch. One batch is committed at a time,
// in the order they were sealed, so answers keep the order the commands were applied in,
// and no answer is given before everything applied before it is durable.
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/assert.h"
#include "engine/engine.h"
#include "engine/ledger.h"
#include "engine/market.h"

namespace market4::engine {

std::unique_ptr<storage::Batch> Engine::SpareBatch(std::vector<Item>* items) {
  std::unique_lock lock(commit_mutex_);
  commit_taken_.wait(lock, [this] { return !sealed_ || commit_failed_; });
  if (commit_failed_) return nullptr;
  if (items->capacity() == 0 && !spare_items_.empty()) {
    *items = std::move(spare_items_.back());
    spare_items_.pop_back();
  }
  if (spare_batches_.empty()) return std::make_unique<storage::Batch>();
  std::unique_ptr<storage::Batch> batch = std::move(spare_batches_.back());
  spare_batches_.pop_back();
  return batch;
}

void Engine::SealState(Sealed* sealed) {
  sealed->events = std::move(market_->published);
  ledger_->OnSealed();
  market_->OnSealed();
  sealed->live_logs = ledger_->LiveLogsNow();
  sealed->open_exceptions = market_->open_exceptions;
  sealed->unwritten_accounts = ledger_->unwritten_accounts();
  sealed->live_change_logs = ledger_->live_change_logs();
}

// A small batch is committed by the writer itself when the committer is idle, as the one
// thread writing at that moment. Handing it over would add a thread's wake-up to each of its
// answers for little overlap: the next batch, as small, would be applied in less time than
// that. Measured (engine_bench), handing every batch over cost a lone client a quarter of its
// rate, and 64 one-at-a-time clients 5-10 %.
constexpr std::size_t kMostCommandsCommittedInline = 64;

void Engine::Seal(std::vector<Item>& items, std::vector<AnyAnswer>& answers,
                  std::unique_ptr<storage::Batch> batch) {
  Sealed sealed;
  SealState(&sealed);
  sealed.items = std::move(items);
  sealed.answers = std::move(answers);
  if (!batch->Empty()) sealed.batch = std::move(batch);
  const bool small = sealed.items.size() <= kMostCommandsCommittedInline;
  bool failed = false;
  {
    std::lock_guard lock(commit_mutex_);
    if (batch) spare_batches_.push_back(std::move(batch));
    failed = commit_failed_;
    if (!failed && (!small || sealed_ || committing_)) {
      if (sealed.batch) store_->Stage(sealed.batch.get());
      sealed.staged = sealed.batch != nullptr;
      sealed_ = std::move(sealed);
      commit_wake_.notify_one();
      return;
    }
  }
  if (failed) return AnswerUnavailable(sealed.items);
  Commit(sealed);
}

void Engine::StopCommitter() {
  {
    std::lock_guard lock(commit_mutex_);
    committer_stopping_ = true;
  }
  commit_wake_.notify_one();
  if (committer_.joinable()) committer_.join();
}

void Engine::RunCommitter() {
  ScopedFatalHandler fatal(options_.on_fatal);
  while (true) {
    Sealed sealed;
    {
      std::unique_lock lock(commit_mutex_);
      commit_wake_.wait(lock, [this] { return sealed_ || committer_stopping_; });
      if (!sealed_) return;  // stopping, with everything sealed committed
      sealed = std::move(*sealed_);
      sealed_.reset();
      committing_ = true;
    }
    commit_taken_.notify_one();
    if (!Commit(sealed)) return;
    std::lock_guard lock(commit_mutex_);
    committing_ = false;
  }
}

bool Engine::Commit(Sealed& sealed) {
  if (sealed.batch) {
    auto started = std::chrono::steady_clock::now();
    Status s = store_->Commit(*sealed.batch);
    if (!s.ok()) {
      FailStop(s, sealed.items, sealed.staged ? sealed.batch.get() : nullptr);
      return false;
    }
    if (sealed.staged) store_->Unstage(sealed.batch.get());
    commit_seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    batch_sizes_.Observe(static_cast<double>(sealed.items.size()));
    batches_committed_.fetch_add(1, std::memory_order_relaxed);
    commands_committed_.fetch_add(sealed.items.size(), std::memory_order_relaxed);
    if (sealed.staged) batches_handed_over_.fetch_add(1, std::memory_order_relaxed);
  }
  Publish(sealed);
  if (!sealed.events.empty() && options_.on_merchant_events) {
    options_.on_merchant_events(sealed.events);
  }
  for (std::size_t i = 0; i < sealed.items.size(); ++i) {
    sealed.items[i].done(std::move(sealed.answers[i]));
  }
  // The batch's buffers and the commands' vector are used again: neither is allocated and
  // grown afresh for every batch.
  if (sealed.batch) sealed.batch->Clear();
  sealed.items.clear();
  std::lock_guard lock(commit_mutex_);
  if (sealed.batch) spare_batches_.push_back(std::move(sealed.batch));
  if (spare_items_.empty()) spare_items_.push_back(std::move(sealed.items));
  return true;
}

// After a failure no batch is committed: the one sealed and waiting, if any, is taken back
// and unstaged (its answers are the caller's to give); the writer's next SpareBatch and Seal
// see the failure.
std::optional<Engine::Sealed> Engine::FenceCommitter() {
  std::optional<Sealed> waiting;
  {
    std::lock_guard lock(commit_mutex_);
    commit_failed_ = true;
    waiting.swap(sealed_);
  }
  commit_taken_.notify_all();
  if (waiting && waiting->staged) store_->Unstage(waiting->batch.get());
  return waiting;
}

// The live logs are of the state just committed: one thread commits at a time, so the
// store's newest sequence is that state's.
void Engine::Publish(Sealed& sealed) {
  open_exceptions_.store(sealed.open_exceptions, std::memory_order_relaxed);
  unwritten_accounts_.store(sealed.unwritten_accounts, std::memory_order_relaxed);
  live_change_logs_.store(sealed.live_change_logs, std::memory_order_relaxed);
  const std::uint64_t sequence = store_->LatestSequence();
  std::lock_guard lock(live_logs_mutex_);
  if (live_logs_ && live_logs_->store_sequence == sequence) return;  // nothing committed
  live_logs_ = std::make_shared<const LiveLogs>(LiveLogs{sequence, std::move(sealed.live_logs)});
}

}  // namespace market4::engine
