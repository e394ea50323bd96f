// The layout of market4d's data directory, shared by market4d and market4ctl: RocksDB in
// DATA_DIR/ledger, the operator token in DATA_DIR/admin.token (gateway/auth.h). Backups
// hold only the ledger. Pure functions, any thread.
#pragma once

#include <string>

namespace market4::tools {

inline constexpr char kLedgerDirectory[] = "ledger";

inline std::string LedgerPath(const std::string& data_dir) {
  return data_dir + "/" + kLedgerDirectory;
}

}  // namespace market4::tools
