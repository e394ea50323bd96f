// Which malloc this program runs on, for market4d's start-up line: "jemalloc <version>" in
// the normal build (CMakeLists.txt, MARKET4_JEMALLOC), "glibc" in the sanitizer builds.
#pragma once

#include <string>

namespace market4::tools {

std::string AllocatorName();

}  // namespace market4::tools
