#!/usr/bin/env bash
# The HTTP server alone under a light C load generator (wrk, `apt-get install wrk`): single-transfer
# POST /v1/ledger/transfers with a fresh transfer id per request, on a fresh database.
# Usage: [ID_ORDER=random|time] Benchmarks/wrk/run.sh [SECONDS] [CONNECTIONS]   (after `swift build -c release`)
# ID_ORDER (see post.lua): random version-4 ids (default, the worst case) or time-ordered version-7 ids.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
case "${ID_ORDER:-random}" in random|time) ;; *) echo "ID_ORDER must be random or time" >&2; exit 2 ;; esac
seconds=${1:-30}
connections=${2:-256}
fg="${FEEGATE:-$root/.build/release/feegate}"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/wrk.sqlite"
"$fg" migrate --db "$db" >/dev/null
"$fg" operators add --db "$db" --code HN-BUS-01 --name bus --tax-code 0100100142 --kind bus >/dev/null
"$fg" keys create --db "$db" --role admin --quiet > "$work/key"
"$fg" serve --db "$db" --port 18090 --tariffs "$root/Tariffs" --log-level error --close-days-every 0 \
    --rate-limit 100000000 --rate-burst 100000000 > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf localhost:18090/health >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf -X POST localhost:18090/v1/ledger/accounts -H "Authorization: Bearer $(cat "$work/key")" -H 'content-type: application/json' \
    -d '{"accounts":[{"id":"11111111-1111-4111-8111-111111111111","code":"channel_clearing","name":"wrk clearing","operator":"HN-BUS-01"},{"id":"22222222-2222-4222-8222-222222222222","code":"operator_revenue","name":"wrk revenue","operator":"HN-BUS-01"}]}' >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); ids: ${ID_ORDER:-random}"
# Server CPU per request (user + system clock ticks of the whole process): steadier than requests/s on a machine
# whose speed drifts, and what decides how many requests 2 cores can serve.
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
io() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/io"; }
before=$(ticks); syscw=$(io syscw); written=$(io write_bytes)
WRK_KEY_FILE="$work/key" wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$root/Benchmarks/wrk/post.lua" http://127.0.0.1:18090 | tee "$work/wrk.out"
requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
echo "server CPU per request: $(( ($(ticks) - before) * 1000000 / $(getconf CLK_TCK) / requests )) µs"
# Write system calls (responses, WAL frames, checkpoints) and bytes sent to storage, per request.
awk -v c=$(( $(io syscw) - syscw )) -v b=$(( $(io write_bytes) - written )) -v n="$requests" \
    'BEGIN { printf "server writes per request: %.2f calls, %d bytes to storage\n", c / n, b / n }'
curl -s localhost:18090/metrics | grep -E "feegate_ledger_commit_(transfers|duration)_(sum|count)"
kill "$server"; wait "$server" 2>/dev/null || true
echo "journal rows: $(sqlite3 "$db" 'SELECT count(*) FROM transfer')"
