#!/usr/bin/env bash
# Runs scripts/demo (a whole market day, e-wallet top-up and payouts through market4-sim
# included) against a real market4d on a fresh data directory, twice: its balances must match
# the README's hand computation and the ledger must sum to zero both times.
#   demo_test.sh BUILD_BIN_DIR
set -euo pipefail
bin="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
export MARKET4_ADMIN_TOKEN="demo-test-operator-token-00000001"
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  "$bin/market4d" --data-dir "$data/d" --listen "127.0.0.1:$port" --log-level trace \
    >"$data/market4d.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
export MARKET4_DEMO_SECRETS="$data/secrets"
MARKET4_SIM="$bin/market4-sim" "$root/scripts/demo" "http://127.0.0.1:$port"
MARKET4_SIM="$bin/market4-sim" "$root/scripts/demo" "http://127.0.0.1:$port"
# Secrets at rest and in logs: the data directory is the owner's alone,
# and no token or provider secret the runs handled appears in market4d's log (at trace, the
# most it ever writes) nor in any answer's access line.
kill -TERM "$pid"
wait "$pid"
[ "$(stat -c %a "$data/d")" = 700 ] || { echo "data directory is $(stat -c %a "$data/d")" >&2; exit 1; }
[ "$(wc -l <"$data/secrets")" -ge 16 ] || { echo "the demo recorded no secrets" >&2; exit 1; }
[ "$(wc -l <"$data/market4d.log")" -ge 100 ] || { echo "market4d logged almost nothing" >&2; exit 1; }
while read -r secret; do
  if grep -qF -- "$secret" "$data/market4d.log"; then
    echo "market4d's log contains a secret (${secret:0:6}...)" >&2
    exit 1
  fi
done <"$data/secrets"
echo "demo_test: no secret in $(wc -l <"$data/market4d.log") log lines"
