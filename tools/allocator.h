// Which malloc this program runs on, for market4d's start-up line: "jemalloc <version>" in
// the normal build (CMakeLists.txt, MARKET4_JEMALLOC); "default" otherwise: the sanitizer
// builds' own allocator, or glibc's with -DMARKET4_JEMALLOC=OFF.
#pragma once

#include <string>

namespace market4::tools {

std::string AllocatorName();

}  // namespace market4::tools
