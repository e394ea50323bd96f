// Private to engine/: the engine's backup thread. Engine::Backup hands it one backup at a
// time; it runs Store::Backup off the writer thread, so commits go on meanwhile, and answers
// on its own thread. Stop cancels a running backup and joins. Any thread may call Start and
// Stop.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "storage/store.h"

namespace market4::engine {

using BackupDone = std::function<void(Result<storage::BackupInfo>)>;

class BackupRunner {
 public:
  // `store` is not owned and must outlive the runner.
  explicit BackupRunner(storage::Store* store) : store_(store) {}
  ~BackupRunner() { Stop(); }
  BackupRunner(const BackupRunner&) = delete;
  BackupRunner& operator=(const BackupRunner&) = delete;

  // Starts a backup into `dir`; `done` runs on the backup thread when it ends. Returns the
  // refusal instead (and never calls `done`) when a backup is running or Stop was called.
  [[nodiscard]] Status Start(std::string dir, BackupDone done);
  // Cancels a running backup (it answers kUnavailable), waits for its thread, and refuses
  // later ones. Idempotent.
  void Stop();

 private:
  void Run(const std::string& dir, const BackupDone& done);

  storage::Store* store_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  bool running_ = false;  // guarded by mutex_
  bool stopped_ = false;  // guarded by mutex_
  std::thread thread_;    // guarded by mutex_
};

}  // namespace market4::engine
