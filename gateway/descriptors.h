// The process's open-file budget. Sockets, RocksDB's table files and the rest of the process
// share one RLIMIT_NOFILE; if sockets could take every descriptor, a connection flood would
// make a RocksDB write fail, and a failed write stops the engine (fail-stop): a crash loop.
// So the budget is split once, the same way by main (which bounds RocksDB's max_open_files to
// `storage`) and by the server (which bounds connections to `connections`). Pure functions
// except RaiseOpenFileLimit; any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace market4::gateway {

// Kept for the rest of the process: standard streams, the listening socket, epoll and timer
// descriptors, RocksDB's log, manifest and lock files, a connection being refused, logs.
inline constexpr std::size_t kProcessDescriptors = 64;
// RocksDB's table files get half of what remains, up to this; fewer only means a smaller
// table cache.
inline constexpr std::size_t kMaxStorageDescriptors = 512;
inline constexpr std::size_t kMinStorageDescriptors = 16;

struct DescriptorBudget {
  std::uint64_t limit = 0;      // the soft RLIMIT_NOFILE
  std::size_t storage = 0;      // RocksDB's max_open_files
  std::size_t connections = 0;  // most open client connections
};

// The split of `limit` descriptors; FAILED_PRECONDITION if it is too small to serve at all.
[[nodiscard]] Result<DescriptorBudget> PlanDescriptors(std::uint64_t limit);

// `wanted` connections, lowered (with a warning) to what the budget of `limit` leaves sockets.
[[nodiscard]] Result<std::size_t> FitConnections(std::size_t wanted, std::uint64_t limit);

// Raises the soft open-file limit to the hard limit and returns the soft limit in force
// afterwards (unchanged if it cannot be raised; 0 if it cannot be read). Process-wide.
std::uint64_t RaiseOpenFileLimit();

}  // namespace market4::gateway
