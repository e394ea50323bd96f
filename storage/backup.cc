// Store::Backup and Store::Restore over RocksDB's BackupEngine (docs/decisions.md explains
// why a BackupEngine rather than a Checkpoint).
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "storage/keys.h"
#include "storage/store.h"

namespace market4::storage {
namespace {

namespace fs = std::filesystem;

// How often (in bytes copied) a running backup checks whether it was cancelled.
constexpr std::uint64_t kBackupCancelCheckBytes = 1 << 20;
// A BackupEngine directory always has this subdirectory once a backup was made in it.
constexpr char kBackupMetaDirectory[] = "meta";
// Suffix of the sibling directory a restore writes before renaming it into place.
constexpr char kRestoringSuffix[] = ".restoring";

Status BackupError(const rocksdb::Status& s, std::string_view what) {
  return Status(Code::kIoError, std::string(what) + ": " + s.ToString());
}

Status Refused(std::string message) {
  return Status(Code::kFailedPrecondition, std::move(message)).WithDetail("field", "dir");
}

bool HoldsBackups(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / kBackupMetaDirectory, ec);
}

// `dir` is absolute and a directory (made if missing) that is empty or holds backups, and
// that this process may write.
Status PrepareBackupDirectory(const std::string& dir) {
  if (dir.empty() || !fs::path(dir).is_absolute()) {
    return Status(Code::kInvalidArgument,
                  "dir must be an absolute path on the server's machine, got '" + dir + "'")
        .WithDetail("field", "dir");
  }
  std::error_code ec;
  fs::file_status status = fs::status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) return Refused(dir + " exists and is not a directory");
    if (!fs::is_empty(dir, ec) && !HoldsBackups(dir)) {
      return Refused(dir + " holds files that are not market4 backups; choose a new or empty " +
                     "directory, or one that holds earlier backups");
    }
  } else if (fs::create_directories(dir, ec); ec) {
    return Refused("cannot create " + dir + ": " + ec.message());
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Refused(dir + " is not writable by the server: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status ReadLastSequence(const Store& store, BackupInfo* info) {
  auto last = store.Get(Family::kMeta, kLastSequenceKey);
  if (!last.ok()) return last.status();
  info->last_sequence = 0;
  if (last.value()) info->last_sequence = DecodeSequence(*last.value()).value_or(0);
  return Status::Ok();
}

void CopyInfo(const rocksdb::BackupInfo& from, BackupInfo* to) {
  to->backup_id = from.backup_id;
  to->size_bytes = from.size;
  to->file_count = from.number_files;
  to->created_unix_seconds = from.timestamp;
}

// The newest backup's description; kNotFound when `engine` holds none.
Result<rocksdb::BackupInfo> Newest(rocksdb::BackupEngineReadOnly& engine, const std::string& dir) {
  std::vector<rocksdb::BackupInfo> backups;
  engine.GetBackupInfo(&backups);
  if (backups.empty()) return Status(Code::kNotFound, "no backup in " + dir);
  return *std::max_element(backups.begin(), backups.end(),
                           [](const auto& a, const auto& b) { return a.backup_id < b.backup_id; });
}

// Renames the restored database at `from` to `to` (nothing, or an empty directory).
Status MoveIntoPlace(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove(to, ec);
  fs::rename(from, to, ec);
  if (ec) return Status(Code::kIoError, "move the restored files to " + to + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Status Store::Backup(const std::string& dir, BackupInfo* info, const std::atomic<bool>* cancel) {
  if (read_only_) return Status(Code::kFailedPrecondition, "the store is open read-only");
  if (Status s = PrepareBackupDirectory(dir); !s.ok()) return s;
  rocksdb::BackupEngineOptions options(dir);
  options.callback_trigger_interval_size = kBackupCancelCheckBytes;
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngine::Open(rocksdb::Env::Default(), options, &raw);
  if (!s.ok()) return BackupError(s, "open backup directory " + dir);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions create;
  // The flush runs here, not on the writer: commits go on into a fresh memtable meanwhile.
  create.flush_before_backup = true;
  create.progress_callback = [&engine, cancel] {
    if (cancel && cancel->load()) engine->StopBackup();
  };
  rocksdb::BackupID id = 0;
  if (!cancel || !cancel->load()) s = engine->CreateNewBackup(create, db_.get(), &id);
  if ((cancel && cancel->load()) || s.IsIncomplete()) {
    return Status(Code::kUnavailable, "the backup was cancelled: the server is stopping");
  }
  if (!s.ok()) return BackupError(s, "back up into " + dir);
  // Read the last sequence from the backup itself: exactly the state it holds.
  rocksdb::BackupInfo made;
  rocksdb::Status found = engine->GetBackupInfo(id, &made, /*include_file_details=*/true);
  if (!found.ok()) return BackupError(found, "describe backup in " + dir);
  BackupInfo ignored;
  if (!info) info = &ignored;
  CopyInfo(made, info);
  auto copy = OpenReadOnlyIn(made.name_for_open, made.env_for_open.get());
  if (!copy.ok()) return copy.status();
  return ReadLastSequence(*copy.value(), info);
}

Status Store::Restore(const std::string& from_dir, const std::string& path, BackupInfo* info) {
  std::error_code ec;
  if (fs::exists(path, ec) && !(fs::is_directory(path, ec) && fs::is_empty(path, ec))) {
    return Status(Code::kFailedPrecondition,
                  "refusing to restore over " + path + ": it exists and is not an empty directory");
  }
  const std::string restoring = path + kRestoringSuffix;
  if (fs::exists(restoring, ec)) {
    return Status(Code::kFailedPrecondition,
                  restoring + " exists (an interrupted restore?); remove it and try again");
  }
  if (!HoldsBackups(from_dir)) return Status(Code::kNotFound, "no backup in " + from_dir);
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus s = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::Env::Default(), rocksdb::BackupEngineOptions(from_dir), &raw);
  if (!s.ok()) return BackupError(s, "open backup directory " + from_dir);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  auto newest = Newest(*engine, from_dir);
  if (!newest.ok()) return newest.status();
  if (fs::path parent = fs::path(path).parent_path(); !parent.empty()) {
    fs::create_directories(parent, ec);
  }
  s = engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), newest.value().backup_id, restoring,
                                  restoring);
  Status moved = s.ok() ? MoveIntoPlace(restoring, path) : BackupError(s, "restore " + from_dir);
  if (!moved.ok()) {
    fs::remove_all(restoring, ec);
    return moved;
  }
  BackupInfo ignored;
  if (!info) info = &ignored;
  CopyInfo(newest.value(), info);
  auto restored = OpenReadOnly(path);
  if (!restored.ok()) return restored.status();
  return ReadLastSequence(*restored.value(), info);
}

}  // namespace market4::storage
