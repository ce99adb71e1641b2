#!/usr/bin/env bash
# Load benchmarks against a running local stack; prints one markdown table.
# Uses a release stack: if none is running, starts one (DJB_PROFILE=release make up).
#   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 64), BENCH_THREADS (default 2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=${DJB_DEV_DIR:-$ROOT/.dev}
HTTP_PORT=${DJB_HTTP_PORT:-8000}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
BASE=http://127.0.0.1:$HTTP_PORT

if ! curl -fsS -o /dev/null "$BASE/health" 2>/dev/null; then
  DJB_PROFILE=release "$ROOT/deploy/scripts/stack.sh" up
fi
profile=$(cat "$DEV/run/profile" 2>/dev/null || echo unknown)

# One client on 127.0.0.1 would hit the per-IP and per-tenant limits at once: restart the services
# and HAProxy with the limits lifted for the run, and with the defaults again afterwards.
restart() {
  "$ROOT/deploy/scripts/stack.sh" stop-services
  DJB_PROFILE=$profile "$ROOT/deploy/scripts/stack.sh" services >/dev/null
}
DJB_IP_RATE_LIMIT=1000000000 DJB_TENANT_RATE_LIMIT=1000000000 TENANT_RATE_LIMIT=1000000000 restart
trap restart EXIT

# name | url | note
SCENARIOS=(
  "health via HAProxy|$BASE/health/auth-svc|HAProxy -> auth-svc /health/ready (Postgres + Redis ping)"
  "health direct|http://127.0.0.1:8010/health|auth-svc /health, no proxy"
  "health via HAProxy (agent-svc)|$BASE/health/agent-svc|HAProxy -> agent-svc /health/ready"
)

printf '| benchmark | req/s | p50 | p99 | errors | what |\n|---|---:|---:|---:|---:|---|\n'
for s in "${SCENARIOS[@]}"; do
  IFS='|' read -r name url note <<<"$s"
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$url" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {n+=$5} /Socket errors/ {n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errs:-0}" "$note"
done
cargo build --release -q -p djinnbot-bench
BENCH_BASE=$BASE BENCH_SECONDS=$SECS "${CARGO_TARGET_DIR:-$ROOT/target}/release/auth-bench"
BENCH_BASE=$BASE BENCH_SECONDS=$SECS "${CARGO_TARGET_DIR:-$ROOT/target}/release/agent-bench"
BENCH_BASE=$BASE BENCH_SECONDS=$SECS "${CARGO_TARGET_DIR:-$ROOT/target}/release/project-bench"
echo
echo "stack: $profile build, wrk -t$THREADS -c$CONNS -d${SECS}s, $(nproc) cores"
echo "idle RSS (kB):"
for f in "$DEV"/run/*.pid; do
  n=$(basename "$f" .pid); p=$(cat "$f")
  printf '  %-12s %s\n' "$n" "$(awk '/VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || echo '?')"
done
