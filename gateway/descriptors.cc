#include "gateway/descriptors.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace market4::gateway {

Result<DescriptorBudget> PlanDescriptors(std::uint64_t limit) {
  if (limit < kProcessDescriptors + 2 * kMinStorageDescriptors) {
    return Status(Code::kFailedPrecondition,
                  fmt::format("the open-file limit ({}) is too small to serve: at least {} are "
                              "needed (ulimit -n, or LimitNOFILE= under systemd)",
                              limit, kProcessDescriptors + 2 * kMinStorageDescriptors));
  }
  DescriptorBudget budget;
  budget.limit = limit;
  std::uint64_t shared = limit - kProcessDescriptors;
  budget.storage =
      static_cast<std::size_t>(std::min<std::uint64_t>(kMaxStorageDescriptors, shared / 2));
  budget.connections = static_cast<std::size_t>(shared - budget.storage);
  return budget;
}

Result<std::size_t> FitConnections(std::size_t wanted, std::uint64_t descriptor_limit) {
  auto budget = PlanDescriptors(descriptor_limit);
  if (!budget.ok()) return budget.status();
  std::size_t fit = budget->connections;
  if (wanted <= fit) return wanted;
  spdlog::warn(
      "max_connections lowered from {} to {}: the open-file limit is {}, and {} descriptors "
      "are kept for storage and {} for the process",
      wanted, fit, descriptor_limit, budget->storage, kProcessDescriptors);
  return fit;
}

std::uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised{limit.rlim_max, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      spdlog::info("open-file limit raised from {} to {}", limit.rlim_cur, raised.rlim_cur);
      limit = raised;
    } else {
      spdlog::warn("cannot raise the open-file limit from {} to {}: {}", limit.rlim_cur,
                   limit.rlim_max, std::strerror(errno));
    }
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace market4::gateway
