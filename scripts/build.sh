#!/usr/bin/env bash
# Configures and builds market4 into a build directory.
#   scripts/build.sh [release|asan]
# release -> build/      (RelWithDebInfo; executables in build/bin/)
# asan    -> build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer, tests only)
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-release}"
jobs="$(nproc)"
case "$kind" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j "$jobs"
    ;;
  asan)
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMARKET4_SANITIZE=ON \
      -DMARKET4_BENCH=OFF >/dev/null
    cmake --build build-asan -j "$jobs"
    ;;
  *)
    echo "usage: scripts/build.sh [release|asan]" >&2
    exit 2
    ;;
esac
