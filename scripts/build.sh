#!/usr/bin/env bash
# Configures and builds market4 into a build directory.
#   scripts/build.sh [release|asan|tsan]
# release -> build/      (RelWithDebInfo, -O2 -g1; executables in build/bin/)
# asan    -> build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer, Clang: the tests and
#                         the libFuzzer targets, fuzz/README.md)
# tsan    -> build-tsan/ (ThreadSanitizer, Clang: the concurrency tests, tests/CMakeLists.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-release}"
jobs="$(nproc)"
case "$kind" in
  release)
    # -g1: line tables (file:line in backtraces and profiles) without full debug info, which
    # took a third of this build's time (8.2 min -> 5.8 min on two cores). For variables in gdb,
    # configure your own tree with plain -DCMAKE_BUILD_TYPE=RelWithDebInfo.
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
    cmake --build build -j "$jobs"
    ;;
  asan)
    # Clang, so that the one sanitizer build also gives the fuzz targets (MARKET4_FUZZ).
    # -O1 (line tables only for debug info): at -O0 every std::string call stays a call, and
    # the tests took three times as long as under GCC's -O0.
    CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DMARKET4_SANITIZE=ON -DMARKET4_FUZZ=ON \
      -DMARKET4_BENCH=OFF >/dev/null
    cmake --build build-asan -j "$jobs"
    ;;
  tsan)
    # Clang: GCC defines __SANITIZE_THREAD__, which gives protobuf's MapFieldBase two extra
    # members in our code and not in Debian's uninstrumented libprotobuf (a crash in any map).
    CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMARKET4_TSAN=ON -DMARKET4_BENCH=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
    cmake --build build-tsan -j "$jobs" --target tsan_tests
    ;;
  *)
    echo "usage: scripts/build.sh [release|asan|tsan]" >&2
    exit 2
    ;;
esac
