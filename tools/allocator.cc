#include "tools/allocator.h"

#ifdef MARKET4_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace market4::tools {

std::string AllocatorName() {
#ifdef MARKET4_WITH_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
    return std::string("jemalloc ") + version;
  }
  return "jemalloc";
#else
  return "default";
#endif
}

}  // namespace market4::tools
