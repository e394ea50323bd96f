#!/usr/bin/env bash
# Runs every libFuzzer target in fuzz/ for a while: first over its regression inputs
# (fuzz/regressions/<target>/, each must pass), then fuzzing from a copy of its seed corpus
# (fuzz/corpus/<target>/, never changed here) with its dictionary (fuzz/dictionaries/).
#   scripts/fuzz.sh [seconds-per-target] [build-dir]
# Defaults: 10 seconds, build-asan (configured with -DMARKET4_FUZZ=ON and clang; see
# fuzz/README.md). Prints one line per target; exits non-zero if any target crashed or broke a
# property, naming the input that did it (kept under <build-dir>/fuzz-artifacts/<target>/).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
build="${2:-build-asan}"
targets=(http_fuzz codec_fuzz query_fuzz provider_fuzz emvco_fuzz memo_fuzz settlement_csv_fuzz)

work="$(mktemp -d "${TMPDIR:-/tmp}/market4-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# The last "#N DONE cov: C ft: F corp: K/B ... exec/s: E" line of a log, as one summary.
summary() {
  awk '/^#[0-9]+\t(DONE|INITED|pulse|NEW|REDUCE)/ { line = $0 } END { print line }' "$1" |
    sed -E 's/^#([0-9]+)\t[A-Z]+ +cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/[^ ]+.* exec\/s: ([0-9]+).*/runs=\1 cov=\2 features=\3 corpus=\4 exec\/s=\5/'
}

failed=0
for target in "${targets[@]}"; do
  binary="$build/bin/$target"
  if [[ ! -x "$binary" ]]; then
    echo "$target: not built ($binary); configure $build with -DMARKET4_FUZZ=ON" >&2
    failed=1
    continue
  fi
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$artifacts" "$work/$target/corpus" "$work/$target/tmp"
  log="$work/$target/log"
  options=(-timeout=10 -rss_limit_mb=2048 "-artifact_prefix=$artifacts/")
  [[ -f "fuzz/dictionaries/$target.dict" ]] && options+=("-dict=fuzz/dictionaries/$target.dict")
  # The engine of http_fuzz lives in TMPDIR: a crashed run's directory goes with $work.
  export TMPDIR="$work/$target/tmp"
  regressions=()
  if [[ -d "fuzz/regressions/$target" ]]; then
    mapfile -t regressions < <(find "fuzz/regressions/$target" -type f | sort)
  fi
  if ((${#regressions[@]} > 0)) && ! "$binary" "${options[@]}" "${regressions[@]}" >"$log" 2>&1; then
    cp "$log" "$artifacts/last-failure.log"
    echo "$target: FAILED on a regression input (log: $artifacts/last-failure.log)"
    grep -E 'PROPERTY FAILED|runtime error|ERROR: |Running: ' "$log" | tail -n 5 || true
    failed=1
    continue
  fi
  cp -r "fuzz/corpus/$target/." "$work/$target/corpus/"
  if "$binary" "${options[@]}" "-max_total_time=$seconds" "$work/$target/corpus" >"$log" 2>&1; then
    echo "$target: ok $(summary "$log")"
  else
    cp "$log" "$artifacts/last-failure.log"
    echo "$target: FAILED $(summary "$log")"
    { grep -E 'PROPERTY FAILED|runtime error|ERROR: |SUMMARY: ' "$log" | head -n 5
      grep -A1 'PROPERTY FAILED' "$log" | tail -n 1 | cut -c1-300
      grep -o 'Test unit written to .*' "$log" || echo "(no input written)"; } || true
    echo "log: $artifacts/last-failure.log"
    failed=1
  fi
done
exit "$failed"
