#include "engine/backups.h"

#include <spdlog/spdlog.h>

#include "engine/engine.h"

namespace market4::engine {

Status BackupRunner::Start(std::string dir, BackupDone done) {
  std::thread finished;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return Status(Code::kUnavailable, "the server is stopping; no backup can start now");
    }
    if (running_) {
      return Status(Code::kFailedPrecondition,
                    "a backup is already running; try again when it has finished");
    }
    running_ = true;
    // The previous backup's thread has answered already; join it outside the lock.
    finished = std::move(thread_);
    thread_ = std::thread([this, dir = std::move(dir), done = std::move(done)] { Run(dir, done); });
  }
  if (finished.joinable()) finished.join();
  return Status::Ok();
}

void BackupRunner::Run(const std::string& dir, const BackupDone& done) {
  storage::BackupInfo info;
  spdlog::info("backup into {} started", dir);
  Status s = store_->Backup(dir, &info, &cancel_);
  if (s.ok()) {
    spdlog::info("backup {} into {}: {} files, {} bytes, last sequence {}", info.backup_id, dir,
                 info.file_count, info.size_bytes, info.last_sequence);
  } else {
    spdlog::warn("backup into {} failed: {}", dir, s.ToString());
  }
  {
    // Before answering, so that a client that hears back may start the next one at once.
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  if (s.ok()) {
    done(info);
  } else {
    done(s);
  }
}

void BackupRunner::Stop() {
  std::thread running;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    cancel_ = true;
    running = std::move(thread_);
  }
  if (running.joinable()) running.join();
}

void Engine::Backup(std::string dir, std::function<void(Result<storage::BackupInfo>)> done) {
  if (Status s = backups_->Start(std::move(dir), done); !s.ok()) done(s);
}

}  // namespace market4::engine
