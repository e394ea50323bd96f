#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test twice: once in the normal build and
# once under AddressSanitizer + UndefinedBehaviorSanitizer; then the concurrency tests under
# ThreadSanitizer, and every libFuzzer target for a bounded time. Any sanitizer report or
# fuzzer finding fails the run (docs/sanitizers.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== build and test (RelWithDebInfo) =="
scripts/build.sh release
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== build and test (ASan + UBSan) =="
scripts/build.sh asan
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"

echo "== fuzzing (each libFuzzer target over its regressions, then ${FUZZ_SECONDS:-10} s) =="
scripts/fuzz.sh "${FUZZ_SECONDS:-10}" build-asan

echo "== build and test (ThreadSanitizer: the concurrency tests) =="
scripts/build.sh tsan
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1"
ctest --test-dir build-tsan --output-on-failure -j "$(nproc)"
