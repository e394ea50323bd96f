// Operator routes of the server's own administration: backups. A backup runs on the engine's
// backup thread (engine/engine.h); the I/O thread returns at once and the answer is posted
// back when the backup ends, so neither the writer nor an I/O thread waits for the copy.
#include <google/protobuf/util/time_util.h>

#include "gateway/routes.h"
#include "market4/v1/backups.pb.h"

namespace market4::gateway {
namespace {

using google::protobuf::util::TimeUtil;

v1::Backup BackupMessage(const std::string& dir, const storage::BackupInfo& info) {
  v1::Backup backup;
  backup.set_backup_id(info.backup_id);
  backup.set_dir(dir);
  backup.set_size_bytes(info.size_bytes);
  backup.set_file_count(info.file_count);
  *backup.mutable_created_at() = TimeUtil::SecondsToTimestamp(info.created_unix_seconds);
  backup.set_last_sequence(info.last_sequence);
  return backup;
}

// 201 with the Backup once it is made; 409 while another backup runs.
void CreateBackup(Call& call, engine::Engine& engine) {
  v1::CreateBackupRequest request;
  if (!DecodeBody(call, &request)) return;
  engine.Backup(request.dir(), [respond = call.respond, format = call.format,
                                dir = request.dir()](Result<storage::BackupInfo> result) {
    if (!result.ok()) return respond(ErrorResponse(result.status(), format));
    respond(MessageResponse(201, BackupMessage(dir, result.value()), format));
  });
}

}  // namespace

const std::vector<Route>& AdminRoutes() {
  static const std::vector<Route> routes = {
      {"POST", {"v1", "admin", "backups"}, Authentication::kBearer, kOperator, CreateBackup},
  };
  return routes;
}

}  // namespace market4::gateway
