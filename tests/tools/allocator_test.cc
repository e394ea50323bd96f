// The normal build runs on jemalloc (CMakeLists.txt, MARKET4_JEMALLOC): operator new and
// malloc are jemalloc's, not only linked beside glibc's. The sanitizer builds keep their own.
#include "tools/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

#ifdef MARKET4_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace market4::tools {
namespace {

#ifdef MARKET4_WITH_JEMALLOC

// Bytes jemalloc has handed this thread so far.
std::uint64_t AllocatedByThisThread() {
  std::uint64_t allocated = 0;
  std::size_t size = sizeof(allocated);
  EXPECT_EQ(mallctl("thread.allocated", &allocated, &size, nullptr, 0), 0);
  return allocated;
}

TEST(AllocatorTest, NewAndMallocGoThroughJemalloc) {
  EXPECT_EQ(AllocatorName().rfind("jemalloc 5.", 0), 0u) << AllocatorName();
  constexpr std::size_t kBytes = 1 << 20;
  std::uint64_t before = AllocatedByThisThread();
  auto block = std::make_unique<char[]>(kBytes);
  block[kBytes - 1] = 1;
  EXPECT_GE(AllocatedByThisThread() - before, kBytes);
  before = AllocatedByThisThread();
  void* raw = std::malloc(kBytes);
  ASSERT_NE(raw, nullptr);
  EXPECT_GE(AllocatedByThisThread() - before, kBytes);
  std::free(raw);
}

#else

TEST(AllocatorTest, OtherBuildsNameTheDefault) { EXPECT_EQ(AllocatorName(), "default"); }

#endif

}  // namespace
}  // namespace market4::tools
