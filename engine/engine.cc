#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iterator>

#include "common/assert.h"
#include "engine/backups.h"
#include "engine/context.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/timers.h"

namespace market4::engine {

// Expiries already ran for the batch this Tick is in.
Answer<NoReply> Tick::Apply(Context&) const { return NoReply{}; }

Answer<NoReply> VerifyInvariants::Apply(Context& context) const {
  if (Status s = context.ledger.CheckInvariants(); !s.ok()) return s;
  return NoReply{};
}

AnyAnswer FailedAnswer(const Command& command, const Status& status) {
  return std::visit(
      [&status](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        return AnyAnswer(std::in_place_index<CommandIndex<C>::value>, Answer<ReplyOf<C>>(status));
      },
      command);
}

void Engine::SubmitAny(Command command, std::function<void(AnyAnswer)> done) {
  Item item{std::move(command), std::move(done)};
  if (!Enqueue(std::move(item))) {
    item.done(FailedAnswer(
        item.command,
        Status(Code::kUnavailable, "the engine is not accepting commands; retry later")));
  }
}

Result<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  auto store = storage::Store::Open(options.store);
  if (!store.ok()) return store.status();
  std::unique_ptr<Engine> engine(new Engine());
  engine->options_ = std::move(options);
  engine->clock_ = engine->options_.clock ? engine->options_.clock : &engine->system_clock_;
  engine->store_ = std::move(store).value();
  engine->ledger_ = std::make_unique<Ledger>(engine->store_.get());
  if (Status s = engine->ledger_->Load(); !s.ok()) return s;
  engine->market_ = std::make_unique<Market>(engine->store_.get(), engine->options_.market);
  storage::Batch batch;
  // Time never goes back, even across a restart on a machine whose clock was set back: a
  // new entry must never land in a business day that may already be closed.
  engine->last_batch_ns_ =
      std::max(engine->clock_->NowNanos(), engine->ledger_->last_timestamp_ns());
  Status s =
      engine->market_->Load(*engine->store_, *engine->ledger_, engine->last_batch_ns_, &batch);
  if (!s.ok()) return s;
  engine->ledger_->FinishBatch(&batch);
  if (!batch.Empty()) {
    if (Status commit = engine->store_->Commit(batch); !commit.ok()) return commit;
  }
  Sealed loaded;
  engine->SealState(&loaded);
  engine->Publish(loaded);
  engine->backups_ = std::make_unique<BackupRunner>(engine->store_.get());
  engine->committer_ = std::thread([e = engine.get()] { e->RunCommitter(); });
  engine->writer_ = std::thread([e = engine.get()] { e->Run(); });
  return engine;
}

Engine::~Engine() {
  Stop();
  backups_.reset();
  market_.reset();
  ledger_.reset();
  store_.reset();
}

bool Engine::Enqueue(Item&& item) {
  std::lock_guard lock(mutex_);
  if (stopping_ || failed_ || queue_.size() >= options_.max_queued_commands) return false;
  queue_.push_back(std::move(item));
  wake_.notify_one();
  return true;
}

std::size_t Engine::queue_depth() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

Status Engine::Readiness() {
  std::lock_guard lock(mutex_);
  if (failed_) return Status(Code::kUnavailable, "the engine stopped after a storage failure");
  if (stopping_) return Status(Code::kUnavailable, "the engine is stopping");
  if (queue_.size() >= options_.max_queued_commands) {
    return Status(Code::kUnavailable, "the engine's queue is full; retry later");
  }
  return Status::Ok();
}

void Engine::Stop() {
  if (backups_) backups_->Stop();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
  StopCommitter();  // the writer stopped it already, unless it never ran
}

Query Engine::Read() const {
  std::shared_ptr<const LiveLogs> live;
  {
    std::lock_guard lock(live_logs_mutex_);
    live = live_logs_;
  }
  // Made after the logs were taken, the view may be of a newer state: the Query then scans.
  return Query(store_->View(), std::move(live));
}

std::int64_t Engine::NowNanos() const { return clock_->NowNanos(); }

void Engine::Run() {
  // Assertions on this thread reach the engine's fatal handler (tests) before the exit.
  ScopedFatalHandler fatal(options_.on_fatal);
  std::vector<Item> items;
  while (true) {
    // Waiting for the committer before taking commands lets more of them queue: the batch is
    // larger, and so is its share of each fsync.
    std::unique_ptr<storage::Batch> batch = SpareBatch(&items);
    if (!batch) break;  // a commit failed: the committer stopped the engine
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.tick_interval, [&] { return !queue_.empty() || stopping_; });
      if (failed_) break;
      if (queue_.empty() && stopping_) break;
      TakeBatch(items);
    }
    ApplyBatch(items, std::move(batch));
    items.clear();
  }
  StopCommitter();
  bool failed;
  {
    std::lock_guard lock(mutex_);
    failed = failed_;
  }
  if (!failed) WriteCheckpoint();
}

// Moves up to max_batch_commands queued commands into `items` (empty), with mutex_ held:
// the whole queue at once when it fits, so submitters wait on the lock for no copying. The
// two vectors trade places batch after batch, so neither allocates once grown; a deque
// allocated a block per command (an Item is larger than a deque's block).
void Engine::TakeBatch(std::vector<Item>& items) {
  if (queue_.size() <= options_.max_batch_commands) {
    items.swap(queue_);
    return;
  }
  auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch_commands);
  std::move(queue_.begin(), end, std::back_inserter(items));
  queue_.erase(queue_.begin(), end);
}

// On a clean stop the balances logged since the last checkpoint go into the account records,
// so the next start has no log to read. Nothing is lost if this fails: the logs stay valid.
// The committer has stopped: this thread commits.
void Engine::WriteCheckpoint() {
  storage::Batch batch;
  ledger_->Checkpoint(&batch);
  if (batch.Empty()) return;
  if (Status s = store_->Commit(batch); !s.ok()) {
    spdlog::warn("the checkpoint at stop was not written (the logs stay valid): {}", s.ToString());
  }
}

std::vector<std::string_view> Engine::NewTransferIds(const std::vector<Item>& items) {
  std::vector<std::string_view> ids;
  for (const auto& item : items) {
    if (const auto* create = std::get_if<CreateTransfers>(&item.command)) {
      for (const auto& transfer : create->request.transfers()) ids.push_back(transfer.id());
    }
  }
  return ids;
}

// Applies `items` (possibly none: then only timers run) and seals the batch for the
// committer, which answers once it is durable.
void Engine::ApplyBatch(std::vector<Item>& items, std::unique_ptr<storage::Batch> owned) {
  storage::Batch& batch = *owned;
  // Batch time never goes backwards, so ledger timestamps follow the sequence.
  std::int64_t now = std::max(clock_->NowNanos(), last_batch_ns_);
  last_batch_ns_ = now;
  Context context{now, batch, *store_, *ledger_, *market_, options_.utc_offset_minutes};
  ledger_->PrefetchTransfers(NewTransferIds(items));
  ledger_->ExpireDue(now, &batch);
  RunMarketTimers(context);
  std::vector<AnyAnswer> answers;
  answers.reserve(items.size());
  for (auto& item : items) {
    answers.push_back(std::visit(
        [&context](const auto& command) {
          constexpr std::size_t kIndex = CommandIndex<std::decay_t<decltype(command)>>::value;
          return AnyAnswer(std::in_place_index<kIndex>, command.Apply(context));
        },
        item.command));
  }
  ledger_->FinishBatch(&batch);
  // A tick with nothing queued: the accounts changed lately are written out, so that reads
  // of a quiet ledger search no change log (engine/account_index.h).
  if (items.empty()) ledger_->Checkpoint(&batch);
  // Checked before the batch is sealed, so that a broken ledger writes nothing of it.
  if (options_.check_invariants_every_batch) {
    if (Status s = ledger_->CheckInvariants(); !s.ok()) return FailStop(s, items);
  }
  Seal(items, answers, std::move(owned));
}

// The in-memory state may now differ from what is on disk: no batch is applied or committed
// after this. By default the process stops at once, before anyone hears back, so no client
// can take the failure for anything but a lost connection. With an on_fatal handler (tests)
// everything not answered yet (this batch, the one sealed, the queue) is answered
// kUnavailable. `failed_batch`: the batch whose commit failed, staged until the committer is
// fenced off, so that the writer never reads a state without it while it can still seal.
void Engine::FailStop(const Status& status, std::vector<Item>& in_batch,
                      const storage::Batch* failed_batch) {
  if (!options_.on_fatal) Fatal(status);  // logs and exits with status 70
  spdlog::critical("engine stopped: {}", status.ToString());
  std::vector<Item> abandoned;
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
    abandoned.swap(queue_);
  }
  std::optional<Sealed> waiting = FenceCommitter();
  if (failed_batch) store_->Unstage(failed_batch);
  options_.on_fatal(status);
  AnswerUnavailable(in_batch);
  if (waiting) AnswerUnavailable(waiting->items);
  AnswerUnavailable(abandoned);
}

void Engine::AnswerUnavailable(std::vector<Item>& items) {
  Status unavailable(Code::kUnavailable, "the engine stopped after a storage failure");
  for (auto& item : items) item.done(FailedAnswer(item.command, unavailable));
}

}  // namespace market4::engine
