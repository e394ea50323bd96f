#!/usr/bin/env bash
# Durability check by hand, with curl: stream transfers at a real market4d, kill -9 it
# mid-stream, restart it on the same data directory, and check that every transfer that was
# answered 201 is there, at most the one in flight was added besides, and the ledger sums to
# zero. Uses its own temporary data directory and port (default 18089).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/bin/market4d ] || scripts/build.sh release

port="${PORT:-18089}"
dir="$(mktemp -d)"
trap 'kill -9 "${pid:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT
export MARKET4_ADMIN_TOKEN="crash-check-token-$(date +%s%N)"
base="http://127.0.0.1:$port"
auth=(-H "Authorization: Bearer $MARKET4_ADMIN_TOKEN" -H "Content-Type: application/json")

start() {
  build/bin/market4d --data-dir "$dir/data" --listen "127.0.0.1:$port" --log-level warn &
  pid=$!
  for _ in $(seq 1 500); do curl -sf "$base/healthz" >/dev/null && return 0; sleep 0.02; done
  echo "market4d did not start" >&2
  exit 1
}
field() { sed -E "s/.*\"$2\":\"?(-?[0-9]+)\"?.*/\1/" <<<"$1"; }

start
curl -s "${auth[@]}" -X POST "$base/v1/accounts" -d '{"id":"desk"}' >/dev/null
curl -s "${auth[@]}" -X POST "$base/v1/accounts" -d '{"id":"wallet","debits_must_not_exceed_credits":true}' >/dev/null

: >"$dir/answered"
(
  for i in $(seq 1 1000000); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" -X POST "$base/v1/transfers" \
      -d "{\"transfers\":[{\"id\":\"c$i\",\"debit_account_id\":\"desk\",\"credit_account_id\":\"wallet\",\"amount\":\"1000\",\"code\":1}]}") || exit 0
    [ "$code" = 201 ] && echo "c$i" >>"$dir/answered" || exit 0
  done
) &
stream=$!
sleep "${SECONDS_BEFORE_KILL:-2}"
kill -9 "$pid"
wait "$stream" || true
answered=$(wc -l <"$dir/answered")
echo "killed market4d with SIGKILL after $answered answered transfers; restarting"

start
missing=0
while read -r id; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$base/v1/transfers/$id")
  [ "$code" = 200 ] || { echo "LOST: $id"; missing=$((missing + 1)); }
done <"$dir/answered"
wallet=$(curl -s "${auth[@]}" "$base/v1/accounts/wallet")
desk=$(curl -s "${auth[@]}" "$base/v1/accounts/desk")
credited=$(field "$wallet" credits_posted)
debited=$(field "$desk" debits_posted)
echo "answered=$answered  wallet.credits_posted=$credited  desk.debits_posted=$debited"

ok=1
[ "$missing" -eq 0 ] || ok=0
[ "$credited" -eq "$debited" ] || { echo "ledger does not sum to zero"; ok=0; }
extra=$(( credited / 1000 - answered ))
{ [ "$extra" -ge 0 ] && [ "$extra" -le 1 ]; } || { echo "unexpected transfer count"; ok=0; }
kill -TERM "$pid"; wait "$pid" || true
[ "$ok" -eq 1 ] && echo "PASS: every answered transfer survived; $extra in-flight transfer(s) also landed" || { echo FAIL; exit 1; }
