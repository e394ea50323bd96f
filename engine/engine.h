// Engine: market4's order/payment core, the write pipeline. One writer thread owns all
// state; any thread may Submit commands, which wait in a bounded queue. The writer takes a
// batch of queued commands, applies each in order and seals their effects as one batch; the
// committer thread writes it to RocksDB with fsync, and only then hands each command its
// Answer (group commit), while the writer applies the next batch. Reads go through a Query
// (Read()), over one committed snapshot, from any thread. No HTTP here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/histogram.h"
#include "common/status.h"
#include "engine/account_index.h"
#include "engine/clock.h"
#include "engine/command.h"
#include "engine/options.h"
#include "engine/query.h"
#include "storage/store.h"

namespace market4::engine {

class BackupRunner;
class Ledger;
struct Market;

class Engine {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Engine>> Open(EngineOptions options);
  ~Engine();  // Stops and closes the store.
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues `command`. `done` runs exactly once: on the committer thread once the command's
  // effects are durable (answers come in the order the commands were applied), or at once on the
  // caller's thread (kUnavailable) if the engine cannot take it. `done` is any copyable callable
  // taking Answer<ReplyOf<C>>; it is kept as it is given, not wrapped in a std::function of its
  // own.
  template <typename C, typename Done>
  void Submit(C command, Done&& done);
  // Submits a command of any type (a log being replayed, a benchmark's mix); `done` gets the
  // answer at the command's index. Same contract as Submit.
  void SubmitAny(Command command, std::function<void(AnyAnswer)> done);
  // Submits and waits. For tools and tests; never call from a `done`.
  template <typename C>
  Answer<ReplyOf<C>> Execute(C command);

  // Stops taking commands, applies and commits everything queued, joins the writer and the
  // committer. A running backup is cancelled first.
  void Stop();

  // Adds a consistent backup of the ledger to `dir` (storage::Store::Backup: an absolute
  // path on this machine) on the engine's backup thread, while the writer keeps committing.
  // `done` runs exactly once: on the backup thread when the backup ends, or at once on the
  // caller's thread with kFailedPrecondition while another backup runs, or kUnavailable once
  // Stop was called. One backup at a time.
  void Backup(std::string dir, std::function<void(Result<storage::BackupInfo>)> done);

  // Reads over the state as of the last commit; any thread. Keep the Query briefly.
  [[nodiscard]] Query Read() const;
  // The engine's clock (EngineOptions::clock): what "now" means to expiries; any thread.
  [[nodiscard]] std::int64_t NowNanos() const;
  // The market's offset from UTC (EngineOptions::utc_offset_minutes): which local business
  // day an instant belongs to. Fixed when the engine opens; any thread.
  [[nodiscard]] int utc_offset_minutes() const { return options_.utc_offset_minutes; }

  // Ok if a command submitted now would be taken; else kUnavailable saying why (stopping,
  // stopped after a storage failure, or the queue is full). For readiness checks; any thread.
  [[nodiscard]] Status Readiness();

  // Batches committed (each one fsync with StoreOptions::sync) and the commands they held,
  // since the engine opened: commands per fsync is their ratio. `handed_over`: how many of
  // those batches the committer thread committed while the writer applied the next (the
  // rest, small ones, the writer committed itself). Any thread.
  struct Counters {
    std::uint64_t batches = 0;
    std::uint64_t commands = 0;
    std::uint64_t handed_over = 0;
  };
  [[nodiscard]] Counters counters() const {
    return {batches_committed_.load(std::memory_order_relaxed),
            commands_committed_.load(std::memory_order_relaxed),
            batches_handed_over_.load(std::memory_order_relaxed)};
  }
  // Commands waiting for the writer now. Any thread.
  [[nodiscard]] std::size_t queue_depth();
  // Provider exceptions waiting for an operator, as of the last commit. Any thread.
  [[nodiscard]] std::int64_t open_exceptions() const {
    return open_exceptions_.load(std::memory_order_relaxed);
  }
  // Accounts changed since they were last written out, and the change logs a read of an
  // account may search, as of the last commit (engine/account_index.h). Any thread.
  [[nodiscard]] std::size_t unwritten_accounts() const {
    return unwritten_accounts_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t live_change_logs() const {
    return live_change_logs_.load(std::memory_order_relaxed);
  }
  // Commands per committed batch, and how long each commit (write and fsync) took, in
  // seconds. For metrics; any thread.
  [[nodiscard]] const Histogram& batch_sizes() const { return batch_sizes_; }
  [[nodiscard]] const Histogram& commit_seconds() const { return commit_seconds_; }

 private:
  struct Item {
    Command command;
    std::function<void(AnyAnswer)> done;
  };
  Engine() = default;
  // False (item untouched) when the engine cannot take it.
  bool Enqueue(Item&& item);
  void Run();
  void TakeBatch(std::vector<Item>& items);
  // The ids of the transfers the batch's CreateTransfers commands name.
  static std::vector<std::string_view> NewTransferIds(const std::vector<Item>& items);
  void ApplyBatch(std::vector<Item>& items, std::unique_ptr<storage::Batch> batch);
  void WriteCheckpoint();
  // Stops the engine after a failure (engine.cc).
  void FailStop(const Status& status, std::vector<Item>& in_batch,
                const storage::Batch* failed_batch = nullptr);
  static void AnswerUnavailable(std::vector<Item>& items);

  // --- The committer (commit.cc) ---
  // A batch the writer applied: its writes, then what to publish and answer once they are
  // durable.
  struct Sealed {
    std::unique_ptr<storage::Batch> batch;  // null if it wrote nothing
    bool staged = false;                    // in the store, for the committer
    std::vector<Item> items;
    std::vector<AnyAnswer> answers;
    std::vector<v1::MerchantEvent> events;
    std::vector<LiveLog> live_logs;
    std::int64_t open_exceptions = 0;
    std::size_t unwritten_accounts = 0;
    std::size_t live_change_logs = 0;
  };
  // Writer: a cleared batch to apply into, once the committer has taken the last one sealed
  // (and, if `items` keeps no room, a spare vector for the next commands); null if the
  // committer stopped on a failure.
  std::unique_ptr<storage::Batch> SpareBatch(std::vector<Item>* items);
  // Writer: what the ledger and market publish of the state just applied, which they then
  // read from the store (where the batch is staged); `sealed->batch` is left as it is.
  void SealState(Sealed* sealed);
  // Writer: hands the batch just applied to the committer, or commits it (see commit.cc), or
  // answers it kUnavailable if a commit failed.
  void Seal(std::vector<Item>& items, std::vector<AnyAnswer>& answers,
            std::unique_ptr<storage::Batch> batch);
  // Writer: waits until everything sealed is committed and answered, then ends the committer.
  void StopCommitter();
  void RunCommitter();
  // Committer (or writer, see Seal): false after a failed commit, which stops the engine.
  bool Commit(Sealed& sealed);
  std::optional<Sealed> FenceCommitter();
  // What readers see of the state just committed: the change logs and the counters.
  void Publish(Sealed& sealed);

  EngineOptions options_;
  SystemClock system_clock_;
  Clock* clock_ = nullptr;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Market> market_;
  std::unique_ptr<BackupRunner> backups_;
  std::int64_t last_batch_ns_ = 0;
  std::atomic<std::uint64_t> batches_committed_{0};
  std::atomic<std::uint64_t> commands_committed_{0};
  std::atomic<std::uint64_t> batches_handed_over_{0};
  std::atomic<std::int64_t> open_exceptions_{0};
  std::atomic<std::size_t> unwritten_accounts_{0};
  std::atomic<std::size_t> live_change_logs_{0};
  // The change logs of the last committed state, for Read (engine/account_index.h). Written
  // by the committing thread under the mutex; copied by readers under it.
  mutable std::mutex live_logs_mutex_;
  std::shared_ptr<const LiveLogs> live_logs_;
  Histogram batch_sizes_{{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000}};
  Histogram commit_seconds_{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Item> queue_;
  bool stopping_ = false;
  bool failed_ = false;
  std::thread writer_;

  // The hand-over from the writer to the committer: at most one sealed batch waits while
  // another is committed, so the writer is never more than one batch ahead of the disk.
  std::mutex commit_mutex_;
  std::condition_variable commit_wake_;   // the committer: a batch was sealed, or stop
  std::condition_variable commit_taken_;  // the writer: the committer took it, or failed
  std::optional<Sealed> sealed_;
  bool committer_stopping_ = false;
  bool committing_ = false;  // the committer is committing a batch it took
  bool commit_failed_ = false;
  std::vector<std::unique_ptr<storage::Batch>> spare_batches_;
  std::vector<std::vector<Item>> spare_items_;
  std::thread committer_;
};

template <typename C, typename Done>
void Engine::Submit(C command, Done&& done) {
  constexpr std::size_t kIndex = CommandIndex<C>::value;
  SubmitAny(Command(std::in_place_index<kIndex>, std::move(command)),
            [done = std::forward<Done>(done)](AnyAnswer answer) mutable {
              done(std::get<kIndex>(std::move(answer)));
            });
}

template <typename C>
Answer<ReplyOf<C>> Engine::Execute(C command) {
  std::promise<Answer<ReplyOf<C>>> promise;
  auto future = promise.get_future();
  Submit<C>(std::move(command),
            [&promise](Answer<ReplyOf<C>> answer) { promise.set_value(std::move(answer)); });
  return future.get();
}

}  // namespace market4::engine
