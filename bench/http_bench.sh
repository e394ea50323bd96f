#!/usr/bin/env bash
# HTTP throughput and latency of market4d with wrk (installed here if missing): GET /healthz
# and durable single-transfer POSTs, on a throwaway data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || apt-get install -y -qq wrk
[ -x build/bin/market4d ] || scripts/build.sh release
dir="$(mktemp -d)"
port="${PORT:-18090}"
export MARKET4_ADMIN_TOKEN="bench-token-0000000000000001"
build/bin/market4d --data-dir "$dir" --listen "127.0.0.1:$port" --threads "${THREADS:-2}" \
  --log-level warn &
pid=$!
trap 'kill -TERM $pid; wait $pid; rm -rf "$dir"' EXIT
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
for id in source sink; do
  curl -s -o /dev/null -H "Authorization: Bearer $MARKET4_ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$port/v1/accounts" -d "{\"id\":\"$id\"}"
done
echo "== GET /healthz =="
wrk -t2 -c64 -d"${DURATION:-10s}" --latency "http://127.0.0.1:$port/healthz"
echo "== POST /v1/transfers (fsync per batch) =="
wrk -t2 -c64 -d"${DURATION:-10s}" --latency -s bench/transfers.lua "http://127.0.0.1:$port"
