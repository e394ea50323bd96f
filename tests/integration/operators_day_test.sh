#!/usr/bin/env bash
# The operators' day as a new user tries it: a market day (scripts/demo, with top-ups and
# payouts) on a real market4d whose local day ends a minute later (--utc-offset), then with
# market4ctl: two named operators, the day closed by one and approved by the other, its CSV
# balancing to zero, every merchant's statement closing equal to the report's closing of its
# available account; then, with the server stopped, one stored entry's amount edited with
# RocksDB's ldb, and `market4ctl verify` naming that entry and exiting 4.
#   operators_day_test.sh BUILD_BIN_DIR
set -euo pipefail
bin="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
export MARKET4_ADMIN_TOKEN="operators-day-admin-token-000001"
fail() { echo "FAIL: $*" >&2; exit 1; }

# An offset that makes local time now 23:59, so the local day ends at the next minute
# boundary, at least 20 s away (the demo runs meanwhile).
now=$(date -u +%s)
if [ $(( now % 60 )) -gt 40 ]; then sleep 21; now=$(date -u +%s); fi
m=$(( 1439 - now / 60 % 1440 ))
offset=$(printf '+%02d:%02d' $(( m / 60 )) $(( m % 60 )))
midnight=$(( (now / 60 + 1) * 60 ))
day=$(date -u -d "@$(( now + m * 60 ))" +%F)

port=$((20000 + RANDOM % 40000))
start() {
  "$bin/market4d" --data-dir "$data/d" --listen "127.0.0.1:$port" --log-level warn \
    --utc-offset "$offset" >>"$data/market4d.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$data/market4d.log" >&2
  fail "market4d did not start"
}
start
url="http://127.0.0.1:$port"
MARKET4_SIM="$bin/market4-sim" "$root/scripts/demo" "$url" >/dev/null

ctl() { "$bin/market4ctl" --url "$url" "$@"; }
lan=$(MARKET4_TOKEN=$MARKET4_ADMIN_TOKEN ctl --json operators create --name "Chị Lan" | jq -r .token)
minh=$(MARKET4_TOKEN=$MARKET4_ADMIN_TOKEN ctl --json operators create --name "Anh Minh" | jq -r .token)

# Wait for local midnight, then close as Lan and approve as Minh (Lan may not approve).
while [ "$(date -u +%s)" -lt "$midnight" ]; do sleep 1; done
MARKET4_TOKEN=$lan ctl --json days close "$day" | jq -e '.status == "PENDING_APPROVAL"' >/dev/null \
  || fail "close"
set +e
MARKET4_TOKEN=$lan ctl days approve "$day" >"$data/same.out" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] && grep -q SAME_OPERATOR "$data/same.out" || fail "same operator approved ($status)"
MARKET4_TOKEN=$minh ctl --json days approve "$day" | jq -e '.status == "CLOSED"' >/dev/null \
  || fail "approve"

# The CSV balances: each row closes, and the closings sum to zero.
MARKET4_TOKEN=$minh ctl days report "$day" --csv >"$data/day.csv"
head -1 "$data/day.csv" | tr -d '\r' | grep -qx 'account_id,opening,debits,credits,closing' \
  || fail "CSV header"
tr -d '\r' <"$data/day.csv" | awk -F, 'NR > 1 {
    if ($2 + $4 - $3 != $5) { print "row does not close: " $0; bad = 1 }
    sum += $5; rows++ }
  END { if (sum != 0 || rows < 5 || bad) { print "closings sum " sum " over " rows; exit 1 } }' \
  || fail "the report does not balance"

# Every merchant's statement closes where the report says its available account closes.
merchants=$(curl -sf -H "Authorization: Bearer $minh" "$url/v1/merchants" | jq -r '.merchants[].id')
[ -n "$merchants" ] || fail "no merchants"
for merchant in $merchants; do
  statement=$(MARKET4_TOKEN=$minh ctl --json statement --merchant "$merchant" --from "$day" --to "$day" \
    | jq -r .closing)
  report=$(tr -d '\r' <"$data/day.csv" | awk -F, -v a="$merchant.available" '$1 == a { print $5 }')
  [ "$statement" = "$report" ] || fail "$merchant: statement closes at $statement, report at $report"
done
curl -sf -H "Authorization: Bearer $minh" "$url/v1/ledger/verify" | jq -e .ok >/dev/null \
  || fail "online verify"

# The provider's settlement file, made from what the ledger applied, with planted differences:
# the payout left out, the top-up's amount changed and repeated, one extra transaction, one
# malformed line. The report lists exactly those.
curl -sf -H "Authorization: Bearer $minh" -H 'Accept: text/csv' \
  "$url/v1/providers/demo-momo/settlements/$day" | tr -d '\r' >"$data/ledger.csv"
topup=$(grep ',topup.succeeded,' "$data/ledger.csv" | head -1)
payout=$(grep ',payout.succeeded,' "$data/ledger.csv" | head -1)
[ -n "$topup" ] && [ -n "$payout" ] || { cat "$data/ledger.csv"; fail "the ledger side lacks lines"; }
IFS=, read -r topup_id _ topup_amount _ topup_time <<<"$topup"
{
  echo "provider_txn_id,type,amount,fee,time"
  echo "$topup_id,topup.succeeded,$(( topup_amount + 1 )),0,$topup_time"
  echo "EXTRA-1,topup.succeeded,5000,50,$topup_time"
  echo "$topup"
  echo "not,a,settlement,line"
} >"$data/settlement.csv"
MARKET4_TOKEN=$minh ctl --json reconcile --provider demo-momo --date "$day" "$data/settlement.csv" \
  >"$data/report.json"
jq -e --arg payout "${payout%%,*}" --arg topup "$topup_id" '
  .matched.count == 0 and
  ([.missing_in_file[].provider_txn_id] == [$payout]) and
  ([.missing_in_ledger[] | [.provider_txn_id, .line]] == [["EXTRA-1", 3]]) and
  ([.amount_mismatches[].provider_txn_id] == [$topup]) and
  ([.duplicates[] | [.provider_txn_id, .line]] == [[$topup, 4]]) and
  ([.malformed[].line] == [5])' "$data/report.json" >/dev/null \
  || { cat "$data/report.json"; fail "the reconciliation did not list exactly the planted differences"; }

# Stopped, the ledger verifies clean; with one entry's amount edited by ldb, verify names it.
kill "$pid"; wait "$pid" || true; pid=""
ctl verify --data-dir "$data/d" >/dev/null || fail "clean verify"
key=0x0000000000000003
hex=$(ldb --db="$data/d/ledger" --column_family=transfers --key_hex --value_hex get "$key")
printf "$(echo "${hex#0x}" | sed 's/../\\x&/g')" >"$data/entry.bin"
protoc -I "$root/proto" --decode=market4.v1.TransferRecord market4/v1/storage.proto \
  <"$data/entry.bin" >"$data/entry.txt"
grep -q '^amount: ' "$data/entry.txt" || fail "entry 3 has no amount"
sed -i 's/^amount: .*/amount: 999999/' "$data/entry.txt"
edited=$(protoc -I "$root/proto" --encode=market4.v1.TransferRecord market4/v1/storage.proto \
  <"$data/entry.txt" | od -An -tx1 | tr -d ' \n')
ldb --db="$data/d/ledger" --column_family=transfers --key_hex --value_hex put "$key" "0x$edited" \
  >/dev/null
set +e
ctl verify --data-dir "$data/d" >"$data/verify.out" 2>&1
status=$?
set -e
[ "$status" -eq 4 ] || { cat "$data/verify.out"; fail "verify exited $status, not 4"; }
grep -q "entry 3" "$data/verify.out" || { cat "$data/verify.out"; fail "verify did not name entry 3"; }
echo "operators' day: closed $day, balanced, statements match, the edited entry 3 was named"
