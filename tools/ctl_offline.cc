// market4ctl's offline subcommands: verify and restore open a data directory themselves,
// without a server. Verify reads the ledger read-only; restore writes a new one from a
// backup. Neither may run on a data directory a market4d is using (restore refuses a ledger
// that exists).
#include <google/protobuf/util/json_util.h>

#include "engine/verify.h"
#include "storage/store.h"
#include "tools/ctl_commands.h"
#include "tools/ctl_output.h"
#include "tools/data_dir.h"

namespace market4::tools {
namespace {

// Prints `json` (the --json form) or its table.
int Print(const CtlContext& context, const std::string& json) {
  if (context.json) {
    context.out() << json << "\n";
    return kCtlOk;
  }
  auto text = RenderJson(json);
  if (!text.ok()) return Fail(context, kCtlFailed, text.status().message());
  context.out() << text.value();
  return kCtlOk;
}

}  // namespace

int Verify(const CtlContext& context, const std::string& data_dir) {
  const std::string path = LedgerPath(data_dir);
  auto store = storage::Store::OpenReadOnly(path);
  if (!store.ok()) {
    return Fail(context, kCtlFailed, "cannot open " + path + ": " + store.status().message());
  }
  Result<v1::LedgerVerification> verification = Status(Code::kInternal, "not run");
  {
    storage::ReadView view = store.value()->View();
    ProgressBar bar(context.err(), context.environment.terminal, "verifying",
                    ProgressBar::Unit::kCount);
    verification = engine::VerifyLedger(
        view, [&bar](std::uint64_t checked, std::uint64_t total) { bar.Update(checked, total); });
  }
  if (!verification.ok()) {
    return Fail(context, kCtlFailed,
                "cannot read " + path + ": " + verification.status().message());
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(verification.value(), &json, options).ok()) {
    return Fail(context, kCtlFailed, "cannot print the verification");
  }
  int printed = Print(context, json);
  if (printed != kCtlOk) return printed;
  return verification.value().ok() ? kCtlOk : kCtlTampered;
}

int Restore(const CtlContext& context, const std::string& from, const std::string& data_dir) {
  const std::string path = LedgerPath(data_dir);
  storage::BackupInfo info;
  Status s;
  {
    Spinner spinner(context.err(), context.environment.terminal, "restoring");
    s = storage::Store::Restore(from, path, &info);
  }
  if (!s.ok()) return Fail(context, kCtlFailed, "restore: " + s.message());
  std::string json = JsonFields({{"ledger", path},
                                 {"backup_id", std::to_string(info.backup_id)},
                                 {"last_sequence", std::to_string(info.last_sequence)}});
  int printed = Print(context, json);
  if (printed == kCtlOk && !context.json) {
    context.out() << "\nStart it with: market4d --data-dir " << data_dir
                  << "\n(a new admin.token is generated there on first start: tokens are not "
                     "in backups)\n";
  }
  return printed;
}

}  // namespace market4::tools
